from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        post_migrate.connect(_ensure_groups, sender=self)


def _ensure_groups(**kwargs: Any) -> None:
    from accounts.roles import ensure_groups

    ensure_groups()
