"""US stocks from Yahoo Finance through yfinance.

HTTP: yfinance 1.7.0 accepts a plain `requests.Session` (`is_supported_session` allows curl_cffi or requests
sessions), so the provider hands it one and every request yfinance makes (the fc.yahoo.com cookie, the
getcrumb crumb, the v8 chart API) goes through `requests`. That keeps the tested path the real one: the tests
record at the requests layer with `responses`, and yfinance parses and adjusts the recorded chart JSON itself.
The price is that plain requests lacks curl_cffi's browser TLS fingerprint, which yfinance warns Yahoo may
throttle more readily; throttling shows up as HTTP 429, which is retried like any transient error.

yfinance hides failures by default (logs them and returns an empty frame). The provider turns that off
(`yf.config.debug.hide_exceptions = False`, process-wide, the switch yfinance's deprecation of `raise_errors`
points to) and maps what comes out:
- timeouts, connection errors, HTTP 5xx and 429 -> TransientProviderError, retried by `with_retries`. yfinance
  never calls raise_for_status on chart answers, so a response hook raises for those statuses on chart URLs;
- Yahoo's "not found" answer (HTTP 404 with a chart error) -> UnknownSymbolError, a ProviderError naming it;
- a valid symbol with no sessions in the range (yfinance's "no price data found" without a Yahoo reason, or
  Yahoo's "Data doesn't exist for startDate" reply) -> an empty frame, not an error;
- anything unparseable (bad JSON, missing keys) -> ProviderError "malformed answer".

Bars are auto-adjusted for splits and dividends (yfinance's own `auto_adjust`); `midday` is NaN (no 11:30
price from daily data); `amount` approximates turnover as close x volume, taken before the dividend
adjustment (Yahoo's close and volume are both split-adjusted, so their product is the value traded at the
close). `list_stocks` and `quotes` make one chart request (range 1d) per symbol and read its metadata.

Every symbol served trades in New York, so each Ticker gets that time zone up front (the private `_tz`):
yfinance would otherwise spend an extra chart request on it and, for unknown symbols, fall back to a
quoteSummary request that hides Yahoo's "not found". If yfinance renames the attribute, only that extra
request comes back. yfinance keeps one process-wide YfData (session, cookie, crumb); the provider's session
becomes that session whenever it builds a Ticker.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import requests
import yfinance as yf
from yfinance.exceptions import (
    YFDataException,
    YFException,
    YFPricesMissingError,
    YFRateLimitError,
    YFTickerMissingError,
)
from yfinance.utils import auto_adjust

from market.providers.base import Provider, ProviderError, Quote, StockInfo, TransientProviderError, bars_frame
from market.providers.retry import RETRYABLE_STATUS, classify_http_error, with_retries

logger = logging.getLogger(__name__)

DEFAULT_SYMBOLS = ["AAPL", "MSFT", "IBM", "GOOG"]
NEW_YORK = "America/New_York"
# Yahoo's exchange codes (chart meta `exchangeName`). NYSE American and Arca count as NYSE: same calendar.
YAHOO_EXCHANGES = {"NMS": "NASDAQ", "NGM": "NASDAQ", "NCM": "NASDAQ", "NAS": "NASDAQ",
                   "NYQ": "NYSE", "NYS": "NYSE", "ASE": "NYSE", "PCX": "NYSE"}
# Used only where Yahoo's metadata names no exchange we know.
FALLBACK_EXCHANGES = {"AAPL": "NASDAQ", "MSFT": "NASDAQ", "GOOG": "NASDAQ", "IBM": "NYSE"}
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


class UnknownSymbolError(ProviderError):
    """Yahoo does not know the symbol (never listed, or delisted and dropped)."""


def _raise_retryable_status(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    # yfinance reads chart answers without checking the status: a 503 page would surface as a JSON error
    # (permanent) and a 429 only after a second try. Raising here hands the status to classify_http_error.
    if "/v8/finance/chart/" in response.url and response.status_code in RETRYABLE_STATUS:
        response.raise_for_status()


def new_session() -> requests.Session:
    session = requests.Session()
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "*/*", "Accept-Language": "en-US,en;q=0.5"})
    return session


class YahooProvider(Provider):
    name = "yfinance"
    calendar = "XNYS"

    def __init__(
        self,
        symbols: Sequence[str] | None = None,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        attempts: int = 4,
        timeout: float = 10.0,
    ) -> None:
        self.symbols = [s.strip().upper() for s in (symbols or DEFAULT_SYMBOLS) if s.strip()]
        self.session = session or new_session()
        if _raise_retryable_status not in self.session.hooks["response"]:
            self.session.hooks["response"].append(_raise_retryable_status)  # for a caller's own session too
        self.sleep = sleep
        self.attempts = attempts
        self.timeout = timeout
        yf.config.debug.hide_exceptions = False  # errors must reach us, not yfinance's log

    # -- interface ---------------------------------------------------------------------------------------

    def list_stocks(self) -> list[StockInfo]:
        stocks = []
        for symbol in self.symbols:
            try:
                _, meta = self._fetch(symbol, period="1d")
            except UnknownSymbolError as exc:
                # Left out, so the sync marks it delisted (guarded there against a short list).
                logger.warning("%s", exc)
                continue
            first = meta.get("firstTradeDate")
            stocks.append(
                StockInfo(
                    code=symbol,
                    name=str(meta.get("longName") or meta.get("shortName") or ""),
                    exchange=self._exchange(symbol, meta),
                    board="us",
                    listed_on=first.date() if isinstance(first, pd.Timestamp) else None,
                )
            )
        return stocks

    def daily_bars(self, code: str, start: datetime.date, end: datetime.date) -> pd.DataFrame:
        symbol = code.upper()
        # yfinance's end is exclusive (midnight in the exchange's zone); ours is inclusive.
        frame, _ = self._fetch(symbol, start=start.isoformat(), end=(end + datetime.timedelta(days=1)).isoformat())
        if frame.empty:
            return bars_frame([])
        try:
            amount = frame["Close"] * frame["Volume"]  # before adjusting: split-adjusted close x volume
            adjusted = auto_adjust(frame)
            bars = pd.DataFrame(
                {
                    "date": list(frame.index.tz_convert(NEW_YORK).date),
                    "open": adjusted["Open"].to_numpy(float),
                    "midday": float("nan"),
                    "high": adjusted["High"].to_numpy(float),
                    "low": adjusted["Low"].to_numpy(float),
                    "close": adjusted["Close"].to_numpy(float),
                    "volume": frame["Volume"].to_numpy(float),
                    "amount": amount.to_numpy(float),
                }
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProviderError(f"{symbol}: malformed answer from Yahoo ({type(exc).__name__}: {exc})") from None
        bars = bars[(bars["date"] >= start) & (bars["date"] <= end)]
        return bars_frame(bars.sort_values("date").to_dict("records"))

    def quotes(self, codes: Sequence[str]) -> list[Quote]:
        quotes = []
        for code in codes:
            symbol = code.upper()
            try:
                frame, meta = self._fetch(symbol, period="1d")
            except UnknownSymbolError as exc:
                logger.warning("%s", exc)  # the interface leaves unknown codes out
                continue
            price, when = meta.get("regularMarketPrice"), meta.get("regularMarketTime")
            if price is None or not isinstance(when, pd.Timestamp):
                raise ProviderError(f"{symbol}: malformed answer from Yahoo (no regularMarketPrice/Time)")
            # Today's open only from a bar of the quote's own session, not an older one.
            today = frame[frame.index.date == when.date()] if not frame.empty else frame
            quotes.append(
                Quote(
                    code=symbol,
                    price=float(price),
                    time=when.to_pydatetime(),
                    open=float(today["Open"].iloc[-1]) if len(today) else None,
                    high=_float(meta.get("regularMarketDayHigh")),
                    low=_float(meta.get("regularMarketDayLow")),
                    prev_close=_float(meta.get("previousClose", meta.get("chartPreviousClose"))),
                    volume=int(meta["regularMarketVolume"]) if meta.get("regularMarketVolume") is not None else None,
                )
            )
        return quotes

    # -- yfinance ------------------------------------------------------------------------------------------

    def _fetch(self, symbol: str, **window: str) -> tuple[pd.DataFrame, dict[str, Any]]:
        """One chart request (retried when transient): unadjusted daily bars and the chart metadata."""
        return with_retries(
            lambda: self._fetch_once(symbol, window), what=f"yfinance {symbol}", attempts=self.attempts,
            sleep=self.sleep,
        )

    def _fetch_once(self, symbol: str, window: dict[str, str]) -> tuple[pd.DataFrame, dict[str, Any]]:
        what = f"yfinance {symbol}"
        ticker = yf.Ticker(symbol, session=self.session)
        ticker._tz = NEW_YORK  # all our symbols trade in New York: skip the time-zone lookup (module doc)
        try:
            frame = ticker.history(interval="1d", auto_adjust=False, actions=False, timeout=self.timeout, **window)
            return frame, _metadata(ticker)
        except YFPricesMissingError as exc:
            reason = exc.yahoo_reason
            if reason is None or reason.startswith("Data doesn't exist"):
                # A known symbol with no sessions in the range; without metadata the answer was not Yahoo's.
                meta = _metadata(ticker)
                if reason is None and meta.get("symbol") is None:
                    raise ProviderError(f"{symbol}: malformed answer from Yahoo (no chart result)") from None
                return pd.DataFrame(), meta
            raise UnknownSymbolError(f"{symbol}: unknown to Yahoo ({reason})") from None
        except YFTickerMissingError as exc:
            raise UnknownSymbolError(f"{symbol}: unknown to Yahoo ({exc.rationale})") from None
        except YFRateLimitError:
            raise TransientProviderError(f"{what}: rate limited (HTTP 429)") from None
        except requests.exceptions.JSONDecodeError as exc:
            raise ProviderError(f"{symbol}: malformed answer from Yahoo (not JSON: {exc})") from None
        except requests.RequestException as exc:
            raise classify_http_error(exc, what) from None
        except YFDataException as exc:
            if "CURRENTLY DOWN" in str(exc):  # Yahoo's "Will be right back" page served with HTTP 200
                raise TransientProviderError(f"{what}: Yahoo Finance is down") from None
            raise ProviderError(f"{symbol}: {exc}") from None
        except YFException as exc:
            raise ProviderError(f"{symbol}: {exc}") from None
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise ProviderError(f"{symbol}: malformed answer from Yahoo ({type(exc).__name__}: {exc})") from None

    @staticmethod
    def _exchange(symbol: str, meta: dict[str, Any]) -> str:
        exchange = YAHOO_EXCHANGES.get(str(meta.get("exchangeName"))) or FALLBACK_EXCHANGES.get(symbol)
        if exchange is None:
            raise ProviderError(f"{symbol}: exchange {meta.get('exchangeName')!r} is neither NYSE nor Nasdaq")
        return exchange


def _metadata(ticker: yf.Ticker) -> dict[str, Any]:
    """The chart metadata of the last request, as a plain dict (times as tz-aware Timestamps)."""
    meta = ticker.history_metadata
    # Not items(): its lazy `tradingPeriods` key would fire an extra intraday request.
    return {key: meta[key] for key in meta.keys() if key != "tradingPeriods"}


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
