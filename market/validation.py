"""Checks every bar at ingest. Bad rows are rejected with a reason each; the good rows still load.

A row is rejected for: a date that is not a date, a duplicate or out-of-order date, a NaN, infinite or
non-positive price, high below low, open/midday/close outside [low, high], negative volume or amount,
and a move beyond the board's daily price limit from the previous accepted close (an unadjusted split
or bad data). A file sorted newest-first is accepted as such and put in order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from market.providers.base import BAR_COLUMNS

PRICE_COLUMNS = ["open", "midday", "high", "low", "close"]
# Exchanges round the limit price to the tick, so a move may exceed the limit by up to half a tick.
TICK = 0.01


@dataclass
class Rejection:
    code: str
    date: str
    reason: str
    row: int | None = None
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class Checked:
    good: pd.DataFrame  # BAR_COLUMNS, dates as datetime.date, oldest first
    rejected: list[Rejection]


def _parse_dates(values: pd.Series) -> pd.Series:
    """datetime64 per row, NaT where the value is not a YYYY-MM-DD date (vectorised: files are big)."""
    text = values.astype(str).str.strip().str.slice(0, 10)
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")


def _row_values(frame: pd.DataFrame, index: Any) -> dict[str, Any]:
    values = {}
    for column in BAR_COLUMNS:
        value = frame.at[index, column] if column in frame else None
        if isinstance(value, float) and math.isnan(value):
            value = None
        elif isinstance(value, (np.floating, np.integer)):
            value = value.item()
        values[column] = value if value is None or isinstance(value, (int, float)) else str(value)
    return values


def _row_problem(row: dict[str, float]) -> str | None:
    """What is wrong with a row on its own (not against its neighbours), or None."""
    for column in PRICE_COLUMNS:
        value = row[column]
        if math.isnan(value):
            if column == "open":
                return "open is missing or not a number"
            continue
        if not math.isfinite(value):
            return f"{column} is not a finite number ({value})"
        if value <= 0:
            return f"{column} is not positive ({value})"
    high, low = row["high"], row["low"]
    if not (math.isnan(high) or math.isnan(low)):
        if high < low:
            return f"high {high} is below low {low}"
        for column in ("open", "midday", "close"):
            value = row[column]
            if not math.isnan(value) and not (low - 1e-9 <= value <= high + 1e-9):
                return f"{column} {value} is outside the day's range [{low}, {high}]"
    for column in ("volume", "amount"):
        value = row[column]
        if not math.isnan(value) and value < 0:
            return f"{column} is negative ({value})"
    return None


def _limit_problem(row: dict[str, float], previous_close: float, limit: float, board_label: str) -> str | None:
    allowed = limit + TICK / 2 / previous_close + 1e-9
    for column in ("open", "high", "low", "close", "midday"):
        value = row[column]
        if not math.isnan(value) and abs(value / previous_close - 1) > allowed:
            move = (value / previous_close - 1) * 100
            return (
                f"{column} {value} moves {move:+.1f}% from the previous close {previous_close}, beyond the "
                f"{limit:.0%} limit of {board_label} (unadjusted split or bad data?)"
            )
    return None


def clean_rows(values: np.ndarray, base_closes: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """Vectorised: True for each row with no problem. Columns: open, midday, high, low, close, volume, amount.

    `base_closes` is each row's previous close and `limits` its board limit (NaN: no limit check for that row).
    A row marked False goes through `check_bars` for its reason.
    """
    prices = values[:, :5]
    open_, midday, high, low, close = prices.T
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = ~np.isnan(open_) & ~np.isinf(prices).any(axis=1) & ~(prices <= 0).any(axis=1)  # NaN <= 0 is False
        ok &= ~(high < low)
        for column in (open_, midday, close):
            ok &= ~((column < low - 1e-9) | (column > high + 1e-9))
        ok &= ~(values[:, 5:] < 0).any(axis=1)
        allowed = limits + TICK / 2 / base_closes + 1e-9
        ok &= ~(np.abs(prices / base_closes[:, None] - 1) > allowed[:, None]).any(axis=1)
    return ok


def _all_clean(values: np.ndarray, previous_close: float | None, limit: float | None) -> bool:
    """Fast path for one stock: True when no row has any problem (the usual case for a provider's bars)."""
    closes = pd.Series(values[:, 4]).ffill().shift(1).to_numpy()
    if previous_close:
        closes = np.where(np.isnan(closes), previous_close, closes)
    limits = np.full(len(values), np.nan if limit is None else limit)
    return bool(clean_rows(values, closes, limits).all())


def check_bars(
    frame: pd.DataFrame,
    *,
    code: str,
    price_limit: float | None,
    previous_close: float | None = None,
    board_label: str = "its board",
) -> Checked:
    """Validate one stock's bars. `previous_close` is the stored close before the first row, if any."""
    data = pd.DataFrame(index=frame.index)
    data["row"] = frame["row"] if "row" in frame else None
    for column in BAR_COLUMNS[1:]:
        source = frame[column] if column in frame else np.nan
        data[column] = pd.to_numeric(source, errors="coerce") if column in frame else np.nan
        data[column] = data[column].astype("float64")
    raw_dates = frame["date"].astype(str) if "date" in frame else pd.Series([""] * len(frame), index=frame.index)
    data["date"] = _parse_dates(frame["date"]) if "date" in frame else pd.NaT
    rejected: list[Rejection] = []
    keep = np.ones(len(data), dtype=bool)

    def reject(position: int, reason: str) -> None:
        index = data.index[position]
        row = data.at[index, "row"]
        rejected.append(
            Rejection(code, raw_dates.at[index], reason, None if pd.isna(row) else int(row), _row_values(frame, index))
        )
        keep[position] = False

    dates = data["date"].to_numpy()
    for position in np.flatnonzero(pd.isna(dates)):
        reject(position, f"date {raw_dates.iloc[position]!r} is not a valid YYYY-MM-DD date")
    # A value that was given but is not a number is an error, not a missing value.
    for column in BAR_COLUMNS[1:]:
        if column in frame and not pd.api.types.is_numeric_dtype(frame[column]):
            garbled = frame[column].notna().to_numpy() & data[column].isna().to_numpy() & keep
            for position in np.flatnonzero(garbled):
                reject(int(position), f"{column} {frame[column].iloc[position]!r} is not a number")

    # Duplicates: identical copies collapse into one; copies that disagree are all refused (which is right?).
    duplicated = data["date"].duplicated(keep=False).to_numpy() & keep
    for _date, group in data[duplicated].groupby("date", sort=False):
        identical = len(group[BAR_COLUMNS[1:]].drop_duplicates()) == 1
        for n, index in enumerate(group.index):
            if not (identical and n == 0):
                reason = "duplicate date" if identical else f"duplicate date {_date.date()} with different values"
                reject(data.index.get_loc(index), reason)

    # Order: a wholly newest-first file is fine; otherwise a date before the one above it is refused.
    order = np.flatnonzero(keep)
    kept_dates = dates[order]
    if len(order) > 1 and (kept_dates[1:] < kept_dates[:-1]).all():
        order = order[::-1]
    elif len(order) > 1 and (kept_dates[1:] < kept_dates[:-1]).any():
        latest = None
        for position in order:
            if latest is not None and dates[position] < latest:
                reject(int(position), f"date out of order (comes after {pd.Timestamp(latest).date()})")
            else:
                latest = dates[position]
        order = np.flatnonzero(keep)

    values = data[["open", "midday", "high", "low", "close", "volume", "amount"]].to_numpy()
    if len(order) and not _all_clean(values[order], previous_close, price_limit):
        close = previous_close
        names = ("open", "midday", "high", "low", "close", "volume", "amount")
        for position in order:
            row = dict(zip(names, values[position].tolist()))
            problem = _row_problem(row)
            if problem is None and price_limit is not None and close:
                problem = _limit_problem(row, close, price_limit, board_label)
            if problem:
                reject(int(position), problem)
            elif not math.isnan(row["close"]):
                close = row["close"]
        order = np.array([p for p in order if keep[p]], dtype=int)

    good = data.iloc[order][BAR_COLUMNS].reset_index(drop=True)
    good["date"] = good["date"].dt.date
    rejected.sort(key=lambda r: (r.row is None, r.row or 0, r.date))
    return Checked(good, rejected)
