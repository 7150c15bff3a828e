"""Realtime quotes live in Django's cache (Redis in production, files in the embedded default)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache

from market.providers.base import Quote

META_KEY = "quotes:meta"


def _key(code: str) -> str:
    return f"quote:{code}"


def store(quotes: Iterable[Quote], source: str) -> dict[str, Any]:
    items = {_key(q.code): {**dataclasses.asdict(q), "time": q.time.isoformat()} for q in quotes}
    cache.set_many(items, timeout=settings.QUOTE_TTL_SECONDS)
    times = [value["time"] for value in items.values()]
    meta = {"count": len(items), "source": source, "latest": max(times) if times else None}
    cache.set(META_KEY, meta, timeout=settings.QUOTE_TTL_SECONDS)
    return meta


def get_many(codes: Iterable[str]) -> dict[str, dict[str, Any]]:
    found = cache.get_many([_key(code) for code in codes])
    return {key.split(":", 1)[1]: value for key, value in found.items()}


def meta() -> dict[str, Any] | None:
    return cache.get(META_KEY)
