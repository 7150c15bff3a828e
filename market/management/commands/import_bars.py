from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Import daily bars from a folder of <CODE>.csv / <CODE>.parquet files (format: docs/data-format.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder")

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["folder"]).resolve()
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder")
        # The same workflow the worker runs, recorded in the ledger, with a progress bar.
        call_command("sync", "import_bars", f"folder={json.dumps(str(folder))}", stdout=self.stdout, stderr=self.stderr)
