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
