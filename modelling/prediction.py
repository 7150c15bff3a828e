"""Noon prediction: tomorrow's prices for every tradable stock, in one batch, from the active version."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction

from market import calendar
from market.models import ListingState, Stock
from market.storage import load_bars
from modelling.config import ModelConfig
from modelling.dataset import build_latest_windows, columns_for
from modelling.models import ModelVersion, Prediction

logger = logging.getLogger(__name__)


class NoActiveModel(Exception):
    pass


def window_day(config: ModelConfig, trading_date: datetime.date, calendar_name: str = "XSHG") -> datetime.date:
    """The day a noon prediction's window must end on: today for `morning` (its open and 11:30 price are
    known), the previous trading day for `daily` (today's close is not)."""
    if config.feature_set == "morning":
        return trading_date
    return calendar.previous_trading_day(trading_date, calendar_name)


def predict(trading_date: datetime.date, calendar_name: str = "XSHG") -> dict[str, Any]:
    version = ModelVersion.objects.filter(is_active=True).first()
    if version is None:
        raise NoActiveModel("no active model version: train one (manage.py train) or make one active in the admin")
    from modelling import network  # TensorFlow loads only where predictions are made

    config = ModelConfig.from_dict(version.config)
    model = network.load(Path(version.artefact_path))
    day = window_day(config, trading_date, calendar_name)
    target_date = calendar.next_trading_day(day, calendar_name)

    stocks = Stock.objects.filter(listing_state=ListingState.LISTED, is_tradable=True)
    if config.sources:
        stocks = stocks.filter(source__in=config.sources)
    ids = list(stocks.values_list("pk", flat=True))
    # Enough calendar days for the window, across holidays.
    bars = load_bars(ids, start=day - datetime.timedelta(days=config.window * 2 + 30), end=day,
                     columns=columns_for(config))
    windows = build_latest_windows(bars, config)
    current = windows.dates == np.datetime64(day)
    stale = int((~current).sum())
    windows = windows.subset(current)
    predicted = network.predict(model, windows.x)
    expected = predicted.mean(axis=1)
    prices = windows.ref[:, None] * (1 + predicted)
    rows = []
    for i, stock_id in enumerate(windows.stock_ids.tolist()):
        named = dict(zip(config.targets, prices[i].tolist()))
        rows.append(Prediction(
            stock_id=stock_id, trading_date=trading_date, target_date=target_date,
            predicted_open=round(named["open"], 4), predicted_midday=_round(named.get("midday")),
            predicted_close=_round(named.get("close")), expected_return=float(expected[i]), score=float(expected[i]),
            model_version=version,
        ))
    with transaction.atomic():  # a re-run replaces the day's predictions of this version, never doubles them
        Prediction.objects.filter(trading_date=trading_date, model_version=version).delete()
        Prediction.objects.bulk_create(rows, batch_size=2000)
    skipped = len(ids) - len(rows)
    logger.info("%d stocks predicted for %s with %s; %d skipped (%d without a window ending %s, %d with too little history)",
                len(rows), target_date, version.version, skipped, stale, day, windows.skipped_stocks)
    top = sorted(rows, key=lambda r: -r.score)[:5]
    return {"model_version": version.version, "trading_date": trading_date, "target_date": target_date,
            "window_day": day, "predicted": len(rows), "skipped": skipped, "stale": stale,
            "too_little_history": windows.skipped_stocks,
            "top": [{"stock_id": r.stock_id, "expected_return": round(r.expected_return, 5)} for r in top]}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def latest_scores(trading_date: datetime.date) -> tuple[datetime.date | None, list[Prediction]]:
    """The newest saved predictions made on or before `trading_date`, best first.

    The buy workflow ranks by these: when today's prediction failed, they are the last saved scores
    (the date returned says how old they are).
    """
    latest = (
        Prediction.objects.filter(trading_date__lte=trading_date).order_by("-trading_date", "-created_at")
        .values_list("trading_date", "model_version_id").first()
    )
    if latest is None:
        return None, []
    day, version_id = latest
    rows = Prediction.objects.filter(trading_date=day, model_version_id=version_id).select_related("stock")
    return day, list(rows.order_by("-score"))
