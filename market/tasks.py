"""The market-data workflows. Each is a thin step over market.ingest / market.providers."""

from __future__ import annotations

import datetime
import logging
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db.models import Q

from market import calendar, clock, providers
from market import quotes as quote_cache
from market.ingest import BarIngestor, mark_missing_delisted, upsert_stocks
from market.models import ListingState, Stock
from market.providers.base import BAR_COLUMNS, Provider, ProviderError
from market.storage import closes_on, latest_dates
from market.validation import clean_rows
from workflows import progress
from workflows.dispatch import run_now
from workflows.models import WorkflowRun
from workflows.registry import workflow
from workflows.runner import SkipRun

logger = logging.getLogger(__name__)

# A stock list this much shorter than what we know is a bad answer, not a wave of delistings.
MIN_LIST_FRACTION = 0.5


def _provider(source: str | None) -> Provider:
    return providers.get(source or settings.MARKET_DATA_PROVIDER)


def _require_trading_day(provider: Provider) -> datetime.date:
    today = calendar.market_today(provider.calendar, clock.now())
    if not calendar.is_trading_day(today, provider.calendar):
        raise SkipRun(f"not a trading day: {today} on {provider.calendar}")
    return today


def _with_midday(provider: Provider, code: str, bars: pd.DataFrame, start: datetime.date, end: datetime.date) -> pd.DataFrame:
    midday = provider.midday_prices(code, start, end)
    if len(midday) and len(bars):
        bars = bars.copy()
        filled = bars["date"].map(midday)
        bars["midday"] = filled.where(filled.notna(), bars["midday"])
    return bars


@workflow("sync_stock_list", queue="market", description="Add new listings, mark delistings, update names and ST.")
def sync_stock_list(run: WorkflowRun, source: str | None = None) -> dict[str, Any]:
    provider = _provider(source)
    infos = provider.list_stocks()
    listed = {info.code for info in infos if info.listed}
    known = Stock.objects.filter(source=provider.name, listing_state=ListingState.LISTED).count()
    if known and len(listed) < MIN_LIST_FRACTION * known:
        raise ProviderError(
            f"{provider.name} listed {len(listed)} stocks but {known} are known: refusing to mark the rest delisted"
        )
    result = upsert_stocks(infos, provider.name, synthetic=provider.synthetic)
    gone = mark_missing_delisted(listed, provider.name, calendar.market_today(provider.calendar, clock.now()))
    logger.info("%s: %d listed, %d new, %d updated, %d no longer listed", provider.name, len(listed),
                result["created"], result["updated"], len(gone))
    return {"source": provider.name, "listed": len(listed), **result, "delisted": gone[:50], "delisted_count": len(gone)}


@workflow("sync_quotes", queue="market", description="Latest price of every stock into the cache.")
def sync_quotes(run: WorkflowRun, source: str | None = None) -> dict[str, Any]:
    provider = _provider(source)
    _require_trading_day(provider)
    stocks = {s.code: s for s in Stock.objects.filter(source=provider.name, listing_state=ListingState.LISTED)}
    quotes = provider.quotes(sorted(stocks))
    meta = quote_cache.store(quotes, provider.name)
    changed = []
    for quote in quotes:
        stock = stocks[quote.code]
        if stock.is_suspended != quote.suspended:
            stock.is_suspended = quote.suspended
            changed.append(stock)
    Stock.objects.bulk_update(changed, ["is_suspended"], batch_size=1000)
    missing = len(stocks) - len(quotes)
    logger.info("%d quotes cached (latest %s), %d stocks without a quote", len(quotes), meta["latest"], missing)
    return {"source": provider.name, "quotes": len(quotes), "without_quote": missing, "latest": meta["latest"],
            "suspended": sum(q.suspended for q in quotes)}


def _sync_noon(provider: Provider, run: WorkflowRun, today: datetime.date) -> dict[str, Any]:
    """Today's open and 11:30 price from the quotes taken in the lunch break: a partial bar (no close yet).

    All rows are checked in one vectorised pass against yesterday's closes; a row that fails, or a stock
    without yesterday's close, goes through the per-stock check, which names the problem.
    """
    stocks = {s.code: s for s in Stock.objects.filter(source=provider.name, listing_state=ListingState.LISTED)}
    quotes = [q for q in provider.quotes(sorted(stocks)) if not q.suspended]
    rows = pd.DataFrame({
        "stock_id": [stocks[q.code].pk for q in quotes], "date": today,
        "open": [q.open for q in quotes], "midday": [q.price for q in quotes], "high": [q.high for q in quotes],
        "low": [q.low for q in quotes], "close": float("nan"), "volume": [q.volume for q in quotes],
        "amount": [q.amount for q in quotes]}, columns=["stock_id", *BAR_COLUMNS])
    values = rows[BAR_COLUMNS[1:]].astype("float64").to_numpy()
    yesterday = closes_on(calendar.previous_trading_day(today, provider.calendar), rows["stock_id"])
    base = rows["stock_id"].map(yesterday).astype("float64").to_numpy()
    limits = np.array([stocks[q.code].price_limit or np.nan for q in quotes], dtype="float64")
    clean = clean_rows(values, base, limits) & ~np.isnan(base)
    ingestor = BarIngestor(provider.name, run)
    if clean.any():
        ingestor.add_valid(rows[clean].astype({column: "float64" for column in BAR_COLUMNS[1:]}))
    for position in np.flatnonzero(~clean):
        quote = quotes[position]
        ingestor.add(stocks[quote.code], rows.iloc[[position]][BAR_COLUMNS].reset_index(drop=True))
    ingestor.flush()
    logger.info("%d noon bars, %d checked one by one", len(quotes), int((~clean).sum()))
    return {"mode": "noon", "date": today, **ingestor.report.as_outputs()}


