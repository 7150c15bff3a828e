"""Sliding windows over every stock's bars, normalised so one model serves every stock.

A sample is made at the end of trading day t (noon for the `morning` set, when the day's open and 11:30
price are known). Its window holds days t-W+1..t, each price divided by the reference price (the last
known one: day t's 11:30 price, or its close for `daily`) minus 1. Its targets are day t+1's prices on
the same scale. Nothing in a window or its normaliser comes after day t; only the target does.

A window never crosses a break: a day missing a needed price, a non-positive price, or a gap of more
than `max_gap_days` calendar days (a long suspension). So NaN and inf never reach the model.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from market.storage import BarArrays
from modelling.config import ModelConfig


@dataclass
class Windows:
    x: np.ndarray  # float32 (n, window, inputs)
    y: np.ndarray | None  # float32 (n, targets), relative to ref; None for prediction windows
    ref: np.ndarray  # float64 (n,), the reference price of day t
    dates: np.ndarray  # datetime64[D] (n,), day t
    stock_ids: np.ndarray  # int64 (n,)
    skipped_stocks: int = 0  # stocks with too little clean history for one window

    def __len__(self) -> int:
        return len(self.x)

    def subset(self, mask: np.ndarray) -> Windows:
        return Windows(self.x[mask], None if self.y is None else self.y[mask], self.ref[mask], self.dates[mask],
                       self.stock_ids[mask], self.skipped_stocks)

    def yesterday_move(self, ref_column: int) -> np.ndarray:
        """The reference price's move from day t-1 to day t: a naive baseline, from the window only."""
        return 1.0 / (self.x[:, -2, ref_column].astype(np.float64) + 1.0) - 1.0

    def momentum(self, ref_column: int, days: int = 5) -> np.ndarray:
        """The average daily move over the last `days` days: the momentum baseline."""
        return (1.0 / (self.x[:, -1 - days, ref_column].astype(np.float64) + 1.0)) ** (1 / days) - 1.0


def columns_for(config: ModelConfig) -> list[str]:
    """The bar columns a feature set reads: its inputs, then any target that is not an input."""
    return config.inputs + [c for c in config.targets if c not in config.inputs]


def _segments(bars: BarArrays, config: ModelConfig) -> tuple[np.ndarray, np.ndarray]:
    """Per row: whether it is usable, and a segment id that changes at every break and every stock."""
    values = bars.values
    usable = np.isfinite(values).all(axis=1) & (values > 0).all(axis=1)
    gap = np.diff(bars.dates.astype(np.int64), prepend=np.int64(-(10**9)))
    new_stock = np.zeros(len(values), dtype=bool)
    new_stock[bars.offsets[:-1][bars.offsets[:-1] < len(values)]] = True
    breaks = new_stock | (gap > config.max_gap_days) | ~usable | np.r_[True, ~usable[:-1]]
    return usable, np.cumsum(breaks)


def _ref_column(config: ModelConfig) -> int:
    return config.inputs.index("midday" if config.feature_set == "morning" else "close")


def build_training_windows(bars: BarArrays, config: ModelConfig) -> Windows:
    """Every (window, next day) pair in the bars; bars.columns must be columns_for(config)."""
    if list(bars.columns) != columns_for(config):
        raise ValueError(f"bars have columns {list(bars.columns)}, the {config.feature_set} set needs {columns_for(config)}")
    w = config.window
    usable, segment = _segments(bars, config)
    n = len(bars.dates)
    ends = np.arange(w - 1, n - 1)  # day t for each candidate; t+1 must exist
    if len(ends):
        same = (segment[ends - w + 1] == segment[ends + 1]) & usable[ends + 1] & usable[ends - w + 1]
        ends = ends[same]
    return _windows(bars, config, ends, with_targets=True)


def build_latest_windows(bars: BarArrays, config: ModelConfig) -> Windows:
    """Each stock's window ending at its last bar, for prediction (stocks without one are counted)."""
    w = config.window
    usable, segment = _segments(bars, config)
    last = bars.offsets[1:] - 1
    has_rows = bars.offsets[1:] > bars.offsets[:-1]
    ends = last[has_rows]
    ok = (ends - w + 1 >= bars.offsets[:-1][has_rows]) & usable[ends]
    ends = ends[ok]
    ok_ends = ends[segment[ends - w + 1] == segment[ends]]
    windows = _windows(bars, config, ok_ends, with_targets=False)
    windows.skipped_stocks = len(bars.stock_ids) - len(ok_ends)
    return windows


def _windows(bars: BarArrays, config: ModelConfig, ends: np.ndarray, *, with_targets: bool) -> Windows:
    w, inputs = config.window, len(config.inputs)
    ref_column = _ref_column(config)
    row_stock = np.repeat(bars.stock_ids, np.diff(bars.offsets))
    if len(ends) == 0:
        x = np.empty((0, w, inputs), np.float32)
        y = np.empty((0, len(config.targets)), np.float32) if with_targets else None
        windows = Windows(x, y, np.empty(0), np.array([], "datetime64[D]"), np.empty(0, np.int64))
    else:
        ref = bars.values[ends, ref_column]
        index = ends[:, None] + np.arange(-w + 1, 1)[None, :]
        x = (bars.values[index][:, :, :inputs] / ref[:, None, None] - 1.0).astype(np.float32)
        y = None
        if with_targets:
            target_columns = [list(bars.columns).index(c) for c in config.targets]
            y = (bars.values[ends + 1][:, target_columns] / ref[:, None] - 1.0).astype(np.float32)
        windows = Windows(x, y, ref, bars.dates[ends], row_stock[ends])
    if with_targets:
        with_window = np.unique(windows.stock_ids)
        windows.skipped_stocks = len(bars.stock_ids) - len(with_window)
    return windows


@dataclass
class Split:
    train: Windows
    validation: Windows
    test: Windows
    validation_start: np.datetime64
    test_start: np.datetime64


def chronological_split(windows: Windows, config: ModelConfig) -> Split:
    """Split by prediction date: train, then validation, then the held-out test period, never shuffled."""
    days = np.unique(windows.dates)
    if len(days) < 3:
        raise ValueError(f"need at least 3 trading days of windows to split, have {len(days)}")
    test_start = days[int(len(days) * (1 - config.test_fraction))]
    validation_start = days[int(len(days) * (1 - config.test_fraction - config.validation_fraction))]
    return Split(
        train=windows.subset(windows.dates < validation_start),
        validation=windows.subset((windows.dates >= validation_start) & (windows.dates < test_start)),
        test=windows.subset(windows.dates >= test_start),
        validation_start=validation_start,
        test_start=test_start,
    )


def data_hash(bars: BarArrays, config: ModelConfig) -> str:
    digest = hashlib.sha256(repr(config.as_dict()).encode())
    for array in (bars.stock_ids, bars.offsets, bars.dates.astype(np.int64), np.nan_to_num(bars.values, nan=-1.0)):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()
