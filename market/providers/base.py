"""The one interface every market-data provider implements (the original's IDataService, data half).

Bars travel as pandas DataFrames with the columns of BAR_COLUMNS: one row per trading day, `date` a
datetime.date, prices as floats in the stock's currency (adjusted for splits where the source can),
`midday` the morning-session close at 11:30 when the source has it (NaN otherwise), `close` NaN for a
day that has not closed yet.
"""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

BAR_COLUMNS = ["date", "open", "midday", "high", "low", "close", "volume", "amount"]


class ProviderError(Exception):
    """The provider failed in a way retrying will not fix (bad symbol, malformed answer)."""


class TransientProviderError(ProviderError):
    """Timeouts, connection errors, HTTP 5xx and rate limiting: worth retrying with backoff."""


@dataclass(frozen=True)
class StockInfo:
    code: str  # exchange code without suffix: 600519, 000001, AAPL
    name: str
    exchange: str  # market.models.Exchange value: SSE, SZSE, BSE, NYSE, NASDAQ
    board: str  # market.models.Board value: main, chinext, star, bse, us
    is_st: bool = False
    listed: bool = True  # False: delisted
    listed_on: datetime.date | None = None
    delisted_on: datetime.date | None = None


@dataclass(frozen=True)
class Quote:
    code: str
    price: float  # latest trade price
    time: datetime.datetime  # timezone-aware time of the quote
    open: float | None = None
    high: float | None = None
    low: float | None = None
    prev_close: float | None = None
    volume: int | None = None
    amount: float | None = None
    suspended: bool = False
    extra: dict[str, float] = field(default_factory=dict)


class Provider(ABC):
    """A source of stock lists, daily history, midday prices and realtime quotes."""

    #: registry name, stored on each Stock as its source
    name: str = ""
    #: exchange-calendars name of the market this provider serves: XSHG or XNYS
    calendar: str = "XSHG"
    #: True for generated data: never to be used for claims about model quality
    synthetic: bool = False

    @abstractmethod
    def list_stocks(self) -> list[StockInfo]:
        """Every stock the source knows, listed and delisted."""

    @abstractmethod
    def daily_bars(self, code: str, start: datetime.date, end: datetime.date) -> pd.DataFrame:
        """Daily bars of one stock for start..end inclusive, columns BAR_COLUMNS, oldest first."""

    def midday_prices(self, code: str, start: datetime.date, end: datetime.date) -> pd.Series:
        """The 11:30 price per date (index datetime.date); empty where the source has no intraday data."""
        return pd.Series(dtype=float)

    @abstractmethod
    def quotes(self, codes: Sequence[str]) -> list[Quote]:
        """Latest quotes of the given stocks in one go (codes the source does not know are left out)."""


def empty_bars() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="float64") for column in BAR_COLUMNS}).astype({"date": "object"})


def bars_frame(rows: Iterable[dict[str, object]]) -> pd.DataFrame:
    """A bars DataFrame in the interface's shape from row dicts (missing columns become NaN)."""
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return empty_bars()
    for column in BAR_COLUMNS:
        if column not in frame:
            frame[column] = float("nan")
    return frame[BAR_COLUMNS].reset_index(drop=True)
