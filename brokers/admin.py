from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from brokers.models import BrokerAccount, PaperAccount


class BrokerAccountForm(forms.ModelForm):
    """Credentials are write-only: the form never shows what is stored, only whether something is."""

    new_credentials = forms.CharField(
        label="New credentials",
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"size": 60, "autocomplete": "off"}),
        help_text='A JSON object, e.g. {"key_id": "...", "secret_key": "..."}. Leave empty to keep what is '
        'stored; enter {} to remove it.',
    )

    class Meta:
        model = BrokerAccount
        fields = ("name", "adapter", "mode", "currency", "is_active")

    def clean_new_credentials(self) -> dict[str, Any] | None:
        text = self.cleaned_data.get("new_credentials", "").strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            # Say where, never echo the text: it is a secret.
            raise forms.ValidationError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise forms.ValidationError("must be a JSON object with string keys")
        return value

    def save(self, commit: bool = True) -> BrokerAccount:
        account = super().save(commit=False)
        credentials = self.cleaned_data.get("new_credentials")
        if credentials is not None:
            account.set_credentials(credentials)
        if commit:
            account.save()
        return account


@admin.register(BrokerAccount)
class BrokerAccountAdmin(admin.ModelAdmin):
    form = BrokerAccountForm
    list_display = ("name", "adapter", "mode", "currency", "is_active", "has_credentials")
    list_filter = ("adapter", "mode", "is_active")
    readonly_fields = ("credentials_status", "created_at", "updated_at")

    @admin.display(boolean=True, description="credentials")
    def has_credentials(self, account: BrokerAccount) -> bool:
        return account.has_credentials

    @admin.display(description="stored credentials")
    def credentials_status(self, account: BrokerAccount) -> str:
        return "set (encrypted, not shown)" if account.has_credentials else "none"

    def get_readonly_fields(self, request: HttpRequest, obj: BrokerAccount | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        # Only those allowed to trade live may switch an account's mode.
        if not request.user.has_perm("brokers.switch_to_live"):
            fields.append("mode")
        return fields


@admin.register(PaperAccount)
class PaperAccountAdmin(admin.ModelAdmin):
    """The paper broker's own books (the simulated brokerage side)."""

    list_display = ("account", "cash", "initial_cash", "slippage_bps", "latency_ms")
    readonly_fields = ("cash",)
