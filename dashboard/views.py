from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from brokers.models import BrokerAccount
from dashboard.charts import line_path
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


@login_required
def stock_list(request: HttpRequest) -> HttpResponse:
    stocks = Stock.objects.all()
    query = request.GET.get("q", "").strip()
    if query:
        stocks = stocks.filter(Q(code__icontains=query) | Q(name__icontains=query))
    source = request.GET.get("source", "")
    if source:
        stocks = stocks.filter(source=source)
    page = Paginator(stocks.annotate(bar_count=Count("bars"), last_date=Max("bars__date")), 50).get_page(
        request.GET.get("page")
    )
    sources = Stock.objects.order_by().values_list("source", flat=True).distinct()
    return render(request, "dashboard/stock_list.html", {"page": page, "query": query, "source": source, "sources": sources})


@login_required
def stock_detail(request: HttpRequest, code: str) -> HttpResponse:
    stock = get_object_or_404(Stock, code=code)
    bars = list(stock.bars.order_by("-date")[:120])[::-1]
    context = {
        "stock": stock,
        "bars": bars[::-1][:30],
        "path": line_path([bar.close if bar.close is not None else bar.open for bar in bars]),
        "first": bars[0] if bars else None,
        "last": bars[-1] if bars else None,
        "bar_count": stock.bars.count(),
    }
    return render(request, "dashboard/stock_detail.html", context)
