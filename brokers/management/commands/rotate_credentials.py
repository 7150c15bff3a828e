from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from brokers import crypto
from brokers.models import BrokerAccount


class Command(BaseCommand):
    help = (
        "Re-encrypt every broker account's credentials with the first key of CREDENTIALS_KEY. To rotate: put the "
        "new key first and keep the old one after it (CREDENTIALS_KEY=new,old), run this, then drop the old key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = BrokerAccount.objects.exclude(credentials_encrypted="")
        with transaction.atomic():  # all or nothing: no account is left under a key about to be dropped
            for account in accounts.select_for_update():
                try:
                    account.credentials_encrypted = crypto.rotate(account.credentials_encrypted)
                except crypto.CredentialsError as exc:
                    raise CommandError(f"{account.name}: {exc}; nothing was changed") from None
                account.save(update_fields=["credentials_encrypted", "updated_at"])
        self.stdout.write(self.style.SUCCESS(f"re-encrypted the credentials of {accounts.count()} account(s)"))
