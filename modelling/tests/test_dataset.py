"""Windows see nothing after their prediction day; NaN/inf never reach the model; the split is chronological."""

from __future__ import annotations

import numpy as np
import pytest

from market.storage import BarArrays
from modelling.config import ModelConfig
from modelling.dataset import build_latest_windows, build_training_windows, chronological_split

CONFIG = ModelConfig(feature_set="morning", window=5)


def bars(series: list[np.ndarray], start: str = "2024-01-01", gaps: dict[int, int] | None = None) -> BarArrays:
    """Stocks whose open and midday on day i are 100+i and 100.5+i (so a value tells its day)."""
    dates, values, offsets = [], [], [0]
    for prices in series:
        day = np.datetime64(start)
        for i, price in enumerate(prices):
            day = day + (gaps or {}).get(i, 1) if i else day
            dates.append(day)
            values.append([price, price + 0.5])
        offsets.append(len(dates))
    return BarArrays(np.arange(1, len(series) + 1), np.array(offsets), np.array(dates, "datetime64[D]"),
                     np.array(values, dtype=np.float64), ("open", "midday"))


def test_no_window_or_normaliser_sees_a_day_after_its_prediction_day():
    data = bars([100.0 + np.arange(40)])
    windows = build_training_windows(data, CONFIG)
    day_of = {d: i for i, d in enumerate(data.dates)}
    for k in range(len(windows)):
        t = day_of[windows.dates[k]]
        assert windows.ref[k] == 100.5 + t  # the normaliser is day t's 11:30 price
        seen = (windows.x[k] + 1) * windows.ref[k]
        assert seen.max() <= 100.5 + t + 1e-3  # nothing from day t+1 or later in the window
        assert np.allclose((windows.y[k] + 1) * windows.ref[k], [100 + t + 1, 100.5 + t + 1], atol=1e-3)


def test_changing_the_future_changes_no_earlier_window():
    prices = 100.0 + np.arange(40)
    before = build_training_windows(bars([prices]), CONFIG)
    changed = prices.copy()
    changed[30:] *= 3  # a shock on day 30 and after
    after = build_training_windows(bars([changed]), CONFIG)
    cutoff = np.datetime64("2024-01-01") + 29
    earlier = before.dates < cutoff
    assert np.array_equal(before.x[earlier], after.x[earlier])
    assert np.array_equal(before.ref[earlier], after.ref[earlier])
    assert np.array_equal(before.y[earlier], after.y[earlier])


def test_the_split_is_chronological_and_the_test_period_is_last():
    data = bars([100.0 + np.arange(200), 50.0 + np.arange(200)])
    split = chronological_split(build_training_windows(data, CONFIG), CONFIG)
    assert split.train.dates.max() < split.validation.dates.min()
    assert split.validation.dates.max() < split.test.dates.min() == split.test_start
    assert len(split.train) + len(split.validation) + len(split.test) == 2 * (200 - CONFIG.window)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 0.0, -5.0])
def test_nan_inf_and_non_positive_prices_never_reach_a_window(bad):
    prices = 100.0 + np.arange(30)
    prices[12] = bad
    windows = build_training_windows(bars([prices]), CONFIG)
    assert np.isfinite(windows.x).all() and np.isfinite(windows.y).all() and np.isfinite(windows.ref).all()
    day12 = np.datetime64("2024-01-01") + 12
    first_dates = windows.dates - (CONFIG.window - 1)
    # no window holds day 12, and no window's target is day 12
    assert not ((first_dates <= day12) & (windows.dates + 1 >= day12)).any()
    assert len(windows) == (12 - CONFIG.window) + (30 - 13 - CONFIG.window)


def test_a_long_suspension_breaks_the_windows():
    data = bars([100.0 + np.arange(20)], gaps={10: 30})  # 30 calendar days between the 10th and 11th bar
    windows = build_training_windows(data, CONFIG)
    assert len(windows) == (10 - CONFIG.window) + (10 - CONFIG.window)


def test_stocks_with_too_little_history_are_skipped_and_counted():
    data = bars([100.0 + np.arange(30), 100.0 + np.arange(4)])
    assert build_training_windows(data, CONFIG).skipped_stocks == 1
    latest = build_latest_windows(data, CONFIG)
    assert list(latest.stock_ids) == [1] and latest.skipped_stocks == 1
    assert latest.dates[0] == data.dates[29] and latest.y is None


def test_the_bars_must_hold_the_feature_sets_columns():
    with pytest.raises(ValueError, match="the daily set needs"):
        build_training_windows(bars([100.0 + np.arange(30)]), ModelConfig(feature_set="daily", window=5))


def test_a_bad_hyper_parameter_is_named():
    with pytest.raises(ValueError, match="feature_set must be one of morning, daily.*window must be a whole number >= 1"):
        ModelConfig(window=0, feature_set="hourly")
