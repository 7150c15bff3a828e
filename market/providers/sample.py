"""The bundled real sample: five US stocks 2000-2013 (market/sample/README.md), offline and licence-clean."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import pandas as pd

from market.providers.base import BAR_COLUMNS, Provider, Quote, StockInfo, empty_bars

SAMPLE_FILE = Path(__file__).resolve().parent.parent / "sample" / "us_stocks_2000_2013.csv.gz"
# Where each traded in 2013; FB listed on Nasdaq on 2012-05-18.
STOCKS = {
    "AAPL": ("Apple Inc.", "NASDAQ"),
    "FB": ("Facebook Inc.", "NASDAQ"),
    "GOOG": ("Google Inc.", "NASDAQ"),
    "IBM": ("International Business Machines", "NYSE"),
    "MSFT": ("Microsoft Corporation", "NASDAQ"),
}


class SampleProvider(Provider):
    name = "sample"
    calendar = "XNYS"

    @cached_property
    def _data(self) -> pd.DataFrame:
        data = pd.read_csv(SAMPLE_FILE, dtype={"code": str})
        data["date"] = pd.to_datetime(data["date"]).dt.date
        data["midday"] = float("nan")
        data["amount"] = float("nan")
        return data

    def date_range(self) -> tuple[datetime.date, datetime.date]:
        return self._data["date"].min(), self._data["date"].max()

    def list_stocks(self) -> list[StockInfo]:
        first = self._data.groupby("code")["date"].min()
        return [
            StockInfo(code, name, exchange, "us", listed_on=first.get(code))
            for code, (name, exchange) in STOCKS.items()
        ]

    def daily_bars(self, code: str, start: datetime.date, end: datetime.date) -> pd.DataFrame:
        data = self._data
        rows = data[(data["code"] == code) & (data["date"] >= start) & (data["date"] <= end)]
        return rows[BAR_COLUMNS].reset_index(drop=True) if len(rows) else empty_bars()

    def quotes(self, codes: Sequence[str]) -> list[Quote]:
        """The last close of the sample stands in for a quote: the data ends in 2013."""
        last = self._data.groupby("code").tail(1).set_index("code")
        quotes = []
        for code in codes:
            if code in last.index:
                row = last.loc[code]
                at = datetime.datetime.combine(row["date"], datetime.time(16), tzinfo=datetime.timezone(datetime.timedelta(hours=-5)))
                quotes.append(Quote(code, float(row["close"]), at, open=float(row["open"]), high=float(row["high"]),
                                    low=float(row["low"]), volume=int(row["volume"])))
        return quotes
