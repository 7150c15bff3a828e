"""Beat on the system clock: what it sends, what it records as missed, and the clock going back."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django_celery_beat.models import PeriodicTask

from config.celery_app import app
from market import clock
from workflows import registry
from workflows.beat import ClockScheduler
from workflows.models import WorkflowRun
from workflows.runner import execute
from workflows.timeline import seed

pytestmark = pytest.mark.django_db(transaction=True)
SH = ZoneInfo("Asia/Shanghai")
THURSDAY = datetime.date(2026, 11, 19)


def at(hour: int, minute: int, second: int = 0, day: datetime.date = THURSDAY) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute, second), tzinfo=SH)


@pytest.fixture
def scheduler(settings):
    settings.REPLAY_CLOCK = True
    seed()
    app.control.purge()
    clock.set_replay(at(9, 0, 30))
    scheduler = ClockScheduler(app=app, lazy=False)
    yield scheduler
    scheduler._finalize.cancel()  # its last sync at exit would find the test database gone
    clock.set_replay(None)
    app.control.purge()  # what it sent is not for any later test's worker


def drain(scheduler: ClockScheduler) -> None:
    """Tick until nothing more is due at the clock's "now" (a tick sends at most one entry)."""
    for _ in range(200):
        if scheduler.tick() > 0:
            return
    raise AssertionError("beat kept finding due entries")


def sent(scheduler: ClockScheduler, name: str) -> int:
    scheduler.sync()
    return PeriodicTask.objects.get(name=name).total_run_count


def test_after_a_three_hour_outage_beat_sends_only_what_its_expiry_still_allows(scheduler):
    drain(scheduler)  # 09:00:30: the entries were seeded "later" (the real today), so nothing is owed yet
    assert sent(scheduler, "predict") == 0
    clock.set_replay(at(12, 10))  # beat was down from 09:00 to 12:10
    drain(scheduler)
    assert sent(scheduler, "predict") == 1  # due 12:00, expires after 1800 s: sent late, once
    missed = {run.schedule_entry: run for run in WorkflowRun.objects.filter(status=WorkflowRun.Status.SKIPPED)}
    assert set(missed) == {"realtime quotes", "sell at the predicted price",
                           "sell the rest at the market", "history: noon bars"}
    for name in missed:
        assert sent(scheduler, name) == 0
    sell = missed["sell at the predicted price"]
    assert sell.workflow == "sell" and sell.scheduled_for == at(9, 30)
    assert "missed: due at 2026-11-19 09:30" in sell.outputs["skipped"] and "1800 s" in sell.outputs["skipped"]
    drain(scheduler)  # each miss is recorded once, not at every tick
    assert WorkflowRun.objects.filter(status=WorkflowRun.Status.SKIPPED).count() == 4


def test_when_the_clock_goes_back_entries_fall_due_again_from_the_new_now(scheduler):
    clock.set_replay(at(13, 30))
    drain(scheduler)
    assert sent(scheduler, "buy") == 1  # 13:30: due now, sent
    clock.set_replay(at(13, 30, day=THURSDAY - datetime.timedelta(days=1)))  # a replay of the day before begins
    drain(scheduler)
    assert sent(scheduler, "buy") == 2  # due at this very instant of the replayed day
    clock.set_replay(at(15, 30, day=THURSDAY - datetime.timedelta(days=1)))
    drain(scheduler)
    assert sent(scheduler, "order sync") == 1
    assert not WorkflowRun.objects.filter(status=WorkflowRun.Status.SKIPPED, schedule_entry="buy").exists()


def test_beat_keeps_every_enabled_entry_whatever_the_real_hour(scheduler):
    names = set(PeriodicTask.objects.filter(enabled=True).values_list("name", flat=True))
    assert set(scheduler.schedule) == names


def test_a_run_records_the_entry_and_the_instant_beat_sent_it_for():
    request = SimpleNamespace(id="task-1", hostname="w1", periodic_task_name="buy",
                              scheduled_for=at(13, 30).isoformat())
    execute(registry.get("ping"), run_id=None, inputs={}, request=request)
    run = WorkflowRun.objects.get(task_id="task-1")
    assert (run.schedule_entry, run.scheduled_for) == ("buy", at(13, 30))
    execute(registry.get("ping"), run_id=None, inputs={}, request=SimpleNamespace(id="task-2", scheduled_for="noon"))
    assert WorkflowRun.objects.get(task_id="task-2").scheduled_for is None  # a bad header is not a failed run
