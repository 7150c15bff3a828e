"""Replaying days of the timeline with the real beat and workers.

The shared replay clock (REPLAY_CLOCK) steps from one scheduled instant of the enabled timeline entries to
the next. At each step beat (workflows.beat.ClockScheduler) sends what fell due, as it would on the day, and
the step waits until those runs, and the runs they fanned out, have finished. Interval entries are not
stepped to; they run whenever the clock passes them.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import Q
from django_celery_beat.models import PeriodicTask

from market import clock
from workflows.models import WorkflowRun
from workflows.timeline import next_run

NOT_SENT_AFTER = 60.0  # seconds: a due entry whose run has not appeared by then was not sent by any beat


class ReplayError(Exception):
    """The replay cannot go on; the message says why."""


@dataclass(frozen=True)
class Step:
    at: datetime.datetime
    entries: tuple[str, ...]


def steps(start: datetime.datetime, end: datetime.datetime) -> Iterator[Step]:
    """Every instant in (start, end) at which an enabled workflow entry falls due, with those entries."""
    tasks = list(PeriodicTask.objects.enabled().filter(crontab__isnull=False, task__startswith="workflow.")
                 .select_related("crontab"))
    upcoming = {task.name: next_run(task, start) for task in tasks}
    by_name = {task.name: task for task in tasks}
    while upcoming:
        at = min(upcoming.values())
        if at >= end:
            return
        due = tuple(sorted(name for name, when in upcoming.items() if when == at))
        yield Step(at, due)
        for name in due:
            upcoming[name] = next_run(by_name[name], at)


def run_step(step: Step, timeout: float, poll: float = 0.2) -> list[WorkflowRun]:
    """Move the clock to the step and wait for beat's runs of its entries (and their children) to finish."""
    clock.set_replay(step.at)
    started = time.monotonic()
    while True:
        runs = list(WorkflowRun.objects.filter(schedule_entry__in=step.entries, scheduled_for=step.at))
        sent = {run.schedule_entry for run in runs}
        unfinished = [run for run in runs if not run.is_finished]
        children = WorkflowRun.objects.filter(parent__in=runs).filter(~Q(status__in=WorkflowRun.FINISHED_STATUSES))
        if sent == set(step.entries) and not unfinished and not children.exists():
            return sorted(runs, key=lambda run: run.pk)
        waited = time.monotonic() - started
        if waited > NOT_SENT_AFTER and not sent:
            raise ReplayError(f"nothing was sent for {', '.join(step.entries)} at {step.at:%Y-%m-%d %H:%M} within "
                              f"{NOT_SENT_AFTER:.0f} s: is beat running, with REPLAY_CLOCK=true and the same cache?")
        if waited > timeout:
            late = sorted(set(step.entries) - sent) + [f"{run.workflow} #{run.pk} ({run.status})" for run in unfinished]
            raise ReplayError(f"step {step.at:%Y-%m-%d %H:%M} still waiting after {timeout:.0f} s for: {', '.join(late)}")
        time.sleep(poll)


def replay(start: datetime.datetime, end: datetime.datetime, *, step_timeout: float = 900,
           report: Callable[[Step, list[WorkflowRun]], None] = lambda step, runs: None) -> list[WorkflowRun]:
    """Replay [start, end): the clock is left at `end`, where nothing more was due."""
    clock.set_replay(start)
    runs: list[WorkflowRun] = []
    for step in steps(start, end):
        step_runs = run_step(step, step_timeout)
        report(step, step_runs)
        runs.extend(step_runs)
    clock.set_replay(end)
    return runs