def close_history(stocks: list[Stock], provider: Provider, end: datetime.date, run: WorkflowRun | None,
                  bar: progress.Reporter | None = None) -> dict[str, Any]:
    """Full bars from the day after each stock's last complete bar up to `end`: the unit the close sync fans out by."""
    first = datetime.date.fromisoformat(settings.HISTORY_START)
    complete = latest_dates([s.pk for s in stocks], complete_only=True)
    ingestor = BarIngestor(provider.name, run)
    failures: dict[str, str] = {}
    for stock in stocks:
        start = complete[stock.pk] + datetime.timedelta(days=1) if stock.pk in complete else first
        if start <= end:
            try:
                bars = _with_midday(provider, stock.code, provider.daily_bars(stock.code, start, end), start, end)
                ingestor.add(stock, bars, has_history=stock.pk in complete)
            except ProviderError as exc:
                failures[stock.code] = str(exc)
                logger.warning("%s: %s", stock.code, exc)
        if bar is not None:
            bar.advance()
    ingestor.flush()
    if failures and len(failures) == len(stocks):
        raise ProviderError(f"every stock failed; first: {next(iter(failures.values()))}")
    return {**ingestor.report.as_outputs(), "failed": dict(list(failures.items())[:50]), "failed_count": len(failures)}


def _sync_close(provider: Provider, run: WorkflowRun, chunk_size: int, fanout: bool) -> dict[str, Any]:
    end = calendar.last_completed_trading_day(clock.now(), provider.calendar)
    stocks = list(Stock.objects.filter(source=provider.name, listing_state=ListingState.LISTED).order_by("code"))
    if fanout and len(stocks) > chunk_size:  # network-bound: each chunk a run of its own, on any market worker
        ids = [stock.pk for stock in stocks]
        inputs = {"end": end.isoformat(), "source": provider.name}
        children = [run_now("sync_history_chunk", {"stock_ids": ids[i : i + chunk_size], **inputs}, parent=run).pk
                    for i in range(0, len(ids), chunk_size)]
        logger.info("%d stocks through %s, in %d chunks", len(stocks), end, len(children))
        return {"mode": "close", "through": end, "stocks": len(stocks), "chunks": len(children), "child_runs": children}
    with progress.task(len(stocks), "history") as bar:
        return {"mode": "close", "through": end, **close_history(stocks, provider, end, run, bar)}


@workflow("sync_history_chunk", queue="market", exclusive=False, description="Full bars after the close for one chunk of stocks.")
def sync_history_chunk(run: WorkflowRun, stock_ids: list[int], end: str, source: str | None = None) -> dict[str, Any]:
    provider = _provider(source)
    stocks = list(Stock.objects.filter(pk__in=stock_ids, source=provider.name).order_by("code"))
    with progress.task(len(stocks), "history") as bar:
        return close_history(stocks, provider, datetime.date.fromisoformat(end), run, bar)


@workflow("sync_history", queue="market", description="Noon: today's open and midday price. After the close: full bars, filling gaps.")
def sync_history(run: WorkflowRun, source: str | None = None, mode: str = "auto", chunk_size: int = 200,
                 fanout: bool = True) -> dict[str, Any]:
    provider = _provider(source)
    if mode not in ("auto", "noon", "close"):
        raise ValueError(f"mode must be auto, noon or close, not {mode!r}")
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    if mode == "auto":
        now = clock.now()
        today = calendar.market_today(provider.calendar, now)
        closed = calendar.last_completed_trading_day(now, provider.calendar) == today
        mode = "noon" if calendar.is_trading_day(today, provider.calendar) and not closed else "close"
    if mode == "noon":
        return _sync_noon(provider, run, _require_trading_day(provider))
    return _sync_close(provider, run, chunk_size, fanout)


def load_history(
    stocks: list[Stock], provider: Provider, start: datetime.date, end: datetime.date, run: WorkflowRun | None,
    bar: progress.Reporter | None = None,
) -> dict[str, Any]:
    """Load full history for some stocks and mark them done: the unit data initialisation resumes by."""
    ingestor = BarIngestor(provider.name, run)
    done, failures = [], {}
    have_bars = set(latest_dates([s.pk for s in stocks]))
    for stock in stocks:
        try:
            bars = provider.daily_bars(stock.code, start, end)
            ingestor.add(stock, _with_midday(provider, stock.code, bars, start, end), has_history=stock.pk in have_bars)
            done.append(stock.pk)
        except ProviderError as exc:
            failures[stock.code] = str(exc)
            logger.warning("%s: %s", stock.code, exc)
        if bar is not None:
            bar.advance()
    ingestor.flush()  # committed before the stocks are marked done, so an interruption only repeats work
    Stock.objects.filter(pk__in=done).update(history_synced_through=end)
    return {**ingestor.report.as_outputs(), "failed": failures, "failed_count": len(failures)}


