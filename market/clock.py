"""The one "now" of the system. CLOCK_NOW (an ISO time) pins it, for replaying a chosen day."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone


def now() -> datetime.datetime:
    pinned = getattr(settings, "CLOCK_NOW", None)
    if pinned:
        value = datetime.datetime.fromisoformat(pinned)
        return value if value.tzinfo else timezone.make_aware(value)
    return timezone.now()
