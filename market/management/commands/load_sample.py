from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from market.ingest import BarIngestor, upsert_stocks
from market.models import Stock
from market.providers.sample import SampleProvider
from workflows import progress


class Command(BaseCommand):
    help = "Load the bundled real sample (five US stocks, 2000-2013; see market/sample/README.md). Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        provider = SampleProvider()
        upsert_stocks(provider.list_stocks(), provider.name)
        stocks = list(Stock.objects.filter(source=provider.name))
        ingestor = BarIngestor(provider.name)
        with progress.reporting(progress.TqdmReporter()) as bar:
            bar.start(len(stocks), "sample")
            for stock in stocks:
                bars = provider.daily_bars(stock.code, *provider.date_range())
                ingestor.add(stock, bars, has_history=stock.bars.exists())
                bar.advance()
        ingestor.flush()
        report = ingestor.report
        self.stdout.write(
            self.style.SUCCESS(f"sample: {report.stocks} stocks, {report.loaded} bars loaded, {report.rejected} rejected")
        )