def _merge(total: dict[str, Any], part: dict[str, Any]) -> None:
    for key in ("stocks", "bars_loaded", "bars_rejected", "failed_count"):
        total[key] = total.get(key, 0) + part[key]
    total.setdefault("rejected_rows", []).extend(part["rejected_rows"][: 50 - len(total.get("rejected_rows", []))])
    total.setdefault("failed", {}).update(list(part["failed"].items())[:50])


@workflow("data_init_chunk", queue="market", exclusive=False, description="Data initialisation of one chunk of stocks.")
def data_init_chunk(run: WorkflowRun, stock_ids: list[int], start: str, end: str, source: str | None = None) -> dict[str, Any]:
    provider = _provider(source)
    stocks = list(Stock.objects.filter(pk__in=stock_ids, source=provider.name).order_by("code"))
    with progress.task(len(stocks), "history") as bar:
        return load_history(stocks, provider, datetime.date.fromisoformat(start), datetime.date.fromisoformat(end), run, bar)


@workflow("data_init", queue="market", description="Full history of every stock, chunked and resumable.")
def data_init(
    run: WorkflowRun,
    source: str | None = None,
    start: str | None = None,
    end: str | None = None,
    chunk_size: int = 200,
    fanout: bool = True,
) -> dict[str, Any]:
    provider = _provider(source)
    first = datetime.date.fromisoformat(start or settings.HISTORY_START)
    last = datetime.date.fromisoformat(end) if end else calendar.last_completed_trading_day(clock.now(), provider.calendar)
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    pending = list(
        Stock.objects.filter(source=provider.name)
        .filter(Q(history_synced_through__isnull=True) | Q(history_synced_through__lt=last))
        .order_by("code")
        .values_list("pk", flat=True)
    )
    chunks = [pending[i : i + chunk_size] for i in range(0, len(pending), chunk_size)]
    logger.info("%d stocks pending from %s to %s, in %d chunks", len(pending), first, last, len(chunks))
    inputs = {"start": first.isoformat(), "end": last.isoformat(), "source": provider.name}
    if fanout:
        children = [run_now("data_init_chunk", {"stock_ids": chunk, **inputs}, parent=run).pk for chunk in chunks]
        return {"pending_stocks": len(pending), "chunks": len(chunks), "child_runs": children, **inputs}
    totals: dict[str, Any] = {"pending_stocks": len(pending), "chunks": len(chunks), **inputs}
    with progress.task(len(pending), "history") as bar:
        for chunk in chunks:  # one chunk at a time, so an interruption keeps the finished chunks
            stocks = list(Stock.objects.filter(pk__in=chunk).order_by("code"))
            _merge(totals, load_history(stocks, provider, first, last, run, bar))
    return totals


@workflow("cleanup", description="Delete old runs, predictions, rejected rows and (if configured) old bars.")
def cleanup(run: WorkflowRun, **overrides: int) -> dict[str, Any]:
    from market.retention import apply_retention

    return apply_retention(clock.now(), **overrides)


@workflow("refresh_permissions", queue="trading", description="Store which stocks the broker account may trade.")
def refresh_permissions(run: WorkflowRun) -> dict[str, Any]:
    from market.permissions import refresh

    return refresh()


@workflow("import_bars", queue="market", description="Import a folder of CSV/Parquet files (docs/data-format.md).")
def import_bars(run: WorkflowRun, folder: str) -> dict[str, Any]:
    from market.providers.folder import FolderProvider

    provider = FolderProvider(folder)
    result = upsert_stocks(provider.list_stocks(), provider.name)
    files = provider.files()
    stocks = {s.code: s for s in Stock.objects.filter(code__in=files)}
    ingestor = BarIngestor(f"folder {folder}", run)
    skipped = {}
    with progress.task(len(files), "files") as bar:
        for code, path in files.items():
            stock = stocks.get(code)
            if stock is None or stock.source != provider.name:
                skipped[path.name] = (f"{code} belongs to source {stock.source!r}" if stock
                                      else f"{code} is not in the stock list (see stocks_invalid)")
            else:
                try:
                    ingestor.add(stock, provider.read(code), has_history=True, origin=path.name)
                except ProviderError as exc:
                    skipped[path.name] = str(exc)
            bar.advance()
    ingestor.flush()
    for name, reason in skipped.items():
        logger.warning("%s skipped: %s", name, reason)
    return {"folder": folder, "files": len(files), "stocks_created": result["created"],
            "stocks_invalid": result["invalid"], **ingestor.report.as_outputs(), "files_skipped": skipped}
