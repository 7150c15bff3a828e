"""The akshare provider against recorded eastmoney/SSE/SZSE answers served at the requests layer (no network)."""

from __future__ import annotations

import datetime
import json
import math
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import akshare.utils.func as ak_func
import akshare.utils.request as ak_request
import pandas as pd
import pytest
import requests
import responses
from responses import matchers

from market.providers.akshare_cn import AkshareProvider
from market.providers.base import BAR_COLUMNS, ProviderError, TransientProviderError

# akshare 1.19.5 still passes inplace= to pandas 3.1, which warns; that is akshare's to fix.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")

RECORDINGS = Path(__file__).parent / "recordings" / "akshare"
SPOT = "https://82.push2.eastmoney.com/api/qt/clist/get"
KLINE = "https://push2his.eastmoney.com/api/qt/stock/kline/get"
SSE = "https://query.sse.com.cn/commonQuery.do"
SZSE = "https://www.szse.cn/api/report/ShowReport"
FETCHED = datetime.datetime(2024, 1, 5, 3, 31, tzinfo=datetime.timezone.utc)  # 11:31 in Shanghai
JAN = {day: datetime.date(2024, 1, day) for day in range(1, 32)}


def recording(name: str) -> Any:
    return json.loads((RECORDINGS / name).read_text(encoding="utf-8"))


