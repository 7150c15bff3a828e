"""A provider over in-memory tables, for workflow tests that need exact, hand-written data."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import pandas as pd

from market import providers
from market.providers.base import BAR_COLUMNS, Provider, Quote, StockInfo, bars_frame, empty_bars


class TableProvider(Provider):
    name = "table"
    calendar = "XSHG"

    def __init__(self) -> None:
        self.stocks: list[StockInfo] = []
        self.bars: dict[str, pd.DataFrame] = {}
        self.quote_list: list[Quote] = []
        self.fail_after: int | None = None  # raise on the n-th daily_bars call, like a worker dying
        self.calls = 0

    def list_stocks(self) -> list[StockInfo]:
        return list(self.stocks)

    def daily_bars(self, code: str, start: datetime.date, end: datetime.date) -> pd.DataFrame:
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise SystemExit("worker killed")  # not a ProviderError: nothing may catch it
        frame = self.bars.get(code)
        if frame is None:
            return empty_bars()
        dates = pd.to_datetime(frame["date"]).dt.date
        return frame[(dates >= start) & (dates <= end)][BAR_COLUMNS].reset_index(drop=True)

    def quotes(self, codes: Sequence[str]) -> list[Quote]:
        wanted = set(codes)
        return [q for q in self.quote_list if q.code in wanted]


def install() -> TableProvider:
    """Register a fresh TableProvider under the name "table" and return it."""
    provider = TableProvider()
    providers.register("table", lambda: provider)
    return provider


def walk(sessions: list[datetime.date], start_price: float = 10.0, step: float = 0.01) -> pd.DataFrame:
    """Valid bars that rise by `step` (a fraction) each session."""
    rows = []
    price = start_price
    for day in sessions:
        close = round(price * (1 + step), 2)
        rows.append({"date": day, "open": price, "midday": round((price + close) / 2, 2), "high": max(price, close),
                     "low": min(price, close), "close": close, "volume": 1000, "amount": 1000 * close})
        price = close
    return bars_frame(rows)
