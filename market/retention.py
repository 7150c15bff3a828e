"""The monthly cleanup: what is old enough to delete, never what the model still needs."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings

from market.models import DailyBar, RejectedBar, Stock
from modelling.models import Prediction
from workflows.models import WorkflowRun

# Bars every stock keeps whatever the retention: the model's input window with room to spare.
KEEP_BARS_PER_STOCK = 120


def apply_retention(now: datetime.datetime, **overrides: int) -> dict[str, Any]:
    unknown = set(overrides) - {"run_days", "prediction_days", "rejected_days", "bar_days"}
    if unknown:
        raise ValueError(f"unknown cleanup input(s): {', '.join(sorted(unknown))}")
    days = {
        "run_days": settings.RETENTION_RUN_DAYS,
        "prediction_days": settings.RETENTION_PREDICTION_DAYS,
        "rejected_days": settings.RETENTION_REJECTED_DAYS,
        "bar_days": settings.RETENTION_BAR_DAYS,
        **overrides,
    }
    for name, value in days.items():
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a whole number of days >= 0, not {value!r}")
    deleted: dict[str, int] = {}
    if days["run_days"]:
        old = WorkflowRun.objects.filter(
            created_at__lt=now - datetime.timedelta(days=days["run_days"]), status__in=WorkflowRun.FINISHED_STATUSES
        )
        deleted["workflow_runs"] = old.delete()[1].get("workflows.WorkflowRun", 0)
    if days["prediction_days"]:
        cutoff = (now - datetime.timedelta(days=days["prediction_days"])).date()
        deleted["predictions"] = Prediction.objects.filter(trading_date__lt=cutoff).delete()[0]
    if days["rejected_days"]:
        cutoff_time = now - datetime.timedelta(days=days["rejected_days"])
        deleted["rejected_bars"] = RejectedBar.objects.filter(created_at__lt=cutoff_time).delete()[0]
    if days["bar_days"]:
        deleted["bars"] = _delete_old_bars((now - datetime.timedelta(days=days["bar_days"])).date())
    # Quotes expire by themselves in the cache (QUOTE_TTL_SECONDS).
    return {"retention_days": days, "deleted": deleted}


def _delete_old_bars(cutoff: datetime.date) -> int:
    total = 0
    for stock_id in Stock.objects.filter(bars__date__lt=cutoff).values_list("pk", flat=True).distinct():
        keep_from = (
            DailyBar.objects.filter(stock_id=stock_id).order_by("-date").values_list("date", flat=True)[
                KEEP_BARS_PER_STOCK - 1 : KEEP_BARS_PER_STOCK
            ]
        )
        limit = min([cutoff, *keep_from])
        total += DailyBar.objects.filter(stock_id=stock_id, date__lt=limit).delete()[0]
    return total
