from __future__ import annotations

import numpy as np

from modelling.metrics import evaluate


def test_a_perfect_prediction_scores_perfectly():
    realised = np.array([0.01, -0.02, 0.03, 0.005, -0.01, 0.02])
    dates = np.array(["2024-01-02"] * 3 + ["2024-01-03"] * 3, "datetime64[D]")
    metrics = evaluate(realised, realised, dates)
    assert metrics["direction_accuracy"] == 1.0 and metrics["ic"] == 1.0 and metrics["rank_ic"] == 1.0
    assert metrics["mae"] == 0.0 and metrics["days"] == 2


def test_a_constant_prediction_has_no_correlation_and_counts_as_up():
    realised = np.array([0.01, -0.02, 0.03, 0.0])
    metrics = evaluate(np.zeros(4), realised, np.array(["2024-01-02"] * 4, "datetime64[D]"))
    assert metrics["ic"] is None and metrics["rank_ic"] is None
    assert metrics["direction_accuracy"] == round(2 / 3, 6)  # the unmoved sample is left out
