"""Beat's scheduler: django-celery-beat's DatabaseScheduler, on the system's one clock.

- "Now" is `market.clock.now()`, so the replay clock (REPLAY_CLOCK) moves beat through a replayed day as it
  moves the workers. When the clock goes back (a replay begins), every entry's next run is worked out again.
- A run that beat missed (it was down, or the clock jumped) is sent late only within its entry's
  `expire_seconds`, the same rule that drops a stale message from the queue. Older than that, it is recorded
  as a skipped run that says when it was due, and the entry waits for its next time.
- Every message carries the entry's name and the instant it was sent for; the run records both.

Settings: CELERY_BEAT_SCHEDULER = "workflows.beat:ClockScheduler".
"""

from __future__ import annotations

import datetime
import logging

from celery import schedules
from celery.utils.time import maybe_make_aware
from django.utils import timezone
from django_celery_beat.schedulers import DatabaseScheduler, ModelEntry

from market import clock
from workflows.models import WorkflowRun
from workflows.runner import SCHEDULED_FOR_HEADER

logger = logging.getLogger(__name__)


class ClockEntry(ModelEntry):
    def __init__(self, model, app=None):  # type: ignore[no-untyped-def]
        super().__init__(model, app=app)
        schedule = getattr(self, "schedule", None)
        if schedule is not None and hasattr(schedule, "nowfun"):
            tz = getattr(schedule, "tz", None) or self.app.timezone
            schedule.nowfun = lambda: clock.now().astimezone(tz)

    def _default_now(self) -> datetime.datetime:
        return clock.now().astimezone(self.app.timezone)

    def is_due(self):  # type: ignore[no-untyped-def]
        now = self._default_now()
        if maybe_make_aware(self.last_run_at) > now:
            # The clock went back (a replay began): from that "now" the entry has not run yet, so a run due
            # at this very instant is still sent.
            self.last_run_at = self.model.last_run_at = now - datetime.timedelta(seconds=1)
        return super().is_due()

    def stale_since(self) -> datetime.datetime | None:
        """When the entry was first due, if every run it missed is older than its expiry (so not sent late)."""
        expires = self.model.expire_seconds
        if not (self.model.enabled and expires and isinstance(self.schedule, schedules.crontab)):
            return None
        now = self._default_now()
        missed_by = self.schedule.remaining_estimate(maybe_make_aware(self.last_run_at))
        if missed_by.total_seconds() >= 0:
            return None  # nothing missed
        if self.schedule.remaining_estimate(now - datetime.timedelta(seconds=expires)).total_seconds() <= 0:
            return None  # a run fell due within its expiry: it is sent now
        return now + missed_by


class ClockScheduler(DatabaseScheduler):
    Entry = ClockEntry
    _last_clock: datetime.datetime | None = None

    def enabled_models_qs(self):  # type: ignore[no-untyped-def]
        # django-celery-beat leaves out crontabs more than two hours from the server's real hour, which
        # would hide a replayed day's entries; the timeline is a dozen rows, so beat keeps them all.
        return self.Model.objects.enabled()

    def tick(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        now = clock.now()
        if self._last_clock is not None and now < self._last_clock:
            self._heap = None  # rebuilt from each entry's next run after the new "now"
        self._last_clock = now
        return super().tick(*args, **kwargs)

    def is_due(self, entry: ClockEntry):  # type: ignore[no-untyped-def, override]
        due_at = entry.stale_since()
        if due_at is not None:
            self._record_missed(entry, due_at)
            entry.last_run_at = entry.model.last_run_at = entry._default_now()
            entry.model.no_changes = True  # beat's own bookkeeping, not a schedule edit to reload for
            self._dirty.add(entry.name)
        return entry.is_due()

    def apply_async(self, entry, producer=None, advance=True, **kwargs):  # type: ignore[no-untyped-def]
        headers = {**entry.options.get("headers", {}), SCHEDULED_FOR_HEADER: clock.now().isoformat()}
        entry.options = {**entry.options, "headers": headers}
        return super().apply_async(entry, producer=producer, advance=advance, **kwargs)

    def _record_missed(self, entry: ClockEntry, due_at: datetime.datetime) -> None:
        reason = (f"missed: due at {due_at:%Y-%m-%d %H:%M %Z} but not sent then (beat was not running); older "
                  f"than the entry's expiry of {entry.model.expire_seconds} s, so not run late")
        logger.warning("%s %s", entry.name, reason)
        now = timezone.now()
        WorkflowRun.objects.create(
            workflow=entry.task.removeprefix("workflow."), trigger=WorkflowRun.Trigger.SCHEDULED,
            status=WorkflowRun.Status.SKIPPED, schedule_entry=entry.name, scheduled_for=due_at,
            inputs=entry.kwargs, outputs={"skipped": reason}, started_at=now, finished_at=now,
        )
