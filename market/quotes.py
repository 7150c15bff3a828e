"""Realtime quotes live in Django's cache (Redis in production, files in the embedded default).

All quotes are kept as one snapshot entry, code -> quote: one write per sync and one read per lookup,
whatever the number of stocks (thousands of small entries are slow on the file cache).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache

from market.providers.base import Quote

SNAPSHOT_KEY = "quotes:snapshot"
META_KEY = "quotes:meta"


def store(quotes: Iterable[Quote], source: str) -> dict[str, Any]:
    fresh = {q.code: {**dataclasses.asdict(q), "time": q.time.isoformat()} for q in quotes}
    snapshot = cache.get(SNAPSHOT_KEY) or {}
    snapshot.update(fresh)  # other sources' quotes stay
    cache.set(SNAPSHOT_KEY, snapshot, timeout=settings.QUOTE_TTL_SECONDS)
    times = [value["time"] for value in fresh.values()]
    meta = {"count": len(fresh), "source": source, "latest": max(times) if times else None}
    cache.set(META_KEY, meta, timeout=settings.QUOTE_TTL_SECONDS)
    return meta


def get_many(codes: Iterable[str]) -> dict[str, dict[str, Any]]:
    snapshot = cache.get(SNAPSHOT_KEY) or {}
    return {code: snapshot[code] for code in codes if code in snapshot}


def meta() -> dict[str, Any] | None:
    return cache.get(META_KEY)
