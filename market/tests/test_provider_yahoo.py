"""YahooProvider on recorded Yahoo answers, served at the requests layer by `responses`.

yfinance runs for real: it fetches its cookie (fc.yahoo.com) and crumb (getcrumb), requests the v8 chart API
and parses and adjusts the JSON itself; only the HTTP answers are recorded (recordings/yahoo/). Payloads are
in the shape of Yahoo's chart API, with AAPL's week of 5-9 Feb 2024 (Friday the 9th its ex-dividend day,
0.24 USD) and a quote taken after the close on Monday 12 Feb 2024.
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from responses import matchers
from yfinance import cache as yf_cache
from yfinance.data import SingletonMeta, YfData

from market.providers.base import BAR_COLUMNS, ProviderError, TransientProviderError
from market.providers.yahoo import UnknownSymbolError, YahooProvider

RECORDINGS = Path(__file__).parent / "recordings" / "yahoo"
CHART = "https://query2.finance.yahoo.com/v8/finance/chart/"
HANDSHAKE = json.loads((RECORDINGS / "handshake.json").read_text())
CRUMB = HANDSHAKE["crumb"]["body"]
# period1/period2 as yfinance sends them: midnight in New York, end exclusive (the day after ours).
WEEK = {"period1": "1707109200", "period2": "1707541200", "interval": "1d"}
WEEKEND = {"period1": "1707541200", "period2": "1707714000", "interval": "1d"}
ONE_DAY = {"range": "1d", "interval": "1d"}


def recording(name: str) -> str:
    return (RECORDINGS / name).read_text()


@pytest.fixture
def yahoo(monkeypatch: pytest.MonkeyPatch) -> Iterator[responses.RequestsMock]:
    # yfinance keeps process-wide state: one YfData (cookie, crumb, cookie strategy, response cache) and sqlite
    # caches under the user's cache folder. A fresh YfData and yfinance's own no-op caches make every test
    # see the whole exchange (cookie, crumb, chart) and write nothing outside it.
    monkeypatch.delitem(SingletonMeta._instances, YfData, raising=False)
    monkeypatch.setattr(yf_cache._TzCacheManager, "_tz_cache", yf_cache._TzCacheDummy())
    monkeypatch.setattr(yf_cache._CookieCacheManager, "_Cookie_cache", yf_cache._CookieCacheDummy())
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        cookie, crumb = HANDSHAKE["cookie"], HANDSHAKE["crumb"]
        mock.get(cookie["url"], status=cookie["status"], body=cookie["body"], content_type=cookie["content_type"],
                 headers={"Set-Cookie": cookie["set_cookie"]})
        mock.get(crumb["url"], status=crumb["status"], body=crumb["body"], content_type=crumb["content_type"])
        yield mock


def chart(mock: responses.RequestsMock, symbol: str, params: dict[str, str], **answer: Any) -> None:
    """Serve one chart answer for exactly this symbol and window (the crumb and other parameters aside)."""
    answer.setdefault("content_type", "application/json;charset=utf-8")
    mock.get(CHART + symbol, match=[matchers.query_param_matcher(params, strict_match=False)], **answer)


def chart_calls(mock: responses.RequestsMock) -> list[Any]:
    return [call for call in mock.calls if call.request.url.startswith(CHART)]


def test_daily_bars_are_split_and_dividend_adjusted_with_new_york_dates(yahoo: responses.RequestsMock) -> None:
    chart(yahoo, "AAPL", WEEK, body=recording("aapl_2024-02-05_2024-02-09.json"))

    bars = YahooProvider(["AAPL"]).daily_bars("AAPL", datetime.date(2024, 2, 5), datetime.date(2024, 2, 9))

    assert list(bars.columns) == BAR_COLUMNS
    assert list(bars["date"]) == [datetime.date(2024, 2, day) for day in (5, 6, 7, 8, 9)]
    thursday, friday = bars.iloc[3], bars.iloc[4]
    # The day before the ex-date drops by the 0.24 dividend; open/high/low by the same factor.
    assert thursday["close"] == pytest.approx(188.32 - 0.24, abs=1e-4)
    assert thursday["open"] == pytest.approx(189.39 * (1 - 0.24 / 188.32), abs=1e-4)
    assert bars.iloc[0]["close"] == pytest.approx(187.68 * (1 - 0.24 / 188.32), abs=1e-4)
    # From the ex-date on, prices are as traded.
    assert (friday["open"], friday["high"], friday["low"], friday["close"]) == pytest.approx(
        (188.65, 189.99, 188.00, 188.85), abs=1e-4
    )
    assert friday["volume"] == 45155200
    assert friday["amount"] == pytest.approx(188.85 * 45155200, rel=1e-6)  # unadjusted close x volume
    assert thursday["amount"] == pytest.approx(188.32 * 40962000, rel=1e-6)
    assert bars["midday"].isna().all()
    # yfinance's handshake ran from a fresh state (its basic strategy asks fc.yahoo.com twice: once for the
    # cookie, once more before the crumb) and the crumb went with the chart request.
    assert [c.request.url.split("?")[0] for c in yahoo.calls] == [
        "https://fc.yahoo.com/", "https://fc.yahoo.com/", "https://query1.finance.yahoo.com/v1/test/getcrumb",
        CHART + "AAPL",
    ]
    assert chart_calls(yahoo)[0].request.params["crumb"] == CRUMB


# Yahoo's two ways of saying "no sessions here" for a known symbol: a result without timestamps, or (for some
# ranges, e.g. before the listing) HTTP 400 with this chart error.
NO_DATA_IN_RANGE = json.dumps({"chart": {"result": None, "error": {
    "code": "Bad Request", "description": "Data doesn't exist for startDate = 1707541200, endDate = 1707714000"}}})


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param({"body": recording("aapl_2024-02-10_2024-02-11.json")}, id="result without timestamps"),
        pytest.param({"status": 400, "body": NO_DATA_IN_RANGE}, id="data does not exist error"),
    ],
)
def test_a_range_without_sessions_gives_an_empty_frame_not_an_error(
    yahoo: responses.RequestsMock, answer: dict[str, Any]
) -> None:
    chart(yahoo, "AAPL", WEEKEND, **answer)

    bars = YahooProvider(["AAPL"]).daily_bars("AAPL", datetime.date(2024, 2, 10), datetime.date(2024, 2, 11))

    assert bars.empty
    assert list(bars.columns) == BAR_COLUMNS


def test_an_unknown_symbol_is_a_provider_error_naming_it(yahoo: responses.RequestsMock) -> None:
    # Yahoo answers 404; yfinance then retries once with its consent-cookie strategy, whose guce.yahoo.com
    # request is not recorded: responses refuses it like an unreachable host, which yfinance tolerates.
    chart(yahoo, "NOSUCH", WEEK, status=404, body=recording("not_found.json"))

    with pytest.raises(UnknownSymbolError, match="NOSUCH: unknown to Yahoo .No data found"):
        YahooProvider(["NOSUCH"]).daily_bars("NOSUCH", datetime.date(2024, 2, 5), datetime.date(2024, 2, 9))
    assert len(chart_calls(yahoo)) == 2


def _without_indicators(text: str) -> str:
    payload = json.loads(text)
    del payload["chart"]["result"][0]["indicators"]
    return json.dumps(payload)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(lambda text: text[:700], "not JSON", id="truncated JSON"),
        pytest.param(_without_indicators, "KeyError", id="chart result without indicators"),
        pytest.param(lambda text: '{"chart":{"result":null,"error":null}}', "no chart result", id="no result"),
    ],
)
def test_a_malformed_payload_is_a_permanent_error_not_empty_data(
    yahoo: responses.RequestsMock, body: Any, message: str
) -> None:
    chart(yahoo, "AAPL", WEEK, body=body(recording("aapl_2024-02-05_2024-02-09.json")))
    sleeps: list[float] = []

    with pytest.raises(ProviderError, match=f"AAPL: malformed answer from Yahoo .*{message}") as raised:
        YahooProvider(["AAPL"], sleep=sleeps.append).daily_bars(
            "AAPL", datetime.date(2024, 2, 5), datetime.date(2024, 2, 9)
        )
    assert not isinstance(raised.value, TransientProviderError)
    assert sleeps == [] and len(chart_calls(yahoo)) == 1  # not retried


def test_an_http_5xx_is_retried_and_the_next_answer_used(yahoo: responses.RequestsMock) -> None:
    chart(yahoo, "AAPL", WEEK, status=503, body="<html><body>Will be right back...</body></html>",
          content_type="text/html")
    chart(yahoo, "AAPL", WEEK, body=recording("aapl_2024-02-05_2024-02-09.json"))
    sleeps: list[float] = []

    bars = YahooProvider(["AAPL"], sleep=sleeps.append).daily_bars(
        "AAPL", datetime.date(2024, 2, 5), datetime.date(2024, 2, 9)
    )

    assert len(bars) == 5 and bars.iloc[-1]["close"] == pytest.approx(188.85, abs=1e-4)
    assert [c.response.status_code for c in chart_calls(yahoo)] == [503, 200]
    assert len(sleeps) == 1


def test_timeouts_are_retried_then_raised_as_transient(yahoo: responses.RequestsMock) -> None:
    chart(yahoo, "AAPL", WEEK, body=requests.exceptions.ReadTimeout("read timed out (10 s)"))
    sleeps: list[float] = []

    with pytest.raises(TransientProviderError, match="ReadTimeout.*gave up after 3 attempts"):
        YahooProvider(["AAPL"], sleep=sleeps.append, attempts=3).daily_bars(
            "AAPL", datetime.date(2024, 2, 5), datetime.date(2024, 2, 9)
        )
    assert len(chart_calls(yahoo)) == 3 and len(sleeps) == 2


def test_rate_limiting_is_transient_and_retried(yahoo: responses.RequestsMock) -> None:
    chart(yahoo, "AAPL", WEEK, status=429, body="Too Many Requests\r\n", content_type="text/plain")
    sleeps: list[float] = []

    with pytest.raises(TransientProviderError, match=r"rate limited \(HTTP 429\).*gave up after 2 attempts"):
        YahooProvider(["AAPL"], sleep=sleeps.append, attempts=2).daily_bars(
            "AAPL", datetime.date(2024, 2, 5), datetime.date(2024, 2, 9)
        )
    assert len(chart_calls(yahoo)) == 2 and len(sleeps) == 1


def test_stocks_are_listed_with_the_exchange_from_yahoos_metadata(yahoo: responses.RequestsMock) -> None:
    chart(yahoo, "AAPL", ONE_DAY, body=recording("aapl_1d.json"))
    chart(yahoo, "IBM", ONE_DAY, body=recording("ibm_1d.json"))
    chart(yahoo, "NOSUCH", ONE_DAY, status=404, body=recording("not_found.json"))

    stocks = YahooProvider(["aapl", "IBM", "NOSUCH"]).list_stocks()

    assert [(s.code, s.name, s.exchange, s.board, s.listed_on) for s in stocks] == [
        ("AAPL", "Apple Inc.", "NASDAQ", "us", datetime.date(1980, 12, 12)),
        ("IBM", "International Business Machines Corporation", "NYSE", "us", datetime.date(1962, 1, 2)),
    ]  # NOSUCH left out: the stock-list sync then marks it delisted


def test_quotes_carry_the_latest_price_with_a_timezone_aware_time(yahoo: responses.RequestsMock) -> None:
    chart(yahoo, "AAPL", ONE_DAY, body=recording("aapl_1d.json"))
    chart(yahoo, "NOSUCH", ONE_DAY, status=404, body=recording("not_found.json"))

    quotes = YahooProvider().quotes(["AAPL", "NOSUCH"])

    assert [q.code for q in quotes] == ["AAPL"]
    quote = quotes[0]
    assert quote.price == 187.15
    assert quote.time == datetime.datetime(2024, 2, 12, 21, 0, 1, tzinfo=datetime.timezone.utc)
    assert quote.time.utcoffset() == datetime.timedelta(hours=-5)  # New York, EST
    assert (quote.open, quote.high, quote.low, quote.prev_close, quote.volume) == (
        pytest.approx(188.42, abs=1e-4), 188.67, 186.79, 188.85, 41781900
    )
    assert not quote.suspended and not math.isnan(quote.price)
