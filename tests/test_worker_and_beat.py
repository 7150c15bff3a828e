"""The real thing: a Celery worker and beat started as processes, on whichever broker is configured
(the filesystem transport in the embedded default, Redis when REDIS_URL is set), run the workflows."""

from __future__ import annotations

import datetime
import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.celery_app import app
from workflows import registry
from workflows.dispatch import run_now
from workflows.models import WorkflowRun
from tests.support import ROOT, VENV_BIN, child_database_url, clean_env

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _child_env() -> dict[str, str]:
    env = clean_env(DATABASE_URL=child_database_url(), DATA_DIR=str(settings.DATA_DIR))
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    return env


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen([str(VENV_BIN / "celery"), "-A", "config", *args], cwd=ROOT, env=_child_env(),
                            stdout=handle, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for(condition, log: Path, timeout: float = 90):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"timed out; process output:\n{log.read_text()[-4000:]}")


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Path]:
    app.control.purge()  # nothing left over from an earlier run may reach this worker
    log = tmp_path / "worker.log"
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    process = _start(["worker", "-Q", "default,market,trading,training", "-c", "1", "-n", name,
                      "--without-gossip", "--without-mingle", "--loglevel", "INFO"], log)
    yield log
    _stop(process)


def test_a_workflow_run_by_hand_is_executed_by_the_worker_and_recorded_with_its_log(worker, role_users):
    run = run_now("ping", {"message": "hello from the admin"}, role_users["test"])

    def finished() -> WorkflowRun | None:
        run.refresh_from_db()
        return run if run.is_finished else None

    _wait_for(finished, worker)
    assert run.status == WorkflowRun.Status.SUCCEEDED, run.error
    assert run.trigger == WorkflowRun.Trigger.MANUAL and run.worker.startswith("test-")
    assert run.outputs["message"] == "hello from the admin"
    expected_cache = "RedisCache" if settings.REDIS_URL else "FileBasedCache"
    assert run.outputs["cache"] == expected_cache
    messages = list(run.log_lines.values_list("message", flat=True))
    assert any(m.startswith("worker ") and "reached database" in m for m in messages)
    assert messages[-1] == "ping succeeded"


def test_beat_sends_a_scheduled_workflow_that_the_worker_records(worker, tmp_path):
    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="ping every second", task=registry.get("ping").task_name,
                                interval=every_second, kwargs=json.dumps({"message": "from beat"}))
    beat_log = tmp_path / "beat.log"
    beat = _start(["beat", "--loglevel", "INFO", "--pidfile=", "-s", str(tmp_path / "beat-schedule")], beat_log)
    try:
        run = _wait_for(
            lambda: WorkflowRun.objects.filter(workflow="ping", status=WorkflowRun.Status.SUCCEEDED).first(), beat_log
        )
    finally:
        _stop(beat)
    assert run.trigger == WorkflowRun.Trigger.SCHEDULED
    assert run.inputs == {"message": "from beat"} and run.outputs["message"] == "from beat"


def test_training_runs_on_the_training_queue_worker_and_its_model_predicts(tmp_path, role_users, settings):
    from io import StringIO

    from django.core.management import call_command

    from modelling.config import ModelConfig
    from modelling.models import ModelVersion

    call_command("load_sample", stdout=StringIO(), stderr=StringIO())
    app.control.purge()
    log = tmp_path / "training-worker.log"
    # A dedicated training worker, recycled after each training task as a GPU worker would be.
    process = _start(["worker", "-Q", "training", "-c", "1", "--max-tasks-per-child", "1", "-n",
                      f"training-{uuid.uuid4().hex[:8]}@%h", "--without-gossip", "--without-mingle"], log)
    try:
        config = ModelConfig(feature_set="daily", window=10, units=8, epochs=2, batch_size=256, sources=("sample",))
        run = run_now("train", {"full": True, "config": config.as_dict()}, role_users["admin"])

        def finished() -> WorkflowRun | None:
            run.refresh_from_db()
            return run if run.is_finished else None

        _wait_for(finished, log, timeout=180)
    finally:
        _stop(process)
    assert run.status == WorkflowRun.Status.SUCCEEDED, run.error
    assert run.worker.startswith("training-")
    version = ModelVersion.objects.get(version=run.outputs["version"])
    assert version.is_active and version.metrics["held_out"]["model"]["samples"] > 0
    lines = list(run.log_lines.values_list("message", flat=True))
    assert any(line.startswith("epoch 1:") for line in lines), log.read_text()[-3000:]

    from modelling.prediction import predict

    assert predict(datetime.date(2013, 3, 1), "XNYS")["predicted"] == 5


