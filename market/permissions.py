"""Which stocks the account may trade. A broker adapter registers a source of permissions here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from market.models import Stock
from workflows.runner import SkipRun

# A callable returning {code: may_trade} for the stocks the broker reports on.
PermissionSource = Callable[[], dict[str, bool]]
_sources: list[PermissionSource] = []


def register(source: PermissionSource) -> None:
    if source not in _sources:
        _sources.append(source)


def refresh() -> dict[str, Any]:
    if not _sources:
        raise SkipRun("no broker adapter reports trading permissions yet; every listed stock stays tradable")
    allowed: dict[str, bool] = {}
    for source in _sources:
        allowed.update(source())
    changed = 0
    for value in (True, False):
        codes = [code for code, may in allowed.items() if may is value]
        changed += Stock.objects.filter(code__in=codes).exclude(is_tradable=value).update(is_tradable=value)
    return {"reported": len(allowed), "not_tradable": sum(not v for v in allowed.values()), "changed": changed}
