from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.roles import ensure_users


class Command(BaseCommand):
    help = (
        "Create the admin, test and guest users if missing. Passwords come from ADMIN_PASSWORD, "
        "TEST_PASSWORD and GUEST_PASSWORD, or are generated and printed once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        generated = ensure_users(settings.INITIAL_PASSWORDS)
        for username, password in generated.items():
            self.stdout.write(self.style.WARNING(f"created user {username!r} with password: {password}"))
        if generated:
            self.stdout.write("These passwords are shown only now; change them in the admin if you like.")
        else:
            self.stdout.write("users admin, test and guest are in place")
