"""Ingest: stock lists and bars from a provider into the database, validated, in bulk, idempotently."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from market.models import Board, Exchange, ListingState, RejectedBar, Stock
from market.providers.base import StockInfo
from market.storage import close_before, upsert_bars
from market.validation import check_bars

# How many rejected rows a run's outputs list in full (all of them are in RejectedBar).
OUTPUT_SAMPLE = 50


@dataclass
class IngestReport:
    stocks: int = 0
    loaded: int = 0
    rejected: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)

    def as_outputs(self) -> dict[str, Any]:
        return {"stocks": self.stocks, "bars_loaded": self.loaded, "bars_rejected": self.rejected,
                "rejected_rows": self.samples}


class BarIngestor:
    """Validates each stock's bars, records rejects, and upserts the good rows in large batches."""

    def __init__(self, source: str, run: Any = None, flush_rows: int = 50_000) -> None:
        self.source = source
        self.run = run
        self.flush_rows = flush_rows
        self.report = IngestReport()
        self._pending: list[pd.DataFrame] = []
        self._pending_rows = 0

    def add(self, stock: Stock, bars: pd.DataFrame, *, has_history: bool = True, origin: str | None = None) -> int:
        """Queue one stock's bars; returns how many were rejected. `has_history=False` skips a query.

        `origin` names where the rows came from (a file) in the rejects, when it is not the source itself.
        """
        self.report.stocks += 1
        if bars.empty:
            return 0
        previous = None
        if has_history:
            first = pd.to_datetime(bars["date"], errors="coerce").min()
            if not pd.isna(first):
                previous = close_before(stock.pk, first.date())
        checked = check_bars(bars, code=stock.code, price_limit=stock.price_limit, previous_close=previous,
                             board_label=stock.get_board_display())
        if checked.rejected:
            RejectedBar.objects.bulk_create(
                RejectedBar(run=self.run, source=(origin or self.source)[:255], code=r.code, date=r.date[:32], row=r.row,
                            reason=r.reason[:255], values=r.values)
                for r in checked.rejected
            )
            self.report.rejected += len(checked.rejected)
            room = OUTPUT_SAMPLE - len(self.report.samples)
            self.report.samples.extend(
                {"code": r.code, "date": r.date, "row": r.row, "reason": r.reason} for r in checked.rejected[:room]
            )
        if len(checked.good):
            good = checked.good.assign(stock_id=stock.pk)
            self._pending.append(good)
            self._pending_rows += len(good)
            if self._pending_rows >= self.flush_rows:
                self.flush()
        return len(checked.rejected)

    def add_valid(self, bars: pd.DataFrame) -> None:
        """Queue rows of many stocks already checked by `validation.clean_rows` (BAR_COLUMNS and stock_id)."""
        self.report.stocks += bars["stock_id"].nunique()
        self._pending.append(bars)
        self._pending_rows += len(bars)
        if self._pending_rows >= self.flush_rows:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self.report.loaded += upsert_bars(pd.concat(self._pending, ignore_index=True))
            self._pending, self._pending_rows = [], 0


def upsert_stocks(infos: list[StockInfo], source: str, *, synthetic: bool = False) -> dict[str, Any]:
    """Add new stocks, update names/boards/ST/listing state; a code owned by another source is left alone."""
    existing = {stock.code: stock for stock in Stock.objects.filter(code__in=[i.code for i in infos])}
    created, changed, conflicts = [], [], []
    fields = ["name", "exchange", "board", "is_st", "listing_state", "listed_on", "delisted_on", "is_synthetic"]
    invalid = []
    for info in infos:
        if info.board not in Board.values or info.exchange not in Exchange.values:
            invalid.append(f"{info.code}: unknown board {info.board!r} or exchange {info.exchange!r} "
                           f"(boards: {', '.join(Board.values)}; exchanges: {', '.join(Exchange.values)})")
            continue
        values = {
            "name": info.name[:64],
            "exchange": info.exchange,
            "board": info.board,
            "is_st": info.is_st,
            "listing_state": ListingState.LISTED if info.listed else ListingState.DELISTED,
            "listed_on": info.listed_on,
            "delisted_on": info.delisted_on,
            "is_synthetic": synthetic,
        }
        stock = existing.get(info.code)
        if stock is None:
            created.append(Stock(code=info.code, source=source, **values))
        elif stock.source != source:
            conflicts.append(f"{info.code} belongs to source {stock.source!r}")
        elif any(getattr(stock, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(stock, name, value)
            changed.append(stock)
    Stock.objects.bulk_create(created, batch_size=1000)
    Stock.objects.bulk_update(changed, fields, batch_size=1000)
    return {"created": len(created), "updated": len(changed), "conflicts": conflicts[:OUTPUT_SAMPLE],
            "conflict_count": len(conflicts), "invalid": invalid[:OUTPUT_SAMPLE], "invalid_count": len(invalid)}


def mark_missing_delisted(listed_codes: set[str], source: str, today: datetime.date) -> list[str]:
    """Stocks of `source` the provider no longer lists are delisted (the caller guards against a short list)."""
    gone = list(
        Stock.objects.filter(source=source, listing_state=ListingState.LISTED)
        .exclude(code__in=listed_codes)
        .values_list("code", flat=True)
    )
    Stock.objects.filter(code__in=gone).update(listing_state=ListingState.DELISTED, delisted_on=today)
    return gone
