"""Where the paper broker's prices come from: the market data this system already has.

A synthetic stock is quoted by the simulated market at the exact instant (its intraday path); any other
stock by the latest cached quote of the same day, else the day's stored bar. The previous close (the base
of the daily limit) is the last stored close before the day.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings

from brokers.fees import to_tick
from market import quotes as quote_cache
from market.models import DailyBar, Stock

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class MarketPrice:
    price: Decimal | None  # None: no price to trade at
    suspended: bool
    previous_close: Decimal | None


@lru_cache(maxsize=4)
def _simulated(stocks: int, seed: int, start: str):  # type: ignore[no-untyped-def]
    from market.providers.simulated import SimulatedMarket

    return SimulatedMarket(stocks=stocks, seed=seed, start=datetime.date.fromisoformat(start))


def _previous_close(stock: Stock, day: datetime.date) -> Decimal | None:
    close = (
        DailyBar.objects.filter(stock=stock, date__lt=day, close__isnull=False)
        .order_by("-date").values_list("close", flat=True).first()
    )
    return None if close is None else to_tick(close)


def price_at(stock: Stock, when: datetime.datetime) -> MarketPrice:
    day = when.astimezone(SHANGHAI).date()
    previous = _previous_close(stock, day)
    if stock.is_suspended:
        return MarketPrice(None, True, previous)
    if stock.source == "simulated":
        market = _simulated(settings.SIMULATED_STOCKS, settings.SIMULATED_SEED, settings.SIMULATED_START)
        quote = market.quote_at(stock.code, when)
        return MarketPrice(None if quote.suspended else to_tick(quote.price), quote.suspended, previous)
    cached = quote_cache.get_many([stock.code]).get(stock.code)
    if cached and datetime.datetime.fromisoformat(cached["time"]).astimezone(SHANGHAI).date() == day:
        if cached.get("suspended"):
            return MarketPrice(None, True, previous)
        return MarketPrice(to_tick(cached["price"]), False, previous)
    bar = DailyBar.objects.filter(stock=stock, date=day).first()
    if bar is None:
        return MarketPrice(None, False, previous)
    local = when.astimezone(SHANGHAI).time()
    value = bar.close if (bar.close is not None and local >= datetime.time(15)) else (bar.midday or bar.open)
    return MarketPrice(to_tick(value), False, previous)
