"""The modelling workflows: weekly training on the `training` queue, noon prediction."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings

from market import calendar, clock
from modelling.config import ModelConfig
from workflows.models import WorkflowRun
from workflows.registry import workflow
from workflows.runner import SkipRun


@workflow("train", queue="training", time_limit=settings.TRAINING_TIME_LIMIT,
          description="Train the LSTM: incremental from the active version unless full=true; skips unchanged data.")
def train(run: WorkflowRun, full: bool = False, force: bool = False, config: dict[str, Any] | None = None) -> dict[str, Any]:
    from modelling.training import train as train_model

    result = train_model(ModelConfig.from_dict(config) if config else None, full=full, force=force)
    if "skipped" in result:
        raise SkipRun(result["skipped"])
    return result


@workflow("predict", description="Predict tomorrow's prices of every tradable stock with the active model.")
def predict(run: WorkflowRun, trading_date: str | None = None, calendar_name: str = "XSHG") -> dict[str, Any]:
    from modelling.prediction import predict as predict_day

    day = (datetime.date.fromisoformat(trading_date) if trading_date
           else calendar.market_today(calendar_name, clock.now()))
    if not calendar.is_trading_day(day, calendar_name):
        raise SkipRun(f"not a trading day: {day} on {calendar_name}")
    return predict_day(day, calendar_name)
