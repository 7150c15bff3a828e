from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Max

from market import clock
from market.models import DailyBar
from workflows.models import WorkflowRun
from workflows.replay import ReplayError, Step, replay
from workflows.timeline import TIME_ZONE


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"start date {text!r} is not a date like 2026-11-19") from None


def _instant(text: str) -> datetime.datetime:
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--at {text!r} is not an ISO time like 2026-11-18T20:00+08:00") from None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(TIME_ZONE))


class Command(BaseCommand):
    help = ("Replay whole days of the timeline through the running beat and workers: the shared clock steps "
            "to each scheduled instant and waits for its runs. Every process needs REPLAY_CLOCK=true.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("start", nargs="?", help="first day to replay, e.g. 2026-11-19 (from 00:00 Asia/Shanghai)")
        parser.add_argument("--days", type=int, default=1, help="how many calendar days (default 1)")
        parser.add_argument("--step-timeout", type=float, default=900, help="seconds a step may take (default 900)")
        parser.add_argument("--at", help="only move the shared clock to this ISO time (e.g. to prepare data up to "
                                         "the day before a replay: --at 2026-11-18T20:00+08:00) and stop")
        parser.add_argument("--release", action="store_true", help="give the system back the real time and stop")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.REPLAY_CLOCK:
            raise CommandError("replay needs REPLAY_CLOCK=true, here and in the web, worker and beat processes")
        if settings.CLOCK_NOW:
            raise CommandError("CLOCK_NOW pins this process's clock; unset it to replay")
        if options["release"]:
            clock.set_replay(None)
            self.stdout.write("The replay clock is off: every process is back on the real time.")
            return
        if options["at"]:
            clock.set_replay(_instant(options["at"]))
            self.stdout.write(f"The shared clock says {clock.now():%Y-%m-%d %H:%M %Z} for every process.")
            return
        if not options["start"]:
            raise CommandError("give the first day to replay, e.g. replay 2026-11-19 --days 2")
        if options["days"] < 1:
            raise CommandError(f"--days must be at least 1, got {options['days']}")
        start = datetime.datetime.combine(_date(options["start"]), datetime.time(), tzinfo=ZoneInfo(TIME_ZONE))
        end = start + datetime.timedelta(days=options["days"])
        later = DailyBar.objects.filter(date__gte=start.date()).aggregate(last=Max("date"))["last"]
        if later is not None:
            self.stderr.write(f"note: the database already holds bars from {start:%Y-%m-%d} to {later}; the replayed "
                              "days will find them there. Prepare data up to the day before (see --at) for a clean replay.")
        try:
            runs = replay(start, end, step_timeout=options["step_timeout"], report=self._report)
        except ReplayError as exc:
            raise CommandError(str(exc)) from None
        failed = [run for run in runs if run.status == WorkflowRun.Status.FAILED]
        self.stdout.write(f"{len(runs)} runs, {len(failed)} failed. The replay clock stays at {end:%Y-%m-%d %H:%M %Z};"
                          " `manage.py replay --release` goes back to the real time.")

    def _report(self, step: Step, runs: list[WorkflowRun]) -> None:
        for run in runs:
            took = f" in {run.duration_seconds:.1f} s" if run.duration_seconds is not None else ""
            line = f"{step.at:%Y-%m-%d %H:%M}  {run.schedule_entry}: {run.workflow} #{run.pk} {run.status}{took}"
            if run.status == WorkflowRun.Status.FAILED:
                self.stdout.write(self.style.ERROR(f"{line}: {run.error}"))
            else:
                self.stdout.write(line)
