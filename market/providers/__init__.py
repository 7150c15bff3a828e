"""Market-data providers behind one interface; `get(name)` returns a configured instance."""

from __future__ import annotations

from collections.abc import Callable

from market.providers.base import Provider

_FACTORIES: dict[str, Callable[[], Provider]] = {}


def register(name: str, factory: Callable[[], Provider]) -> None:
    _FACTORIES[name] = factory


def get(name: str) -> Provider:
    _load_builtin()
    try:
        return _FACTORIES[name]()
    except KeyError:
        raise KeyError(f"unknown market-data provider {name!r}; known: {', '.join(sorted(_FACTORIES))}") from None


def names() -> list[str]:
    _load_builtin()
    return sorted(_FACTORIES)


def _load_builtin() -> None:
    # Imported lazily: each module registers itself, and akshare/yfinance are heavy imports.
    from market.providers import registrations  # noqa: F401
