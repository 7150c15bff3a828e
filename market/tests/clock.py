"""Pinning the system's clock in tests: a moment of March 2024 in Shanghai (the 4th is a Monday)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(settings, day: int, hour: int, minute: int = 0) -> datetime.datetime:  # type: ignore[no-untyped-def]
    """Set CLOCK_NOW to 2024-03-<day> <hour>:<minute> in Shanghai and return that moment."""
    when = datetime.datetime(2024, 3, day, hour, minute, tzinfo=SHANGHAI)
    settings.CLOCK_NOW = when.isoformat()
    return when