def query(**params: str) -> Any:
    return matchers.query_param_matcher(params, strict_match=False)


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    """Every request must match a registered recording: anything else fails as a ConnectionError."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture(autouse=True)
def akshare_does_not_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """akshare pauses between spot pages and retries spot requests itself, with real sleeps."""
    slept: list[float] = []
    monkeypatch.setattr(ak_func, "time", types.SimpleNamespace(sleep=slept.append))
    monkeypatch.setattr(ak_request, "time", types.SimpleNamespace(sleep=slept.append))
    return slept


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def provider(waits: list[float]) -> AkshareProvider:
    return AkshareProvider(sleep=waits.append, now=lambda: FETCHED)


def serve_spot(http: responses.RequestsMock) -> None:
    http.get(SPOT, json=recording("spot_em_page1.json"), match=[query(pn="1")])
    http.get(SPOT, json=recording("spot_em_page2.json"), match=[query(pn="2")])


def serve_delisted(http: responses.RequestsMock) -> None:
    http.get(SSE, json=recording("sse_delist.json"), match=[query(COMPANY_STATUS="3")])
    http.get(SZSE, body=(RECORDINGS / "szse_delist.xlsx").read_bytes(), match=[query(CATALOGID="1793_ssgs")])


def serve_daily(http: responses.RequestsMock, **kwargs: Any) -> None:
    http.get(KLINE, match=[query(klt="101", secid="1.600519")], **kwargs)


def serve_60min(http: responses.RequestsMock, **kwargs: Any) -> None:
    http.get(KLINE, match=[query(klt="60", secid="1.600519")], **kwargs)


def test_it_lists_every_a_share_with_exchange_board_and_st_flag(provider, http):
    serve_spot(http)
    serve_delisted(http)
    stocks = {s.code: s for s in provider.list_stocks()}
    expected = {
        "600519": ("贵州茅台", "SSE", "main", False),
        "000001": ("平安银行", "SZSE", "main", False),
        "300750": ("宁德时代", "SZSE", "chinext", False),
        "688981": ("中芯国际", "SSE", "star", False),
        "430047": ("诺思兰德", "BSE", "bse", False),
        "000656": ("*ST金科", "SZSE", "main", True),
        "002496": ("ST辉丰", "SZSE", "main", True),  # suspended today, still listed
    }
    for code, (name, exchange, board, st) in expected.items():
        info = stocks[code]
        assert (info.name, info.exchange, info.board, info.is_st, info.listed) == (name, exchange, board, st, True)
    assert len(http.calls) == 4  # two spot pages, the SSE list, the SZSE xlsx


def test_it_marks_the_exchanges_delisted_stocks_and_skips_b_shares(provider, http):
    serve_spot(http)
    serve_delisted(http)
    stocks = {s.code: s for s in provider.list_stocks()}
    delisted = {code: (s.exchange, s.board, s.listed_on, s.delisted_on) for code, s in stocks.items() if not s.listed}
    assert delisted == {
        "600087": ("SSE", "main", datetime.date(1997, 6, 12), datetime.date(2014, 6, 5)),
        "688086": ("SSE", "star", datetime.date(2020, 2, 26), datetime.date(2023, 8, 8)),
        "000003": ("SZSE", "main", datetime.date(1991, 7, 3), datetime.date(2002, 6, 14)),
        # Still in eastmoney's list, without a price: the SZSE list says it is gone.
        "000018": ("SZSE", "main", datetime.date(1992, 6, 16), datetime.date(2021, 7, 5)),
    }
    assert stocks["600087"].name == "退市长油"
    assert "900956" not in stocks and "200041" not in stocks  # B-shares


def test_it_lists_only_eastmoney_stocks_when_delistings_are_not_wanted(http):
    serve_spot(http)
    stocks = AkshareProvider(include_delisted=False).list_stocks()
    assert len(stocks) == 8 and all(s.listed for s in stocks)
    assert [call.request.url.split("?")[0] for call in http.calls] == [SPOT, SPOT]


def test_it_fails_the_stock_list_when_an_exchange_refuses_its_delisting_list(provider, http):
    serve_spot(http)
    http.get(SSE, status=403, body="Forbidden")
    with pytest.raises(ProviderError, match=r"stock_info_sh_delist: HTTP 403"):
        provider.list_stocks()


def test_it_reads_forward_adjusted_daily_bars_with_volume_in_shares(provider, http):
    serve_daily(http, json=recording("kline_daily_qfq_600519.json"))
    bars = provider.daily_bars("600519", JAN[2], JAN[5])
    assert list(bars.columns) == BAR_COLUMNS
    assert list(bars["date"]) == [JAN[2], JAN[3], JAN[4], JAN[5]]
    first = bars.iloc[0]
    assert (first["open"], first["high"], first["low"], first["close"]) == (1634.20, 1637.85, 1600.00, 1604.33)
    assert first["volume"] == 32153 * 100  # eastmoney's lots of 100 shares, in shares
    assert first["amount"] == 5440082381.00
    assert bars["midday"].isna().all()
    sent = http.calls[0].request.params
    assert (sent["fqt"], sent["beg"], sent["end"]) == ("1", "20240102", "20240105")  # fqt=1: qfq


def test_it_returns_an_empty_frame_for_an_unknown_code(provider, http):
    http.get(KLINE, json=recording("kline_no_data.json"), match=[query(secid="0.000000")])
    bars = provider.daily_bars("000000", JAN[2], JAN[5])
    assert bars.empty and list(bars.columns) == BAR_COLUMNS


def test_it_picks_the_close_of_the_bar_ending_at_1130_as_the_midday_price(provider, http):
    serve_60min(http, json=recording("kline_60min_qfq_600519.json"))
    midday = provider.midday_prices("600519", JAN[4], JAN[5])
    assert midday.to_dict() == {JAN[4]: 1588.75, JAN[5]: 1607.30}  # 2024-01-03 is outside the range
    assert http.calls[0].request.params["fqt"] == "1"  # adjusted like the daily bars


NO_KLINES = {"rc": 0, "data": {"code": "600519", "market": 1, "klines": []}}


@pytest.mark.parametrize("answer", [recording("kline_no_data.json"), NO_KLINES], ids=["data null", "no klines"])
def test_it_returns_no_midday_prices_when_eastmoney_has_no_intraday_bars(provider, http, answer):
    serve_60min(http, json=answer)
    assert provider.midday_prices("600519", JAN[4], JAN[5]).empty


def test_it_returns_no_midday_prices_for_days_older_than_eastmoneys_intraday_history(provider, http):
    serve_60min(http, json=recording("kline_60min_qfq_600519.json"))  # starts 2024-01-03
    assert provider.midday_prices("600519", datetime.date(2023, 6, 1), datetime.date(2023, 6, 30)).empty


def test_it_quotes_the_asked_codes_in_shanghai_time_and_flags_suspended_ones(provider, http):
    serve_spot(http)
    quotes = {q.code: q for q in provider.quotes(["600519", "002496", "999999"])}
    assert set(quotes) == {"600519", "002496"}  # the unknown code is left out
    moutai = quotes["600519"]
    prices = (moutai.price, moutai.open, moutai.high, moutai.low, moutai.prev_close)
    assert prices == (1688.0, 1680.0, 1695.5, 1675.0, 1680.94)
    assert moutai.volume == 23456 * 100 and moutai.amount == 3957000000.0 and not moutai.suspended
    assert moutai.time == FETCHED and moutai.time.utcoffset() == datetime.timedelta(hours=8)
    assert str(moutai.time.tzinfo) == "Asia/Shanghai"
    halted = quotes["002496"]
    assert halted.suspended and halted.price == 3.12 and halted.volume is None and halted.open is None


def test_it_asks_nothing_for_no_codes(provider, http):
    assert provider.quotes([]) == [] and not http.calls


def test_it_reports_a_malformed_kline_answer_naming_the_function_and_the_stock(provider, http):
    broken = recording("kline_daily_qfq_600519.json")
    broken["data"]["klines"] = ["2024-01-02,1634.20,1604.33"]  # three fields where eleven are expected
    serve_daily(http, json=broken)
    with pytest.raises(ProviderError, match=r"stock_zh_a_hist 600519: malformed answer") as raised:
        provider.daily_bars("600519", JAN[2], JAN[5])
    assert not isinstance(raised.value, TransientProviderError) and len(http.calls) == 1


def test_it_reports_an_answer_that_is_not_json(provider, http):
    serve_60min(http, body="<html>busy</html>", content_type="text/html")
    with pytest.raises(ProviderError, match=r"stock_zh_a_hist_min_em 600519: malformed answer, not JSON"):
        provider.midday_prices("600519", JAN[4], JAN[5])
    assert len(http.calls) == 1


def test_it_reports_a_spot_answer_without_the_stock_table(provider, http):
    http.get(SPOT, json={"rc": 0, "data": {"total": 8}})
    with pytest.raises(ProviderError, match=r"stock_zh_a_spot_em \(all A-shares\): malformed answer \(KeyError"):
        provider.quotes(["600519"])


def test_it_retries_after_an_http_500_and_succeeds(provider, http, waits):
    serve_daily(http, status=500, body="Internal Server Error")
    serve_daily(http, json=recording("kline_daily_qfq_600519.json"))
    bars = provider.daily_bars("600519", JAN[2], JAN[5])
    assert len(bars) == 4 and len(http.calls) == 2 and len(waits) == 1


def test_it_retries_the_market_snapshot_after_an_http_500(provider, http, akshare_does_not_sleep):
    http.get(SPOT, status=500, match=[query(pn="1")])
    serve_spot(http)
    assert [q.code for q in provider.quotes(["000001"])] == ["000001"]
    assert len(http.calls) == 3  # akshare retries the page itself, then fetches page 2
    assert len(akshare_does_not_sleep) == 2  # its retry pause and its pause between pages


def test_it_gives_up_after_repeated_timeouts_with_a_transient_error(provider, http, waits):
    serve_daily(http, body=requests.exceptions.ConnectTimeout("connect timed out"))
    gave_up = r"stock_zh_a_hist 600519: ConnectTimeout.*gave up after 4 attempts"
    with pytest.raises(TransientProviderError, match=gave_up):
        provider.daily_bars("600519", JAN[2], JAN[5])
    assert len(http.calls) == 4 and len(waits) == 3


def test_it_backs_off_and_retries_when_rate_limited(provider, http, waits):
    serve_60min(http, status=429, body="Too Many Requests")
    serve_60min(http, status=429, body="Too Many Requests")
    serve_60min(http, json=recording("kline_60min_qfq_600519.json"))
    assert len(provider.midday_prices("600519", JAN[4], JAN[5])) == 2
    assert len(http.calls) == 3 and len(waits) == 2


def test_it_does_not_retry_a_client_error(provider, http, waits):
    serve_daily(http, status=404, body="Not Found")
    with pytest.raises(ProviderError, match=r"stock_zh_a_hist 600519: HTTP 404") as raised:
        provider.daily_bars("600519", JAN[2], JAN[5])
    assert not isinstance(raised.value, TransientProviderError) and len(http.calls) == 1 and not waits


def test_it_reads_missing_spot_numbers_as_none_not_nan(provider, http):
    serve_spot(http)
    halted = {q.code: q for q in provider.quotes(["002496"])}["002496"]
    assert halted.high is None and halted.amount is None and not math.isnan(halted.price)


def test_it_gives_prices_as_floats(provider, http):
    serve_daily(http, json=recording("kline_daily_qfq_600519.json"))
    bars = provider.daily_bars("600519", JAN[2], JAN[5])
    assert all(pd.api.types.is_float_dtype(bars[c]) for c in BAR_COLUMNS if c != "date")
