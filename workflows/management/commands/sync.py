from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from workflows import progress, registry
from workflows.models import WorkflowRun
from workflows.runner import execute


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text  # a bare word is a string: source=akshare


class Command(BaseCommand):
    help = "Run a workflow here and now, recorded in the run ledger like any other run: sync <workflow> [key=value ...]"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("workflow", help="e.g. sync_stock_list, sync_quotes, sync_history, data_init, cleanup")
        parser.add_argument("inputs", nargs="*", help="inputs as key=value; values are JSON or bare words")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            workflow = registry.get(options["workflow"])
        except KeyError as exc:
            raise CommandError(exc.args[0]) from None
        inputs: dict[str, Any] = {}
        for item in options["inputs"]:
            key, sep, text = item.partition("=")
            if not sep or not key:
                raise CommandError(f"input {item!r} is not key=value")
            inputs[key] = _value(text)
        if workflow.name in ("data_init", "sync_history"):
            inputs.setdefault("fanout", False)  # here, in this process, with a progress bar
        try:
            workflow.check_inputs(inputs)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        run = WorkflowRun.objects.create(workflow=workflow.name, trigger=WorkflowRun.Trigger.MANUAL, inputs=inputs)
        with progress.reporting(progress.TqdmReporter()):
            execute(workflow, run_id=run.pk, inputs=inputs)
        run.refresh_from_db()
        self.stdout.write(json.dumps(run.outputs, indent=2, ensure_ascii=False, default=str))
        if run.status == WorkflowRun.Status.FAILED:
            raise CommandError(f"{workflow.name} failed (run #{run.pk}): {run.error}")
        self.stdout.write(self.style.SUCCESS(f"{workflow.name} {run.status} (run #{run.pk})"))
