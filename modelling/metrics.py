"""Held-out metrics of a predicted return against the realised one, for the model and naive baselines.

The return is the average of the targets relative to the reference price: for `morning`, buying at the
11:30 price of day t and selling over the next morning (mean of tomorrow's open and 11:30 price).
- direction accuracy: share of samples whose predicted sign matches the realised sign (realised 0 excluded);
  a prediction of exactly 0 ("no change") counts as predicting up, since the strategy would not buy it.
- IC / rank IC: Pearson / Spearman correlation between predicted and realised returns across stocks on each
  day, averaged over days (what matters for picking the best stocks each afternoon); null when undefined
  (a constant prediction such as "no change", or days with fewer than 3 stocks).
- MAE of the return.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from modelling.dataset import Windows


def _rank(values: np.ndarray) -> np.ndarray:
    """Ranks with ties averaged, so a constant prediction has no rank correlation at all."""
    return pd.Series(values).rank(method="average").to_numpy()


def _daily_correlations(predicted: np.ndarray, realised: np.ndarray, dates: np.ndarray, rank: bool) -> float:
    values = []
    for day in np.unique(dates):
        mask = dates == day
        if mask.sum() < 3:
            continue
        p, r = predicted[mask], realised[mask]
        if rank:
            p, r = _rank(p), _rank(r)
        if p.std() == 0 or r.std() == 0:
            continue
        values.append(float(np.corrcoef(p, r)[0, 1]))
    return float(np.mean(values)) if values else math.nan


def _defined(value: float) -> float | None:
    """JSON has no NaN: an undefined metric (a constant prediction's IC) is stored as null."""
    return None if math.isnan(value) else round(value, 6)


def evaluate(predicted: np.ndarray, realised: np.ndarray, dates: np.ndarray) -> dict[str, float | None]:
    predicted = np.asarray(predicted, dtype=np.float64)
    realised = np.asarray(realised, dtype=np.float64)
    moved = realised != 0
    direction = np.where(predicted >= 0, 1, -1)
    return {
        "direction_accuracy": _defined(float((direction[moved] == np.sign(realised[moved])).mean()) if moved.any() else math.nan),
        "ic": _defined(_daily_correlations(predicted, realised, dates, rank=False)),
        "rank_ic": _defined(_daily_correlations(predicted, realised, dates, rank=True)),
        "mae": _defined(float(np.abs(predicted - realised).mean()) if len(realised) else math.nan),
        "samples": int(len(realised)),
        "days": int(len(np.unique(dates))),
    }


def realised_return(windows: Windows) -> np.ndarray:
    assert windows.y is not None
    return windows.y.astype(np.float64).mean(axis=1)


def report(predicted_targets: np.ndarray, test: Windows, ref_column: int) -> dict[str, dict[str, float | None]]:
    """The model's held-out metrics next to the naive baselines', on the same samples."""
    realised = realised_return(test)
    baselines = {
        "no_change": np.zeros(len(test)),
        "yesterday_move": test.yesterday_move(ref_column),
    }
    if test.x.shape[1] >= 6:
        baselines["momentum_5d"] = test.momentum(ref_column, 5)
    rows = {"model": evaluate(np.asarray(predicted_targets, np.float64).mean(axis=1), realised, test.dates)}
    for name, prediction in baselines.items():
        rows[name] = evaluate(prediction, realised, test.dates)
    return rows
