"""The one "now" of the system.

CLOCK_NOW (an ISO time) pins it for one process. With REPLAY_CLOCK on, every process reads "now" from the
shared cache, so a replay can move the whole system (web, workers) through a chosen day step by step.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

REPLAY_KEY = "clock:replay"


def now() -> datetime.datetime:
    pinned = getattr(settings, "CLOCK_NOW", None)
    if pinned:
        value = datetime.datetime.fromisoformat(pinned)
        return value if value.tzinfo else timezone.make_aware(value)
    if getattr(settings, "REPLAY_CLOCK", False):
        replayed = cache.get(REPLAY_KEY)
        if replayed is not None:
            return replayed
    return timezone.now()


def set_replay(when: datetime.datetime | None) -> None:
    """Move the shared replay clock (REPLAY_CLOCK on); None goes back to the real time."""
    if when is None:
        cache.delete(REPLAY_KEY)
    else:
        cache.set(REPLAY_KEY, when, timeout=None)
