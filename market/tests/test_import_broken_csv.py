"""A deliberately broken CSV: every bad row reported with its reason, good rows stored, re-running changes nothing."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from market.models import DailyBar, RejectedBar, Stock
from workflows.models import WorkflowRun

pytestmark = pytest.mark.django_db

BROKEN = """date,open,high,low,close,volume
2024-01-02,10.00,10.20,9.90,10.10,1000
2024-01-03,10.10,10.30,10.00,10.20,1200
2024-01-03,10.10,10.30,10.00,10.25,1300
2024-01-04,NaN,10.30,10.00,10.20,1000
2024-01-05,10.20,10.10,10.30,10.20,1000
2024-01-08,10.20,10.40,10.10,10.30,1000
2024-01-09,10.30,10.40,10.20,10.35,-10
2024-01-10,21.00,21.50,20.80,21.20,1000
2024-01-11,10.40,10.60,10.30,10.50,abc
2024-01-07,10.20,10.40,10.10,10.30,1000
01/12/2024,10.40,10.60,10.30,10.50,1000
2024-01-15,10.50,10.70,10.40,10.60,1000
"""

EXPECTED = {
    3: "duplicate date 2024-01-03 with different values",
    4: "duplicate date 2024-01-03 with different values",
    5: "open is missing or not a number",
    6: "high 10.1 is below low 10.3",
    8: "volume is negative (-10.0)",
    9: "open 21.0 moves +103.9% from the previous close 10.3",
    10: "volume 'abc' is not a number",
    11: "date out of order (comes after 2024-01-10)",
    12: "date '01/12/2024' is not a valid YYYY-MM-DD date",
}


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "600000.csv").write_text(BROKEN)
    (tmp_path / "stocks.csv").write_text("code,name\n600000,Pudong Bank\n")
    return tmp_path


def test_every_bad_row_is_reported_and_the_good_rows_are_stored(folder):
    out = StringIO()
    call_command("import_bars", str(folder), stdout=out, stderr=StringIO())
    run = WorkflowRun.objects.get(workflow="import_bars")
    assert run.status == WorkflowRun.Status.SUCCEEDED
    reported = {row["row"]: row["reason"] for row in run.outputs["rejected_rows"]}
    assert set(reported) == set(EXPECTED)
    for line, reason in EXPECTED.items():
        assert reported[line].startswith(reason), (line, reported[line])
    assert RejectedBar.objects.filter(run=run).count() == 9
    assert RejectedBar.objects.filter(run=run, source="600000.csv", row=9).get().values["open"] == "21.00"

    stock = Stock.objects.get(code="600000")
    assert (stock.name, stock.exchange, stock.board) == ("Pudong Bank", "SSE", "main")
    stored = sorted(str(d) for d in DailyBar.objects.filter(stock=stock).values_list("date", flat=True))
    # lines 2, 7 and 13: every good line, nothing else
    assert stored == ["2024-01-02", "2024-01-08", "2024-01-15"]
    assert run.outputs["bars_loaded"] == 3 and run.outputs["bars_rejected"] == 9
    assert json.loads(out.getvalue().rsplit("}", 1)[0] + "}")["bars_rejected"] == 9


def test_importing_the_same_file_again_changes_nothing(folder):
    call_command("import_bars", str(folder), stdout=StringIO(), stderr=StringIO())
    before = list(DailyBar.objects.order_by("date").values())
    call_command("import_bars", str(folder), stdout=StringIO(), stderr=StringIO())
    assert list(DailyBar.objects.order_by("date").values()) == before
    assert Stock.objects.count() == 1


def test_a_file_missing_a_column_is_named_and_the_others_still_load(tmp_path):
    (tmp_path / "600000.csv").write_text("date,open,close\n2024-01-02,10,10\n")
    (tmp_path / "600004.csv").write_text("date,open,high,low,close,volume\n2024-01-02,10,10.5,9.5,10.2,100\n")
    call_command("import_bars", str(tmp_path), stdout=StringIO(), stderr=StringIO())
    run = WorkflowRun.objects.get()
    assert run.outputs["files_skipped"] == {"600000.csv": "600000.csv: missing column(s) high, low, volume; "
                                                          "expected date, open, high, low, close, volume"}
    assert DailyBar.objects.filter(stock__code="600004").count() == 1


def test_a_stock_list_row_with_an_unknown_board_is_named_and_the_rest_load(tmp_path):
    (tmp_path / "stocks.csv").write_text("code,name,board\n600000,Pudong,main\n600004,Airport,moon\n")
    for code in ("600000", "600004"):
        (tmp_path / f"{code}.csv").write_text("date,open,high,low,close,volume\n2024-01-02,10,10.5,9.5,10.2,100\n")
    call_command("import_bars", str(tmp_path), stdout=StringIO(), stderr=StringIO())
    run = WorkflowRun.objects.get()
    assert run.status == WorkflowRun.Status.SUCCEEDED
    assert run.outputs["files_skipped"] == {"600004.csv": "600004 is not in the stock list (see stocks_invalid)"}
    assert run.outputs["stocks_invalid"][0].startswith("600004: unknown board 'moon'")
    assert list(Stock.objects.values_list("code", flat=True)) == ["600000"]
