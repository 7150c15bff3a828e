from __future__ import annotations

import json
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from modelling.config import ModelConfig


class Command(BaseCommand):
    help = "Train the LSTM here, recorded in the run ledger like the weekly task (incremental unless --full)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="train from scratch instead of from the active version")
        parser.add_argument("--force", action="store_true", help="train even if the data has not changed")
        parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                            help="a hyper-parameter, e.g. --set feature_set=daily --set epochs=5 (JSON values)")

    def handle(self, *args: Any, **options: Any) -> None:
        config: dict[str, Any] = {}
        for item in options["set"]:
            name, sep, text = item.partition("=")
            if not sep:
                raise CommandError(f"--set {item!r} is not NAME=VALUE")
            try:
                config[name] = json.loads(text)
            except json.JSONDecodeError:
                config[name] = text
        if config:
            try:
                ModelConfig.from_dict(config)
            except (TypeError, ValueError) as exc:
                raise CommandError(str(exc)) from None
        inputs = [f"full={json.dumps(options['full'])}", f"force={json.dumps(options['force'])}"]
        if config:
            inputs.append(f"config={json.dumps(config)}")
        call_command("sync", "train", *inputs, stdout=self.stdout, stderr=self.stderr)