def _pool_children(parent: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def test_a_worker_killed_mid_buy_leaves_exactly_one_order_per_stock_after_the_rerun(tmp_path, settings):
    """The buy is killed after the broker booked an order but before we saved its answer; the redelivered
    task (acks_late, reject on worker lost) runs the buy again and ends with one order per stock."""
    import os
    import signal
    from decimal import Decimal

    from brokers.models import BrokerAccount, PaperAccount, PaperOrder
    from market import quotes
    from market.models import DailyBar
    from market.providers.base import Quote
    from market.tests.factories import StockFactory
    from modelling.tests.factories import ModelVersionFactory, PredictionFactory
    from trading.models import Order, Strategy

    monday = datetime.datetime(2024, 3, 4, 13, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    version = ModelVersionFactory()
    codes = ["600000", "600004", "600006"]
    for n, code in enumerate(codes):
        stock = StockFactory(code=code)
        DailyBar.objects.create(stock=stock, date=datetime.date(2024, 3, 1), open=10, high=10, low=10, close=10.0)
        PredictionFactory(stock=stock, trading_date=monday.date(), score=0.03 - n * 0.01, model_version=version)
    quotes.store([Quote(code, 10.0, monday) for code in codes], "test")
    account = BrokerAccount.objects.create(name="paper", adapter="paper")
    Strategy.objects.create(account=account, top_k=3, buy_wait_seconds=0)
    PaperAccount.objects.create(account=account, cash=Decimal("100000"), initial_cash=Decimal("100000"),
                                latency_ms=1500)  # each answer takes 1.5 s after the order is booked

    app.control.purge()
    log = tmp_path / "trading-worker.log"
    env_clock = {"CLOCK_NOW": monday.isoformat()}
    handle = log.open("wb")
    process = subprocess.Popen(
        [str(VENV_BIN / "celery"), "-A", "config", "worker", "-Q", "trading", "-c", "1", "-n",
         f"trading-{uuid.uuid4().hex[:8]}@%h", "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        cwd=ROOT, env={**_child_env(), **env_clock}, stdout=handle, stderr=subprocess.STDOUT)
    try:
        registry.get("buy").task.apply_async(kwargs={}, queue="trading")  # as beat sends it
        # Wait until the broker has booked the first order while our row still says NEW ...
        _wait_for(lambda: PaperOrder.objects.exists() and Order.objects.filter(status="new").exists(), log, timeout=90)
        children = _pool_children(process.pid)
        assert children, "no pool process to kill"
        for pid in children:
            os.kill(pid, signal.SIGKILL)  # ... and kill the process doing the buy, mid-flight.
        # The message is redelivered; the rerun resends the same client order ids.
        _wait_for(lambda: WorkflowRun.objects.filter(workflow="buy", status=WorkflowRun.Status.SUCCEEDED).first(),
                  log, timeout=120)
    finally:
        _stop(process)
    run = WorkflowRun.objects.get(workflow="buy")  # the redelivered message goes on under the same run
    assert any("redelivered after its worker stopped" in line for line in run.log_lines.values_list("message", flat=True))
    assert sorted(Order.objects.values_list("stock__code", flat=True)) == codes
    assert sorted(PaperOrder.objects.values_list("code", flat=True)) == codes  # the broker: one each too
    assert set(Order.objects.values_list("status", flat=True)) == {"filled"}


def test_after_an_outage_a_scheduled_run_that_expired_in_the_queue_is_dropped_not_run(tmp_path):
    """Beat stamps each send with the entry's expire_seconds: what waited out an outage is not replayed."""
    from django_celery_beat.schedulers import ModelEntry

    from workflows.timeline import seed

    seed()
    entry = ModelEntry(PeriodicTask.objects.get(name="realtime quotes"), app=app)
    assert entry.options["expires"] == 240  # what beat sends with every message of this entry
    app.control.purge()
    registry.get("ping").task.apply_async(kwargs={}, expires=1)  # sent while every worker was down ...
    time.sleep(2)  # ... and the outage outlasted it
    log = tmp_path / "worker.log"
    process = _start(["worker", "-Q", "default", "-c", "1", "-n", f"late-{uuid.uuid4().hex[:8]}@%h",
                      "--without-gossip", "--without-mingle", "--loglevel", "INFO"], log)
    try:
        registry.get("ping").task.apply_async(kwargs={"message": "fresh"})
        _wait_for(lambda: WorkflowRun.objects.filter(workflow="ping").first(), log)
    finally:
        _stop(process)
    assert [r.inputs for r in WorkflowRun.objects.filter(workflow="ping")] == [{"message": "fresh"}]
