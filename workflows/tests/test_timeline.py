"""The timeline is seeded once, keeps the user's edits, and an edit in the admin reaches beat without a restart."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from config.celery_app import app
from workflows.beat import ClockScheduler
from workflows.timeline import TIMELINE, seed

pytestmark = pytest.mark.django_db(transaction=True)


def test_seeding_is_idempotent_and_keeps_edits_unless_reset():
    assert seed()["created"] == len(TIMELINE)
    buy = PeriodicTask.objects.get(name="buy")
    assert (buy.task, buy.queue, buy.expire_seconds) == ("workflow.buy", "trading", 1800)
    assert (buy.crontab.hour, buy.crontab.minute, str(buy.crontab.timezone)) == ("13", "30", "Asia/Shanghai")
    buy.enabled = False
    buy.save()
    assert seed()["created"] == 0 and not PeriodicTask.objects.get(name="buy").enabled
    seed(reset=True)
    assert PeriodicTask.objects.get(name="buy").enabled


def test_every_entry_expires_before_it_could_run_again():
    seed()
    assert not PeriodicTask.objects.filter(expire_seconds__isnull=True).exclude(name="celery.backend_cleanup").exists()
    every_five = PeriodicTask.objects.get(name="realtime quotes")
    assert every_five.expire_seconds < 300


def test_editing_a_schedule_in_the_admin_reaches_the_running_scheduler(client, admin_user):
    seed()
    name = "realtime quotes"
    scheduler = ClockScheduler(app=app, lazy=False)
    assert scheduler.schedule[name].schedule.minute == set(range(0, 60, 5))
    task = PeriodicTask.objects.get(name=name)
    slower, _ = CrontabSchedule.objects.get_or_create(minute="*/10", hour="9-11,13-14", day_of_week="1-5",
                                                      day_of_month="*", month_of_year="*", timezone="Asia/Shanghai")
    client.force_login(admin_user)
    form = {"name": task.name, "regtask": task.task, "task": task.task, "crontab": slower.pk, "args": "[]",
            "kwargs": "{}", "queue": task.queue, "expire_seconds": 240, "enabled": "on", "priority": "",
            "headers": "{}", "description": task.description, "one_off": "", "start_time_0": "", "start_time_1": "",
            "expires_0": "", "expires_1": "", "exchange": "", "routing_key": ""}
    response = client.post(reverse("admin:django_celery_beat_periodictask_change", args=[task.pk]), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    # No restart: the running scheduler notices the change on its next look at the schedule.
    assert scheduler.schedule[name].schedule.minute == set(range(0, 60, 10))
    scheduler._finalize.cancel()  # its last sync at exit would find the test database gone


def test_seeding_retires_the_two_quote_entries_that_fell_due_together_at_nine():
    seed()
    quotes = PeriodicTask.objects.get(name="realtime quotes")
    for name in ("realtime quotes, before the open", "realtime quotes, in session"):
        PeriodicTask.objects.create(name=name, task=quotes.task, crontab=quotes.crontab)
    seed()
    assert list(PeriodicTask.objects.filter(task=quotes.task).values_list("name", flat=True)) == ["realtime quotes"]
