from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from market.validation import check_bars


def frame(rows: list[dict]) -> pd.DataFrame:
    base = {"open": 10.0, "midday": 10.05, "high": 10.2, "low": 9.9, "close": 10.1, "volume": 100, "amount": 1010.0}
    return pd.DataFrame([{**base, **row} for row in rows])


def reasons(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.date: r.reason for r in result.rejected}


def test_good_bars_pass_untouched_with_dates_as_dates():
    result = check_bars(frame([{"date": "2024-01-02"}, {"date": "2024-01-03"}]), code="600000", price_limit=0.1)
    assert result.rejected == []
    assert list(result.good["date"]) == [datetime.date(2024, 1, 2), datetime.date(2024, 1, 3)]


def test_each_kind_of_bad_row_is_refused_with_its_reason():
    result = check_bars(
        frame([
            {"date": "2024-01-02"},
            {"date": "2024-01-03", "open": float("nan")},
            {"date": "2024-01-04", "close": -1.0},
            {"date": "2024-01-05", "high": 9.0, "low": 9.5},
            {"date": "2024-01-08", "close": 10.5},
            {"date": "2024-01-09", "volume": -5},
            {"date": "2024-01-10", "open": float("inf")},
            {"date": "2024-01-11", "amount": "lots"},
            {"date": "2024-13-01"},
        ]),
        code="600000",
        price_limit=0.1,
    )
    assert reasons(result) == {
        "2024-01-03": "open is missing or not a number",
        "2024-01-04": "close is not positive (-1.0)",
        "2024-01-05": "high 9.0 is below low 9.5",
        "2024-01-08": "close 10.5 is outside the day's range [9.9, 10.2]",
        "2024-01-09": "volume is negative (-5.0)",
        "2024-01-10": "open is not a finite number (inf)",
        "2024-01-11": "amount 'lots' is not a number",
        "2024-13-01": "date '2024-13-01' is not a valid YYYY-MM-DD date",
    }
    assert list(result.good["date"]) == [datetime.date(2024, 1, 2)]


def test_duplicates_that_agree_collapse_and_those_that_disagree_are_all_refused():
    result = check_bars(
        frame([{"date": "2024-01-02"}, {"date": "2024-01-02"}, {"date": "2024-01-03"}, {"date": "2024-01-03", "close": 10.0}]),
        code="600000", price_limit=0.1,
    )
    assert [r.reason for r in result.rejected] == [
        "duplicate date", "duplicate date 2024-01-03 with different values", "duplicate date 2024-01-03 with different values"
    ]
    assert list(result.good["date"]) == [datetime.date(2024, 1, 2)]


def test_an_out_of_order_row_is_refused_but_a_newest_first_file_is_put_in_order():
    mixed = check_bars(frame([{"date": "2024-01-03"}, {"date": "2024-01-02"}, {"date": "2024-01-04"}]), code="x", price_limit=None)
    assert reasons(mixed) == {"2024-01-02": "date out of order (comes after 2024-01-03)"}
    reversed_file = check_bars(frame([{"date": "2024-01-04"}, {"date": "2024-01-03"}, {"date": "2024-01-02"}]), code="x", price_limit=None)
    assert reversed_file.rejected == []
    assert list(reversed_file.good["date"]) == [datetime.date(2024, 1, d) for d in (2, 3, 4)]


def test_a_move_beyond_the_board_limit_is_refused_and_later_rows_compare_with_the_last_good_close():
    rows = [
        {"date": "2024-01-02", "open": 10.0, "high": 10.0, "low": 10.0, "close": 10.0, "midday": 10.0},
        # an unadjusted 2-for-1 split: half the price
        {"date": "2024-01-03", "open": 5.0, "high": 5.1, "low": 4.9, "close": 5.0, "midday": 5.0},
        # limit-up exactly: 11.00 from 10.00 is allowed on the main board
        {"date": "2024-01-04", "open": 10.5, "high": 11.0, "low": 10.5, "close": 11.0, "midday": 10.8},
    ]
    result = check_bars(frame(rows), code="600000", price_limit=0.1, board_label="Main board")
    assert list(reasons(result)) == ["2024-01-03"]
    assert reasons(result)["2024-01-03"].startswith("open 5.0 moves -50.0% from the previous close 10.0, beyond the 10% limit of Main board")
    assert list(result.good["close"]) == [10.0, 11.0]


def test_the_limit_is_measured_from_the_stored_close_before_the_batch():
    result = check_bars(frame([{"date": "2024-01-02", "open": 13.0, "high": 13.0, "low": 13.0, "close": 13.0, "midday": 13.0}]),
                        code="300750", price_limit=0.2, previous_close=10.0)
    assert "beyond the 20% limit" in result.rejected[0].reason


def test_a_partial_noon_bar_without_close_high_or_low_is_valid():
    result = check_bars(pd.DataFrame([{"date": "2024-01-02", "open": 10.0, "midday": 10.3, "high": np.nan,
                                       "low": np.nan, "close": np.nan, "volume": np.nan, "amount": np.nan}]),
                        code="600000", price_limit=0.1, previous_close=10.0)
    assert result.rejected == [] and len(result.good) == 1


def test_rejected_rows_keep_their_line_numbers_and_values():
    data = frame([{"date": "2024-01-02"}, {"date": "2024-01-03", "high": 1.0}])
    data["row"] = [2, 3]
    rejected = check_bars(data, code="600000", price_limit=0.1).rejected
    assert rejected[0].row == 3 and rejected[0].values["high"] == 1.0 and rejected[0].values["date"] == "2024-01-03"
