"""Training and prediction end to end on the bundled real sample, in this process."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from market.models import DailyBar
from modelling import network
from modelling.config import ModelConfig
from modelling.models import ModelVersion, Prediction
from modelling.prediction import NoActiveModel, latest_scores, predict
from modelling.training import train
from workflows import registry
from workflows.models import WorkflowRun
from workflows.runner import execute

pytestmark = pytest.mark.django_db
SMALL = ModelConfig(feature_set="daily", window=10, units=8, epochs=6, patience=2, batch_size=256,
                    incremental_epochs=2, sources=("sample",))
LAST_WEEK = datetime.date(2013, 2, 25)


@pytest.fixture
def sample(settings, tmp_path):
    settings.MODEL_DIR = tmp_path / "models"
    call_command("load_sample", stdout=StringIO(), stderr=StringIO())


def test_a_full_training_reports_the_model_beside_the_naive_baselines(sample):
    result = train(SMALL, full=True)
    version = ModelVersion.objects.get(version=result["version"])
    assert version.status == ModelVersion.Status.READY and version.is_active  # the first one becomes active
    assert Path(version.artefact_path).exists() and not list(Path(version.artefact_path).parent.glob("*.part*"))
    held_out = version.metrics["held_out"]
    assert set(held_out) == {"model", "no_change", "yesterday_move", "momentum_5d"}
    for row in held_out.values():
        assert row["samples"] == version.metrics["windows"]["test"] > 0
        assert set(row) >= {"direction_accuracy", "ic", "rank_ic", "mae"}
    split = version.metrics["split"]
    assert split["train_end"] < split["validation_start"] < split["test_start"] <= split["test_end"] == "2013-02-28"
    assert version.metrics["synthetic_data"] is False and len(version.loss_curve) >= 1


def test_unchanged_data_is_not_trained_again(sample):
    train(SMALL, full=True)
    assert train(SMALL)["skipped"].startswith("data unchanged since")
    execute(registry.get("train"), run_id=None, inputs={"config": SMALL.as_dict()})
    assert WorkflowRun.objects.get(workflow="train").status == WorkflowRun.Status.SKIPPED


def test_incremental_training_after_a_week_is_quicker_and_keeps_the_held_out_metrics(sample):
    added = list(DailyBar.objects.filter(date__gte=LAST_WEEK).values("stock_id", "date", "open", "high", "low",
                                                                     "close", "volume"))
    DailyBar.objects.filter(date__gte=LAST_WEEK).delete()
    full = train(SMALL, full=True)

    DailyBar.objects.bulk_create(DailyBar(**row) for row in added)  # one more week of bars
    incremental = train(SMALL)
    assert incremental["mode"] == "incremental"
    new = ModelVersion.objects.get(version=incremental["version"])
    assert new.parent.version == full["version"]
    print(f"\nfull: {full['sequences_trained']} sequences in {full['training_seconds']} s, "
          f"incremental: {incremental['sequences_trained']} sequences in {incremental['training_seconds']} s")
    print("held-out, new version:", incremental["held_out"]["model"])
    print("held-out, previous version on the same days:", incremental["active_on_same_test"])
    # The work is a small fraction; on this tiny sample the wall time is mostly Keras' fixed start-up cost
    # (bench/training.py measures both at the scale of a real universe).
    assert incremental["sequences_trained"] < 0.05 * full["sequences_trained"]
    assert incremental["held_out"]["model"]["mae"] <= incremental["active_on_same_test"]["mae"] * 1.01


def test_prediction_writes_one_row_per_stock_with_a_current_window(sample):
    train(SMALL, full=True)
    result = predict(datetime.date(2013, 3, 1), "XNYS")  # a Friday: windows end on Thursday 2013-02-28
    assert result["window_day"] == datetime.date(2013, 2, 28) and result["target_date"] == datetime.date(2013, 3, 1)
    rows = Prediction.objects.filter(trading_date=datetime.date(2013, 3, 1))
    assert result["predicted"] == rows.count() == 5
    row = rows.select_related("stock").get(stock__code="AAPL")
    assert row.predicted_close is not None and row.predicted_midday is None
    assert row.score == row.expected_return
    predict(datetime.date(2013, 3, 1), "XNYS")
    assert rows.count() == 5  # a re-run replaces, never doubles


def test_prediction_without_a_model_or_with_a_broken_artefact_fails_clearly_and_the_last_scores_remain(sample):
    with pytest.raises(NoActiveModel, match="no active model version"):
        predict(datetime.date(2013, 3, 1), "XNYS")
    train(SMALL, full=True)
    predict(datetime.date(2013, 2, 28), "XNYS")
    version = ModelVersion.objects.get(is_active=True)

    Path(version.artefact_path).write_bytes(b"not a keras file")
    execute(registry.get("predict"), run_id=None, inputs={"trading_date": "2013-03-01", "calendar_name": "XNYS"})
    run = WorkflowRun.objects.get(workflow="predict")
    assert run.status == WorkflowRun.Status.FAILED
    assert run.error.startswith("ModelArtefactError: model artefact") and "cannot be read" in run.error

    Path(version.artefact_path).unlink()
    with pytest.raises(network.ModelArtefactError, match="is missing"):
        predict(datetime.date(2013, 3, 1), "XNYS")

    day, scores = latest_scores(datetime.date(2013, 3, 1))  # what the buy workflow falls back to
    assert day == datetime.date(2013, 2, 28) and len(scores) == 5
    assert scores[0].score >= scores[-1].score


def test_the_train_command_names_a_bad_hyper_parameter(sample):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="units must be a whole number >= 1"):
        call_command("train", "--set", "units=0", stdout=StringIO())


def test_the_search_picks_by_validation_loss_and_promotes_nothing(sample):
    out = StringIO()
    call_command("search", "--grid", "units=4,8", "--set", "feature_set=daily", "--set", "epochs=1",
                 "--set", "window=10", "--set", 'sources=["sample"]', stdout=out, stderr=StringIO())
    assert ModelVersion.objects.count() == 2 and not ModelVersion.objects.filter(is_active=True).exists()
    assert "best by validation loss" in out.getvalue()
