"""Data initialisation: chunked, resumable after an interruption, without duplicates or gaps."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest

from market import calendar
from market.models import DailyBar, Stock
from market.providers.base import StockInfo
from market.tests.table_provider import install, walk
from workflows import registry
from workflows.models import WorkflowRun
from workflows.runner import execute

pytestmark = pytest.mark.django_db
START, END = datetime.date(2024, 1, 2), datetime.date(2024, 3, 29)
CODES = [f"{600000 + i:06d}" for i in range(10)]


@pytest.fixture
def provider():
    provider = install()
    sessions = calendar.sessions(START, END)
    for n, code in enumerate(CODES):
        provider.stocks.append(StockInfo(code, f"Stock {n}", "SSE", "main"))
        provider.bars[code] = walk(sessions, start_price=10 + n)
    execute(registry.get("sync_stock_list"), run_id=None, inputs={"source": "table"})
    return provider


def run_init(**inputs):  # type: ignore[no-untyped-def]
    return execute(registry.get("data_init"), run_id=None,
                   inputs={"source": "table", "start": START.isoformat(), "end": END.isoformat(), **inputs})


def test_an_interrupted_initialisation_resumes_without_duplicates_or_gaps(provider):
    provider.fail_after = 5  # the process dies while loading the 6th stock (chunks of 2)
    with pytest.raises(SystemExit):
        run_init(chunk_size=2, fanout=False)
    done = set(Stock.objects.filter(history_synced_through=END).values_list("code", flat=True))
    assert done == set(CODES[:4])  # two whole chunks were committed and marked; the third was not

    provider.fail_after, provider.calls = None, 0
    run_init(chunk_size=2, fanout=False)
    assert provider.calls == 6  # only the pending stocks were loaded again
    sessions = calendar.sessions(START, END)
    for code in CODES:
        dates = list(DailyBar.objects.filter(stock__code=code).order_by("date").values_list("date", flat=True))
        assert dates == sessions, code  # every session once: no gap, no duplicate
    assert Stock.objects.filter(history_synced_through=END).count() == len(CODES)

    provider.calls = 0
    run_init(chunk_size=2, fanout=False)
    assert provider.calls == 0  # nothing left to do


def test_fanning_out_queues_one_child_run_per_chunk(provider, django_capture_on_commit_callbacks):
    task = registry.get("data_init_chunk").task
    with mock.patch.object(task, "apply_async") as sent, django_capture_on_commit_callbacks(execute=True):
        result = run_init(chunk_size=4)
    parent = WorkflowRun.objects.get(pk=result["run_id"])
    children = list(parent.children.order_by("pk"))
    assert parent.outputs["chunks"] == 3 and [c.pk for c in children] == parent.outputs["child_runs"]
    assert [len(c.inputs["stock_ids"]) for c in children] == [4, 4, 2]
    assert sent.call_count == 3 and sent.call_args.kwargs["queue"] == "market"

    for child in children:  # what the workers would do
        execute(registry.get("data_init_chunk"), run_id=child.pk, inputs=child.inputs)
    assert DailyBar.objects.count() == len(CODES) * len(calendar.sessions(START, END))
