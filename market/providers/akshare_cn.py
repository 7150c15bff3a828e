"""A-share market data through akshare: eastmoney for prices and the stock list, SSE/SZSE for delistings.

What each method asks for (akshare 1.19.5, all plain `requests`, no JS engine or curl_cffi on these paths):
- list_stocks, quotes: stock_zh_a_spot_em -> push2.eastmoney.com/api/qt/clist/get, the whole SH+SZ+BJ
  market 100 stocks a page; akshare pauses 0.5-1.5 s between pages, so one call takes about a minute.
- list_stocks (delisted): stock_info_sh_delist -> query.sse.com.cn/commonQuery.do (JSON) and
  stock_info_sz_delist -> www.szse.cn/api/report/ShowReport (an xlsx). The BSE has no such list in akshare.
- daily_bars: stock_zh_a_hist(adjust="qfq") -> push2his.eastmoney.com/api/qt/stock/kline/get, klt=101.
- midday_prices: stock_zh_a_hist_min_em(period="60", adjust="qfq"), the same endpoint with klt=60.
  Eastmoney keeps only recent intraday history, so older dates get no midday price (they are left out).
"""

from __future__ import annotations

import datetime
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import akshare.stock.stock_info as ak_info
import akshare.stock_feature.stock_hist_em as ak_hist
import pandas as pd
import requests

from market.codes import classify_a_share, is_st_name
from market.providers.base import (
    BAR_COLUMNS,
    Provider,
    ProviderError,
    Quote,
    StockInfo,
    TransientProviderError,
    empty_bars,
)
from market.providers.retry import classify_http_error, with_retries

T = TypeVar("T")
logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
TIMEOUT = 15.0  # seconds; akshare's stock_zh_a_hist and the delist lists would otherwise wait forever
LOT = 100  # eastmoney reports volume in lots (手) of 100 shares; the interface wants shares
MIDDAY = datetime.time(11, 30)
# Errors akshare's parsing raises on an answer that is not the expected shape.
MALFORMED = (KeyError, ValueError, TypeError, IndexError, AttributeError, ZeroDivisionError)

_last = threading.local()


