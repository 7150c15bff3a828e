from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from workflows.timeline import seed


class Command(BaseCommand):
    help = ("Put the daily timeline into beat's schedule (admin -> Periodic tasks). Adds what is missing and "
            "leaves your edits alone; --reset restores the defaults.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed(reset=options["reset"])
        self.stdout.write(self.style.SUCCESS(
            f"schedule: {result['created']} added, {result['reset']} reset, {result['entries']} in the timeline"))
