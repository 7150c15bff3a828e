"""The replay's steps follow the seeded timeline; the command says clearly what it needs.

The replay itself, with a real beat and worker, is tests/test_replay_two_days.py.
"""

from __future__ import annotations

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from market import clock
from workflows.replay import ReplayError, Step, run_step, steps
from workflows.timeline import seed

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=SH)


def test_a_thursday_steps_through_every_enabled_entry_in_time_order():
    seed()
    thursday = day_start(datetime.date(2026, 11, 19))
    day = list(steps(thursday, thursday + datetime.timedelta(days=1)))
    assert [step.at for step in day] == sorted(step.at for step in day)
    assert day[0] == Step(thursday.replace(hour=8, minute=30), ("stock list",))  # the 19th: every third day
    assert day[1] == Step(thursday.replace(hour=9), ("realtime quotes",))
    entries = [entry for step in day for entry in step.entries]
    assert entries.count("realtime quotes") == 60  # every 5 minutes of 9-11 and 13-14
    assert [e for e in entries if not e.startswith("realtime")] == [
        "stock list", "sell at the predicted price", "sell the rest at the market", "history: noon bars", "predict",
        "buy", "order sync", "history: full bars after the close"]
    PeriodicTask.objects.filter(name="buy").update(enabled=False)
    assert "buy" not in {e for step in steps(thursday, thursday + datetime.timedelta(days=1)) for e in step.entries}


def test_a_weekend_holds_the_saturday_training_and_the_every_third_day_stock_list():
    seed()
    saturday = day_start(datetime.date(2026, 11, 21))
    assert list(steps(saturday, saturday + datetime.timedelta(days=2))) == [
        Step(saturday.replace(hour=2), ("weekly training",)),
        Step(saturday.replace(day=22, hour=8, minute=30), ("stock list",))]


def test_a_step_that_nothing_answers_ends_the_replay_with_what_it_waited_for(settings):
    settings.REPLAY_CLOCK = True
    at = day_start(datetime.date(2026, 11, 19)).replace(hour=13, minute=30)
    try:
        with pytest.raises(ReplayError, match=r"step 2026-11-19 13:30 still waiting after 0 s for: buy"):
            run_step(Step(at, ("buy",)), timeout=0.3, poll=0.1)
        assert clock.now() == at  # the whole system's clock was moved there
    finally:
        clock.set_replay(None)


@pytest.mark.parametrize(("arguments", "message"), [
    ((), "give the first day to replay"),
    (("19/11/2026",), "start date '19/11/2026' is not a date like 2026-11-19"),
    (("2026-11-19", "--days", "0"), "--days must be at least 1, got 0"),
])
def test_bad_arguments_are_named(settings, arguments, message):
    settings.REPLAY_CLOCK = True
    with pytest.raises(CommandError, match=message):
        call_command("replay", *arguments)


def test_replay_refuses_without_the_shared_clock(settings):
    settings.REPLAY_CLOCK = False
    with pytest.raises(CommandError, match="replay needs REPLAY_CLOCK=true"):
        call_command("replay", "2026-11-19")


def test_release_gives_back_the_real_time(settings):
    settings.REPLAY_CLOCK = True
    clock.set_replay(day_start(datetime.date(2026, 11, 19)))
    out = StringIO()
    call_command("replay", "--release", stdout=out)
    assert "back on the real time" in out.getvalue()
    assert clock.now().date() != datetime.date(2026, 11, 19)


def test_at_moves_the_shared_clock_for_preparing_data(settings):
    settings.REPLAY_CLOCK = True
    try:
        call_command("replay", "--at", "2026-11-18T20:00", stdout=StringIO())
        assert clock.now() == datetime.datetime(2026, 11, 18, 20, 0, tzinfo=SH)  # Shanghai unless told otherwise
        with pytest.raises(CommandError, match="--at 'tonight' is not an ISO time"):
            call_command("replay", "--at", "tonight")
    finally:
        clock.set_replay(None)


def test_a_database_that_already_holds_the_replayed_days_is_pointed_out(settings):
    from market.models import DailyBar
    from market.tests.factories import StockFactory

    settings.REPLAY_CLOCK = True
    DailyBar.objects.create(stock=StockFactory(), date=datetime.date(2026, 11, 20), open=1, high=1, low=1, close=1)
    err = StringIO()
    try:  # nothing is scheduled, so the replay itself has no steps
        call_command("replay", "2026-11-19", stdout=StringIO(), stderr=err)
    finally:
        clock.set_replay(None)
    assert "already holds bars from 2026-11-19 to 2026-11-20" in err.getvalue()
