from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Predict tomorrow's prices with the active model, recorded in the run ledger like the noon task."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="the trading day (YYYY-MM-DD) to predict on; default today")
        parser.add_argument("--calendar", default="XSHG", help="XSHG (A-shares) or XNYS (US stocks)")

    def handle(self, *args: Any, **options: Any) -> None:
        inputs = [f'calendar_name="{options["calendar"]}"']
        if options["date"]:
            inputs.append(f'trading_date="{options["date"]}"')
        call_command("sync", "predict", *inputs, stdout=self.stdout, stderr=self.stderr)
