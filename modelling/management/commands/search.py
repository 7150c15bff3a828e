from __future__ import annotations

import itertools
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import override_settings

from modelling.config import ModelConfig
from modelling.models import ModelVersion
from modelling.training import TrainingError, train


class Command(BaseCommand):
    help = (
        "Small grid search over hyper-parameters: trains one full version per combination and picks the best "
        "by validation loss, never by the held-out test period (whose figures are shown for information only). "
        "Nothing is promoted. Example: search --grid units=16,32 --grid window=10,22 --set feature_set=daily"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2", help="values to try")
        parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="fixed values")

    def handle(self, *args: Any, **options: Any) -> None:
        fixed = dict(_parse(item, many=False) for item in options["set"])
        grid = dict(_parse(item, many=True) for item in options["grid"])
        if not grid:
            raise CommandError("give at least one --grid NAME=V1,V2")
        combinations = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
        results = []
        for values in combinations:
            try:
                config = ModelConfig.from_dict({**fixed, **values})
            except (TypeError, ValueError) as exc:
                raise CommandError(str(exc)) from None
            with override_settings(MODEL_AUTO_PROMOTE=False):
                try:
                    outcome = train(config, full=True, force=True)
                except TrainingError as exc:
                    raise CommandError(str(exc)) from None
            version = ModelVersion.objects.get(version=outcome["version"])
            best_val = min((epoch.get("val_loss", float("inf")) for epoch in version.loss_curve), default=float("inf"))
            results.append((best_val, values, version))
            self.stdout.write(f"{json.dumps(values)}: validation loss {best_val:.5f} ({version.version})")
        results.sort(key=lambda row: row[0])
        best_val, values, version = results[0]
        held_out = version.metrics["held_out"]["model"]
        self.stdout.write(self.style.SUCCESS(
            f"best by validation loss: {json.dumps(values)} -> {version.version} (validation loss {best_val:.5f}); "
            f"its held-out rank IC {held_out['rank_ic']}, direction {held_out['direction_accuracy']}. "
            f"Make it active in the admin if you want it."
        ))


def _parse(item: str, *, many: bool) -> tuple[str, Any]:
    name, sep, text = item.partition("=")
    if not sep or not name:
        raise CommandError(f"{item!r} is not NAME=VALUE")
    parts = text.split(",") if many else [text]
    values = []
    for part in parts:
        try:
            values.append(json.loads(part))
        except json.JSONDecodeError:
            values.append(part)
    return name, values if many else values[0]
