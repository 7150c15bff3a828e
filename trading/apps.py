from __future__ import annotations

from django.apps import AppConfig


class TradingConfig(AppConfig):
    name = "trading"

    def ready(self) -> None:
        from market import permissions

        permissions.register(_default_account_permissions)


def _default_account_permissions() -> dict[str, bool]:
    """The permission refresh asks the default account's broker which stocks it may trade."""
    from trading.accounts import resolve

    _, broker, _ = resolve(None)
    return broker.permissions()
