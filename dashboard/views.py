from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from brokers.models import BrokerAccount
from market.models import DailyBar, Stock
from modelling.models import ModelVersion
from workflows import registry
from workflows.models import WorkflowRun


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "runs": WorkflowRun.objects.select_related("triggered_by")[:20],
        "workflows": registry.all_workflows(),
        "stock_count": Stock.objects.count(),
        "bar_count": DailyBar.objects.count(),
        "accounts": BrokerAccount.objects.all(),
        "active_model": ModelVersion.objects.filter(is_active=True).first(),
    }
    return render(request, "dashboard/home.html", context)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for probes: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
