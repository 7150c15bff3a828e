from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from market import calendar, clock
from market.ingest import BarIngestor, upsert_stocks
from market.models import Stock
from market.storage import latest_dates
from workflows import progress


class Command(BaseCommand):
    help = (
        "Load a SYNTHETIC A-share universe from the seeded simulated market: for demos, scale tests and the "
        "paper broker's quotes, never for claims about model quality. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stocks", type=int, default=settings.SIMULATED_STOCKS)
        parser.add_argument("--days", type=int, default=250, help="trading days of history, up to the last close")
        parser.add_argument("--seed", type=int, default=settings.SIMULATED_SEED)

    def handle(self, *args: Any, **options: Any) -> None:
        from market.providers.simulated import SimulatedMarket

        count, days, seed = options["stocks"], options["days"], options["seed"]
        if count < 1 or days < 1:
            raise CommandError("--stocks and --days must be at least 1")
        if (count, seed) != (settings.SIMULATED_STOCKS, settings.SIMULATED_SEED):
            self.stderr.write(
                f"note: the daily sync workflows use SIMULATED_STOCKS={settings.SIMULATED_STOCKS} and "
                f"SIMULATED_SEED={settings.SIMULATED_SEED}; set them to {count} and {seed} to keep them in step"
            )
        start = datetime.date.fromisoformat(settings.SIMULATED_START)
        try:
            provider = SimulatedMarket(stocks=count, seed=seed, start=start)
        except ValueError as exc:
            raise CommandError(f"--stocks {count}: {exc}") from None
        end = calendar.last_completed_trading_day(clock.now(), provider.calendar)
        sessions = calendar.sessions(start, end, provider.calendar)
        if not sessions:
            raise CommandError(f"no trading days between SIMULATED_START={start} and {end}")
        if days > len(sessions):
            self.stderr.write(f"note: only {len(sessions)} trading days since SIMULATED_START={start}")
        first = sessions[-min(days, len(sessions))]

        result = upsert_stocks(provider.list_stocks(), provider.name, synthetic=True)
        stocks = {s.code: s for s in Stock.objects.filter(source=provider.name)}
        have_bars = set(latest_dates([s.pk for s in stocks.values()]))
        universe = provider.bars_for_universe(first, end)
        ingestor = BarIngestor(provider.name)
        with progress.reporting(progress.TqdmReporter()) as bar:
            groups = universe.groupby("code", sort=True)
            bar.start(groups.ngroups, "synthetic stocks")
            for code, bars in groups:
                stock = stocks[code]
                ingestor.add(stock, bars.drop(columns="code"), has_history=stock.pk in have_bars)
                bar.advance()
        ingestor.flush()
        Stock.objects.filter(pk__in=[s.pk for s in stocks.values()]).update(history_synced_through=end)
        report = ingestor.report
        self.stdout.write(self.style.SUCCESS(
            f"SYNTHETIC market: {len(stocks)} stocks ({result['created']} new), {first} to {end}: "
            f"{report.loaded} bars loaded, {report.rejected} rejected"
        ))
