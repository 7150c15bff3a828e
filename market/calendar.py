"""Trading days from exchange-calendars (XSHG for A-shares, XNYS for US stocks).

Every trading-day step asks here. The package knows holidays only up to its last session (it is
updated yearly); asking beyond that raises CalendarError instead of guessing that a holiday trades.
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import exchange_calendars as xcals
import pandas as pd

DEFAULT_CALENDAR = "XSHG"


class CalendarError(Exception):
    pass


@lru_cache(maxsize=4)
def get_calendar(name: str = DEFAULT_CALENDAR) -> xcals.ExchangeCalendar:
    return xcals.get_calendar(name)


def _check(calendar: xcals.ExchangeCalendar, day: datetime.date) -> pd.Timestamp:
    stamp = pd.Timestamp(day)
    first, last = calendar.first_session, calendar.last_session
    if not first <= stamp <= last:
        raise CalendarError(
            f"{calendar.name} sessions are known from {first.date()} to {last.date()}; "
            f"{day} is outside (upgrade exchange-calendars for later years)"
        )
    return stamp


def is_trading_day(day: datetime.date, name: str = DEFAULT_CALENDAR) -> bool:
    calendar = get_calendar(name)
    return bool(calendar.is_session(_check(calendar, day)))


def sessions(start: datetime.date, end: datetime.date, name: str = DEFAULT_CALENDAR) -> list[datetime.date]:
    """Trading days from start to end inclusive, clamped to the range the calendar knows."""
    calendar = get_calendar(name)
    lo = max(pd.Timestamp(start), calendar.first_session)
    hi = min(pd.Timestamp(end), calendar.last_session)
    if lo > hi:
        return []
    return [stamp.date() for stamp in calendar.sessions_in_range(lo, hi)]


def previous_trading_day(day: datetime.date, name: str = DEFAULT_CALENDAR) -> datetime.date:
    """The last trading day strictly before `day`."""
    calendar = get_calendar(name)
    stamp = _check(calendar, day)
    if calendar.is_session(stamp):
        return calendar.previous_session(stamp).date()
    return calendar.date_to_session(stamp, direction="previous").date()


def next_trading_day(day: datetime.date, name: str = DEFAULT_CALENDAR) -> datetime.date:
    """The first trading day strictly after `day`."""
    calendar = get_calendar(name)
    stamp = _check(calendar, day)
    if calendar.is_session(stamp):
        return calendar.next_session(stamp).date()
    return calendar.date_to_session(stamp, direction="next").date()


def last_completed_trading_day(now: datetime.datetime, name: str = DEFAULT_CALENDAR) -> datetime.date:
    """The latest trading day whose session has closed at `now`."""
    calendar = get_calendar(name)
    local = now.astimezone(ZoneInfo(str(calendar.tz)))
    today = local.date()
    if is_trading_day(today, name) and local >= calendar.session_close(pd.Timestamp(today)).tz_convert(calendar.tz):
        return today
    return previous_trading_day(today, name)


def market_today(name: str = DEFAULT_CALENDAR, now: datetime.datetime | None = None) -> datetime.date:
    """Today's date in the exchange's time zone."""
    from django.utils import timezone

    calendar = get_calendar(name)
    return (now or timezone.now()).astimezone(ZoneInfo(str(calendar.tz))).date()
