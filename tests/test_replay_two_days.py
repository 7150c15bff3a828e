"""Two trading days of the whole seeded timeline, replayed by the real beat and a real worker on the paper broker.

`manage.py replay` steps the shared replay clock (REPLAY_CLOCK) from one scheduled instant to the next; beat
(workflows.beat.ClockScheduler) sends what falls due and the worker runs it. Data: a small SYNTHETIC universe
(the simulated market), for mechanics, not claims.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import uuid
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from config.celery_app import app
from market import clock
from market.ingest import upsert_stocks
from market.providers import get
from modelling.config import ModelConfig
from modelling.training import train
from tests.support import ROOT, VENV_BIN, child_database_url, clean_env
from trading.models import AccountSnapshot, Order
from workflows import registry
from workflows.models import WorkflowRun
from workflows.replay import steps
from workflows.runner import execute
from workflows.timeline import seed

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
SH = ZoneInfo("Asia/Shanghai")
STOCKS = 60
DAYS = [datetime.date(2026, 11, 19), datetime.date(2026, 11, 20)]  # a Thursday and a Friday


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
    seed()

    app.control.purge()
    env = clean_env(DATABASE_URL=child_database_url(), DATA_DIR=str(settings.DATA_DIR), REPLAY_CLOCK="true",
                    SIMULATED_STOCKS=str(STOCKS), MODEL_DIR=str(settings.MODEL_DIR), HISTORY_START="2026-05-04")
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
    worker = subprocess.Popen(
        [str(VENV_BIN / "celery"), "-A", "config", "worker", "-Q", "default,market,trading", "-c", "1", "-n",
         f"replay-{uuid.uuid4().hex[:8]}@%h", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=worker_log.open("wb"), stderr=subprocess.STDOUT)
    beat = subprocess.Popen([str(VENV_BIN / "celery"), "-A", "config", "beat", "--loglevel", "INFO", "--pidfile="],
                            cwd=ROOT, env=env, stdout=beat_log.open("wb"), stderr=subprocess.STDOUT)
    start = datetime.datetime.combine(DAYS[0], datetime.time(), tzinfo=SH)
    out = StringIO()
    try:
        call_command("replay", DAYS[0].isoformat(), days=len(DAYS), step_timeout=180, stdout=out)
    except Exception:
        print(out.getvalue(), worker_log.read_text()[-3000:], beat_log.read_text()[-3000:], sep="\n")
        raise
    finally:
        for process in (beat, worker):
            process.terminate()
            process.wait(timeout=60)
        clock.set_replay(None)

    runs = WorkflowRun.objects.order_by("pk")
    assert runs.filter(status=WorkflowRun.Status.FAILED).count() == 0, [(r.workflow, r.error) for r in runs]
    expected = [(step.at, entry) for step in steps(start, start + datetime.timedelta(days=len(DAYS)))
                for entry in step.entries]
    sent = runs.exclude(schedule_entry="")
    assert sorted(sent.values_list("scheduled_for", "schedule_entry")) == sorted(expected)  # each step, once
    assert {"stock list", "buy", "order sync", "realtime quotes"} <= {e for _, e in expected}
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
