"""Two trading days of the whole timeline, replayed through a real Celery worker on the paper broker.

The replay clock (REPLAY_CLOCK) is moved to each timeline entry's time and the entry is sent as beat sends
it; the worker runs it. Data: a small SYNTHETIC universe (the simulated market), for mechanics, not claims.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from config.celery_app import app
from market import clock
from market.ingest import upsert_stocks
from market.providers import get
from modelling.config import ModelConfig
from modelling.training import train
from trading.models import AccountSnapshot, Order
from workflows import registry
from workflows.models import WorkflowRun
from workflows.runner import execute
from tests.support import ROOT, VENV_BIN, child_database_url, clean_env

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
SH = ZoneInfo("Asia/Shanghai")
STOCKS = 60
DAYS = [datetime.date(2026, 11, 19), datetime.date(2026, 11, 20)]  # a Thursday and a Friday
TIMELINE = [  # (time, workflow, inputs) as seeded, in order
    ("09:00", "sync_quotes", {}), ("09:30", "sell", {}), ("11:20", "sell", {}), ("11:35", "sync_history", {}),
    ("12:00", "predict", {}), ("13:30", "buy", {}), ("15:30", "order_sync", {}), ("16:00", "sync_history", {}),
]


def test_two_trading_days_of_the_timeline_trade_and_reconcile(settings, tmp_path):
    settings.REPLAY_CLOCK = True
    settings.SIMULATED_STOCKS = STOCKS
    settings.MODEL_DIR = tmp_path / "models"
    settings.HISTORY_START = "2026-05-04"
    clock.set_replay(datetime.datetime(2026, 11, 18, 20, 0, tzinfo=SH))
    market = get("simulated")
    upsert_stocks(market.list_stocks(), market.name, synthetic=True)
    execute(registry.get("data_init"), run_id=None, inputs={"fanout": False, "end": "2026-11-18"})
    config = ModelConfig(window=10, units=8, epochs=2, batch_size=256, sources=("simulated",))
    assert train(config, full=True)["promoted"]

    app.control.purge()
    env = clean_env(DATABASE_URL=child_database_url(), DATA_DIR=str(settings.DATA_DIR), REPLAY_CLOCK="true",
                    SIMULATED_STOCKS=str(STOCKS), MODEL_DIR=str(settings.MODEL_DIR), HISTORY_START="2026-05-04")
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [str(VENV_BIN / "celery"), "-A", "config", "worker", "-Q", "default,market,trading", "-c", "1", "-n",
         f"replay-{uuid.uuid4().hex[:8]}@%h", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        for day in DAYS:
            for at, name, inputs in TIMELINE:
                hour, minute = map(int, at.split(":"))
                clock.set_replay(datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SH))
                result = registry.get(name).task.apply_async(kwargs=inputs, queue=registry.get(name).queue)
                _finished(result.id, log)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        clock.set_replay(None)

    runs = WorkflowRun.objects.order_by("pk")
    assert runs.filter(status=WorkflowRun.Status.FAILED).count() == 0, [(r.workflow, r.error) for r in runs]
    assert runs.filter(task_id__gt="").count() == len(DAYS) * len(TIMELINE)  # every step recorded
    thursday, friday = DAYS
    bought = Order.objects.filter(trading_date=thursday, side="buy", status="filled")
    assert bought.count() >= 1
    sold = Order.objects.filter(trading_date=friday, side="sell")
    assert set(sold.values_list("stock_id", flat=True)) >= set(bought.values_list("stock_id", flat=True))
    assert not Order.objects.filter(status="new").exists()
    friday_sync = runs.filter(workflow="order_sync").last()
    assert friday_sync.outputs["cash_difference"] == "0.00"
    assert AccountSnapshot.objects.filter(date__in=DAYS).count() == 2
    print(json.dumps({"orders": list(Order.objects.values("trading_date", "side", "stock__code", "status")),
                      "equity": [str(s.equity) for s in AccountSnapshot.objects.order_by("date")]}, default=str))


def _finished(task_id: str, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = WorkflowRun.objects.filter(task_id=task_id).first()
        if run is not None and run.is_finished:
            return
        time.sleep(0.3)
    pytest.fail(f"task {task_id} did not finish; worker output:\n{log.read_text()[-4000:]}")