class _CheckedRequests:
    """Stands in for `requests` inside the akshare modules used here.

    akshare's eastmoney history and exchange-list functions parse whatever body comes back, so an HTTP 500
    or 429 would surface as a JSON error and never be retried. This `get` raises on HTTP errors, sets a
    timeout where akshare gives none, and keeps the last answer so an empty one can be told from a broken one.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(requests, name)

    def get(self, url: str, params: Any = None, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = TIMEOUT
        response = requests.get(url, params=params, **kwargs)
        _last.response = response
        response.raise_for_status()
        return response


ak_hist.requests = _CheckedRequests()  # type: ignore[attr-defined]
ak_info.requests = _CheckedRequests()  # type: ignore[attr-defined]


def _no_klines_answer() -> bool:
    """Whether the last eastmoney kline answer said "no data" (data null or no klines) rather than being broken."""
    response = getattr(_last, "response", None)
    try:
        data = response.json()["data"]  # type: ignore[union-attr]
    except (AttributeError, KeyError, TypeError, ValueError):
        return False
    return data is None or (isinstance(data, dict) and data.get("klines") == [])


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ProviderError(f"{what}: malformed answer, missing columns {', '.join(missing)}")


class AkshareProvider(Provider):
    name = "akshare"
    calendar = "XSHG"

    def __init__(
        self,
        *,
        attempts: int = 4,
        base_delay: float = 1.0,
        max_delay: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime.datetime] | None = None,
        include_delisted: bool = True,
    ) -> None:
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self.now = now or (lambda: datetime.datetime.now(SHANGHAI))
        self.include_delisted = include_delisted

    def _call(self, what: str, func: Callable[..., T], empty: T | None = None, **kwargs: Any) -> T:
        """Call an akshare function with retries on transient errors only; `empty` is returned for a no-data answer."""

        def attempt() -> T:
            _last.response = None
            try:
                return func(**kwargs)
            except requests.exceptions.JSONDecodeError as exc:  # before RequestException: it is one too
                raise ProviderError(f"{what}: malformed answer, not JSON ({exc})") from exc
            except requests.exceptions.ChunkedEncodingError as exc:  # the connection dropped mid-answer
                raise TransientProviderError(f"{what}: {type(exc).__name__}: {exc}") from exc
            except requests.RequestException as exc:
                raise classify_http_error(exc, what) from exc
            except MALFORMED as exc:
                if empty is not None and _no_klines_answer():
                    return empty
                raise ProviderError(f"{what}: malformed answer ({type(exc).__name__}: {exc})") from exc

        return with_retries(
            attempt, what=what, attempts=self.attempts, base_delay=self.base_delay, max_delay=self.max_delay,
            sleep=self.sleep,
        )

    def _spot(self) -> pd.DataFrame:
        what = "akshare stock_zh_a_spot_em (all A-shares)"
        frame = self._call(what, ak_hist.stock_zh_a_spot_em)
        _require(frame, ["代码", "名称", "最新价", "最高", "最低", "今开", "昨收", "成交量", "成交额"], what)
        return frame

    def _delisted(self) -> dict[str, tuple[str, datetime.date | None, datetime.date | None]]:
        """code -> (name, listed on, delisted on) from the Shanghai and Shenzhen exchanges' delisting lists."""
        found: dict[str, tuple[str, datetime.date | None, datetime.date | None]] = {}
        sources = [
            (ak_info.stock_info_sh_delist, {"symbol": "全部"}, ("公司代码", "公司简称", "上市日期", "暂停上市日期")),
            (ak_info.stock_info_sz_delist, {"symbol": "终止上市公司"}, ("证券代码", "证券简称", "上市日期", "终止上市日期")),
        ]
        for func, kwargs, columns in sources:
            what = f"akshare {func.__name__}"
            frame = self._call(what, func, **kwargs)
            if frame.empty:
                continue
            _require(frame, columns, what)
            for code, name, listed_on, delisted_on in frame[list(columns)].itertuples(index=False):
                found[str(code).strip().zfill(6)] = (str(name), _date(listed_on), _date(delisted_on))
        return found

    def list_stocks(self) -> list[StockInfo]:
        spot = self._spot()
        delisted = self._delisted() if self.include_delisted else {}
        stocks: dict[str, StockInfo] = {}
        for code, name, price in spot[["代码", "名称", "最新价"]].itertuples(index=False):
            code, name = str(code), str(name)
            gone = delisted.get(code)
            # Eastmoney keeps some terminated stocks in its list, without a price: the exchange's list wins then.
            if gone and _number(price) is None:
                info = _info(code, name, False, gone[1], gone[2])
            else:
                info = _info(code, name, True, None, None)
            if info:
                stocks[code] = info
        for code, (name, listed_on, delisted_on) in delisted.items():
            if code not in stocks:
                info = _info(code, name, False, listed_on, delisted_on)
                if info:
                    stocks[code] = info
        return sorted(stocks.values(), key=lambda info: info.code)

    def daily_bars(self, code: str, start: datetime.date, end: datetime.date) -> pd.DataFrame:
        what = f"akshare stock_zh_a_hist {code}"
        raw = self._call(
            what, ak_hist.stock_zh_a_hist, symbol=code, period="daily", start_date=start.strftime("%Y%m%d"),
            end_date=end.strftime("%Y%m%d"), adjust="qfq", timeout=TIMEOUT,
        )
        if raw.empty:  # unknown code or no bars in range: akshare returns a bare DataFrame()
            return empty_bars()
        _require(raw, ["日期", "开盘", "收盘", "最高", "最低", "成交量", "成交额"], what)
        # Eastmoney answers oldest first. Volume comes in lots of 100 shares, converted to shares; amount is CNY.
        columns = {"open": "开盘", "high": "最高", "low": "最低", "close": "收盘", "amount": "成交额"}
        bars = pd.DataFrame(
            {"date": raw["日期"], **{ours: raw[theirs].astype(float) for ours, theirs in columns.items()}}
        )
        bars["volume"] = raw["成交量"].astype(float) * LOT
        bars["midday"] = math.nan  # the 60-minute bars give it: midday_prices
        return bars[BAR_COLUMNS].reset_index(drop=True)

    def midday_prices(self, code: str, start: datetime.date, end: datetime.date) -> pd.Series:
        what = f"akshare stock_zh_a_hist_min_em {code}"
        raw = self._call(
            what, ak_hist.stock_zh_a_hist_min_em, empty=pd.DataFrame(), symbol=code, period="60", adjust="qfq",
            start_date=f"{start.isoformat()} 09:00:00", end_date=f"{end.isoformat()} 15:30:00",
        )
        if raw.empty:
            return pd.Series(dtype=float)
        _require(raw, ["时间", "收盘"], what)
        # Each 60-minute bar is stamped with its end: 10:30, 11:30, 14:00, 15:00. The 11:30 one closes the morning.
        times = pd.to_datetime(raw["时间"], errors="coerce")
        at_noon = (times.dt.time == MIDDAY).to_numpy()
        closes = raw["收盘"].to_numpy(dtype=float)[at_noon]
        return pd.Series(closes, index=pd.Index(times[at_noon].dt.date.to_list(), name="date"), name="midday")

    def quotes(self, codes: Sequence[str]) -> list[Quote]:
        wanted = set(codes)
        if not wanted:
            return []
        spot = self._spot()
        # The payload carries no quote time: take the moment the last page arrived, in exchange time.
        at = self.now().astimezone(SHANGHAI)
        quotes = []
        for row in spot[spot["代码"].isin(wanted)].to_dict("records"):
            price, prev_close = _number(row["最新价"]), _number(row["昨收"])
            suspended = price is None  # eastmoney shows "-" for a stock that has not traded today
            volume = _number(row["成交量"])
            quotes.append(
                Quote(
                    code=str(row["代码"]),
                    price=price if price is not None else (prev_close if prev_close is not None else math.nan),
                    time=at,
                    open=_number(row["今开"]),
                    high=_number(row["最高"]),
                    low=_number(row["最低"]),
                    prev_close=prev_close,
                    volume=None if suspended or volume is None else int(volume * LOT),  # lots -> shares
                    amount=None if suspended else _number(row["成交额"]),
                    suspended=suspended,
                )
            )
        return quotes


def _date(value: Any) -> datetime.date | None:
    if value is None or pd.isna(value):  # before the datetime test: NaT is a datetime
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    parsed = pd.to_datetime(value, errors="coerce")
    return None if pd.isna(parsed) else parsed.date()


def _info(
    code: str, name: str, listed: bool, listed_on: datetime.date | None, delisted_on: datetime.date | None
) -> StockInfo | None:
    try:
        exchange, board = classify_a_share(code)
    except ValueError:  # B-shares (900xxx, 200xxx) and other non-A-share codes in the exchanges' lists
        logger.debug("akshare: skipping %s %s, not an A-share code", code, name)
        return None
    return StockInfo(
        code=code, name=name, exchange=str(exchange), board=str(board), is_st=is_st_name(name), listed=listed,
        listed_on=listed_on, delisted_on=delisted_on,
    )
