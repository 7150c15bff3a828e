"""The day's timeline (MISSION.md), in Asia/Shanghai time, as django-celery-beat schedules.

Every entry expires before it could run again, so after an outage the queue holds no pile of stale runs.
Trading-day workflows skip themselves on holidays (they ask the exchange calendar).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from workflows import registry

TIME_ZONE = "Asia/Shanghai"
WEEKDAYS = "1-5"


@dataclass(frozen=True)
class Entry:
    name: str
    workflow: str
    minute: str
    hour: str
    expires: int  # seconds
    day_of_week: str = WEEKDAYS
    day_of_month: str = "*"
    inputs: dict[str, Any] = field(default_factory=dict)
    description: str = ""


TIMELINE = [
    Entry("realtime quotes", "sync_quotes", "*/5", "9-11,13-14", 240,
          description="09:00 before the open, then every 5 minutes through the session."),
    Entry("sell at the predicted price", "sell", "30", "9", 1800),
    Entry("sell the rest at the market", "sell", "20", "11", 600,
          description="From the strategy's sell deadline the sell goes at the market."),
    Entry("history: noon bars", "sync_history", "35", "11", 1200),
    Entry("predict", "predict", "0", "12", 1800),
    Entry("buy", "buy", "30", "13", 1800),
    Entry("order sync", "order_sync", "30", "15", 3 * 3600),
    Entry("history: full bars after the close", "sync_history", "0", "16", 3 * 3600),
    Entry("stock list", "sync_stock_list", "30", "8", 6 * 3600, day_of_week="*", day_of_month="*/3"),
    Entry("permission refresh", "refresh_permissions", "0", "8", 6 * 3600, day_of_week="*", day_of_month="1,16"),
    Entry("weekly training", "train", "0", "2", 12 * 3600, day_of_week="6"),
    Entry("monthly cleanup", "cleanup", "0", "3", 12 * 3600, day_of_week="*", day_of_month="1"),
]


def next_run(task: PeriodicTask, after: datetime.datetime) -> datetime.datetime | None:
    """When a crontab entry next falls due after `after`, in the entry's time zone (None: not a crontab)."""
    if task.crontab is None:
        return None
    schedule = task.crontab.schedule
    local = after.astimezone(schedule.tz)
    schedule.nowfun = lambda: local
    return local + schedule.remaining_estimate(local)


# Entries an earlier version seeded under other names: two quote entries that both fell due at 09:00.
RETIRED = ("realtime quotes, before the open", "realtime quotes, in session")


def seed(reset: bool = False) -> dict[str, int]:
    """Create the entries that are missing; `reset` also puts edited ones back to these defaults."""
    created = updated = 0
    with transaction.atomic():
        PeriodicTask.objects.filter(name__in=RETIRED).delete()
        for entry in TIMELINE:
            workflow = registry.get(entry.workflow)
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=entry.minute, hour=entry.hour, day_of_week=entry.day_of_week,
                day_of_month=entry.day_of_month, month_of_year="*", timezone=TIME_ZONE,
            )
            values = {"task": workflow.task_name, "crontab": crontab, "interval": None, "queue": workflow.queue,
                      "kwargs": json.dumps(entry.inputs), "expire_seconds": entry.expires,
                      "description": entry.description or workflow.description, "enabled": True}
            task = PeriodicTask.objects.filter(name=entry.name).first()
            if task is None:
                PeriodicTask.objects.create(name=entry.name, **values)
                created += 1
            elif reset:
                for key, value in values.items():
                    setattr(task, key, value)
                task.save()
                updated += 1
    return {"created": created, "reset": updated, "entries": len(TIMELINE)}
