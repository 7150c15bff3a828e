from __future__ import annotations

import json
from typing import Any

from django import forms

from workflows import registry


class RunWorkflowForm(forms.Form):
    workflow = forms.ChoiceField()
    inputs = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        required=False,
        initial="{}",
        help_text='The run\'s inputs as a JSON object, e.g. {"message": "hello"}.',
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workflow"].choices = [
            (wf.name, f"{wf.name}: {wf.description}" if wf.description else wf.name)
            for wf in registry.all_workflows()
        ]

    def clean_inputs(self) -> dict[str, Any]:
        text = (self.cleaned_data.get("inputs") or "").strip() or "{}"
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("must be a JSON object, like {} or {\"message\": \"hello\"}")
        if "run_id" in value:
            raise forms.ValidationError("run_id is set by the system, not an input")
        return value
