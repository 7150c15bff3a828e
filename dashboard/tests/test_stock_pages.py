from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from market.tests.factories import DailyBarFactory, StockFactory

pytestmark = pytest.mark.django_db


def test_the_stock_list_marks_synthetic_stocks_and_filters_by_source(client, role_users):
    StockFactory(code="600000", name="SIM 600000", source="simulated", is_synthetic=True)
    StockFactory(code="AAPL", name="Apple Inc.", exchange="NASDAQ", board="us", source="sample")
    client.force_login(role_users["guest"])
    page = client.get(reverse("dashboard:stocks")).content.decode()
    assert "SIM 600000" in page and "Apple Inc." in page and page.count("SYNTHETIC</span>") == 1
    filtered = client.get(reverse("dashboard:stocks"), {"source": "sample"}).content.decode()
    assert "Apple Inc." in filtered and "SIM 600000" not in filtered


def test_a_stock_page_shows_its_bars_and_chart(client, role_users):
    stock = StockFactory(code="600519", name="Moutai")
    for day in range(3):
        DailyBarFactory(stock=stock, date=datetime.date(2024, 3, 4) + datetime.timedelta(days=day), close=10 + day)
    client.force_login(role_users["guest"])
    page = client.get(reverse("dashboard:stock", args=["600519"])).content.decode()
    assert "Moutai" in page and "±10%" in page and "<path d=\"M" in page and "2024-03-06" in page


def test_an_unknown_stock_is_a_404(client, role_users):
    client.force_login(role_users["guest"])
    assert client.get(reverse("dashboard:stock", args=["999999"])).status_code == 404
