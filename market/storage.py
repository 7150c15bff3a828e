"""Bulk writes and reads of daily bars, without a model instance per row.

Writes use the database's native upsert on (stock, date), so loading the same data twice changes
nothing and a later partial bar (noon: open and midday only) never blanks a value stored before.
Reads return numpy arrays for the whole universe in one query.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import Max

from market.models import DailyBar

VALUE_COLUMNS = ["open", "midday", "high", "low", "close", "volume", "amount"]
BATCH = 5000


def _upsert_sql(vendor: str) -> str:
    table = DailyBar._meta.db_table
    columns = ["stock_id", "date", *VALUE_COLUMNS]
    names = ", ".join(columns)
    if vendor == "mysql":
        # VALUES(col) works on MariaDB and MySQL alike; COALESCE keeps a stored value a partial bar lacks.
        updates = ", ".join(f"{c} = COALESCE(VALUES({c}), {c})" for c in VALUE_COLUMNS)
        return f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))}) ON DUPLICATE KEY UPDATE {updates}"
    if vendor in ("sqlite", "postgresql"):
        updates = ", ".join(f"{c} = COALESCE(excluded.{c}, {table}.{c})" for c in VALUE_COLUMNS)
        return (
            f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))}) "
            f"ON CONFLICT (stock_id, date) DO UPDATE SET {updates}"
        )
    raise NotImplementedError(f"no bulk upsert for {vendor}")


def _column(values: pd.Series, integer: bool = False) -> list[object]:
    array = values.to_numpy(dtype="float64", na_value=np.nan)
    present = ~np.isnan(array)
    out: list[object] = (np.where(present, array, 0).astype(np.int64) if integer else array).tolist()
    if not present.all():
        for position in np.flatnonzero(~present):
            out[position] = None
    return out


def upsert_bars(bars: pd.DataFrame) -> int:
    """Insert or update bars; `bars` has a stock_id column plus the bar columns. Returns rows written."""
    if bars.empty:
        return 0
    dates = np.datetime_as_string(pd.to_datetime(bars["date"]).to_numpy(dtype="datetime64[D]"), unit="D").tolist()
    columns = [bars["stock_id"].astype(np.int64).tolist(), dates]
    for name in VALUE_COLUMNS:
        columns.append(_column(bars[name], integer=(name == "volume")) if name in bars else [None] * len(bars))
    rows = list(zip(*columns))
    sql = _upsert_sql(connection.vendor)
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
    return len(rows)


@dataclass
class BarArrays:
    """Bars of many stocks, sorted by stock then date; stock i's rows are offsets[i]:offsets[i+1]."""

    stock_ids: np.ndarray  # int64, one per stock
    offsets: np.ndarray  # int64, len(stock_ids) + 1
    dates: np.ndarray  # datetime64[D], one per bar
    values: np.ndarray  # float64, (bars, len(columns)), NaN where unknown
    columns: tuple[str, ...] = tuple(VALUE_COLUMNS)

    def __len__(self) -> int:
        return len(self.dates)

    def of(self, position: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.offsets[position], self.offsets[position + 1]
        return self.dates[lo:hi], self.values[lo:hi]


def load_bars(
    stock_ids: Sequence[int] | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    columns: Sequence[str] = VALUE_COLUMNS,
) -> BarArrays:
    """Read bars for the given stocks (all when None) and date range into arrays, in one query.

    Ask only for the columns needed: the database's cost is mostly turning each number into text.
    """
    unknown = set(columns) - set(VALUE_COLUMNS)
    if unknown:
        raise ValueError(f"unknown bar column(s): {', '.join(sorted(unknown))}")
    columns = tuple(columns)
    empty = BarArrays(np.array([], np.int64), np.zeros(1, np.int64), np.array([], "datetime64[D]"),
                      np.empty((0, len(columns))), columns)
    table = DailyBar._meta.db_table
    where, params = [], []
    if start is not None:
        where.append("date >= %s")
        params.append(start.isoformat())
    if end is not None:
        where.append("date <= %s")
        params.append(end.isoformat())
    if stock_ids is not None:
        if not stock_ids:
            return empty
        where.append(f"stock_id IN ({', '.join(['%s'] * len(stock_ids))})")
        params.extend(int(i) for i in stock_ids)
    # Dates travel as their day number, so no date object is made per row.
    day = "CAST(julianday(date) - 2440587.5 AS INTEGER)" if connection.vendor == "sqlite" else "TO_DAYS(date) - 719528"
    if connection.vendor == "postgresql":
        day = "(date - DATE '1970-01-01')"
    sql = f"SELECT stock_id, {day}, {', '.join(columns)} FROM {table}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY stock_id, date"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return empty
    table_array = np.array(rows, dtype=np.float64)  # None becomes NaN
    ids = table_array[:, 0].astype(np.int64)
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    return BarArrays(
        stock_ids=ids[starts],
        offsets=np.r_[starts, len(ids)].astype(np.int64),
        dates=table_array[:, 1].astype(np.int64).astype("datetime64[D]"),
        values=table_array[:, 2:],
        columns=columns,
    )


def latest_dates(stock_ids: Iterable[int], *, complete_only: bool = False) -> dict[int, datetime.date]:
    """The last stored bar date per stock (absent: no bars). complete_only skips today's noon bar (no close)."""
    bars = DailyBar.objects.filter(stock_id__in=list(stock_ids))
    if complete_only:
        bars = bars.filter(close__isnull=False)
    rows = bars.values("stock_id").annotate(last=Max("date"))
    return {row["stock_id"]: row["last"] for row in rows}


def closes_on(day: datetime.date, stock_ids: Iterable[int]) -> dict[int, float]:
    """The closes stored for `day`, by stock, in one query (a stock without one is absent)."""
    rows = DailyBar.objects.filter(stock_id__in=list(stock_ids), date=day, close__isnull=False)
    return dict(rows.values_list("stock_id", "close"))


def close_before(stock_id: int, day: datetime.date) -> float | None:
    """The last known close strictly before `day`: the base of that day's price limit."""
    return (
        DailyBar.objects.filter(stock_id=stock_id, date__lt=day, close__isnull=False)
        .order_by("-date")
        .values_list("close", flat=True)
        .first()
    )
