"""Alpaca Trading API v2 over HTTP (US equities; whole shares, no T+1 lock).

Paper accounts talk to https://paper-api.alpaca.markets, live ones to https://api.alpaca.markets; latest
trade prices come from the market-data API (https://data.alpaca.markets). Credentials are
{"key_id": ..., "secret_key": ...}; they live only in the session headers and never in a message or log
line (every message we build is scrubbed of them as well). Dates are US trading days (America/New_York).

Order status mapping, Alpaca -> ours (trading.models.Order.Status):
    filled                                              -> filled
    canceled                                            -> cancelled
    replaced                                            -> cancelled (its successor has another client id;
                                                           we never replace, so only a manual edit does this)
    expired                                             -> expired
    rejected                                            -> rejected
    calculated                                          -> filled when all shares filled, else as "open"
    open: new, accepted, pending_new, accepted_for_bidding, partially_filled, done_for_day, pending_cancel,
          pending_replace, suspended, stopped           -> partially_filled when some shares filled, else submitted
    anything else (a status Alpaca adds later)          -> as "open", with a warning (polled again, never lost)
pending_cancel stays open on purpose: the order can still fill until Alpaca confirms the cancel.
"""

from __future__ import annotations

import datetime
import logging
import random
import time
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import requests

from brokers.base import (
    AccountState, Broker, BrokerError, BrokerFill, BrokerOrder, BrokerPosition, InsufficientFunds, NotPermitted,
    OrderRejected, OrderRequest, RetryableBrokerError,
)
from brokers.crypto import CredentialsError
from brokers.models import BrokerAccount

logger = logging.getLogger(__name__)
T = TypeVar("T")

PAPER_URL = "https://paper-api.alpaca.markets"
LIVE_URL = "https://api.alpaca.markets"
DATA_URL = "https://data.alpaca.markets"
TIMEOUT = 10.0  # seconds, on every request: a hung socket must not hold a worker
NEW_YORK = ZoneInfo("America/New_York")
ORDERS_PAGE = 500  # the most GET /v2/orders returns at once
ACTIVITIES_PAGE = 100  # the most one page of account activities holds
QUOTES_CHUNK = 100  # symbols per latest-trades request, to keep the URL short
CREDENTIAL_KEYS = ("key_id", "secret_key")

_FINAL = {"filled": "filled", "canceled": "cancelled", "replaced": "cancelled", "expired": "expired",
          "rejected": "rejected"}
_OPEN = frozenset({"new", "accepted", "pending_new", "accepted_for_bidding", "partially_filled", "done_for_day",
                   "pending_cancel", "pending_replace", "suspended", "stopped", "calculated"})
_PLAIN = frozenset({"new", "partially_filled", "filled", "canceled", "expired"})  # need no explaining


def map_status(alpaca_status: str, quantity: int, filled: int) -> str:
    """Our Order.Status value for an Alpaca order status (see the module docstring)."""
    if alpaca_status in _FINAL:
        return _FINAL[alpaca_status]
    if alpaca_status == "calculated" and 0 < quantity <= filled:
        return "filled"
    if alpaca_status not in _OPEN:
        logger.warning("Alpaca order status %r is unknown; treating the order as open", alpaca_status)
    return "partially_filled" if filled > 0 else "submitted"


def with_retries(call: Callable[[], T], *, what: str, attempts: int = 4, base_delay: float = 0.5,
                 max_delay: float = 8.0, sleep: Callable[[float], None] = time.sleep) -> T:
    """Retry RetryableBrokerError only: exponential backoff with full jitter, `attempts` tries in all."""
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except RetryableBrokerError as exc:
            if attempt == attempts:
                raise RetryableBrokerError(f"{exc} (gave up after {attempts} attempts)",
                                           broker_message=exc.broker_message) from exc
            delay = random.uniform(0, min(max_delay, base_delay * 2 ** (attempt - 1)))
            logger.warning("%s: %s; retrying in %.1f s (attempt %d of %d)", what, exc, delay, attempt + 1, attempts)
            sleep(delay)
    raise AssertionError("unreachable")


class AlpacaRefused(BrokerError):
    """Alpaca answered 4xx (other than 401/429): permanent; status and Alpaca's own message kept."""

    def __init__(self, message: str, *, status: int, broker_message: str) -> None:
        super().__init__(message, broker_message=broker_message)
        self.status = status


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def _opt_dec(value: Any) -> Decimal | None:
    return None if value in (None, "") else _dec(value)


def _int(value: Any) -> int:
    return int(_dec(value or 0))  # Alpaca sends quantities as strings; fractional ones truncate (we send none)


def _when(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)  # 3.11 reads "Z" and nanosecond fractions


def _day_bounds(start: datetime.date, end: datetime.date) -> tuple[str, str]:
    """`after`/`until` for US trading days start..end inclusive: New York midnights, sent in UTC."""
    def utc(day: datetime.date) -> str:
        moment = datetime.datetime.combine(day, datetime.time(0), tzinfo=NEW_YORK).astimezone(datetime.UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return utc(start), utc(end + datetime.timedelta(days=1))


def _check_request(request: OrderRequest) -> None:
    """Refuse a malformed order before anything is sent."""
    problems = []
    if not request.client_order_id or len(request.client_order_id) > 128:
        problems.append("the client order id must be 1 to 128 characters")
    if not request.code:
        problems.append("the order has no symbol")
    if request.side not in ("buy", "sell"):
        problems.append(f"side must be buy or sell, not {request.side!r}")
    if request.order_type not in ("limit", "market"):
        problems.append(f"order type must be limit or market, not {request.order_type!r}")
    if isinstance(request.quantity, bool) or not isinstance(request.quantity, int) or request.quantity <= 0:
        problems.append(f"quantity must be a positive whole number of shares, not {request.quantity!r}")
    if request.order_type == "limit" and (request.limit_price is None or not request.limit_price > 0):
        problems.append(f"a limit order needs a positive limit price, not {request.limit_price!r}")
    if problems:
        raise OrderRejected("; ".join(problems))


class AlpacaBroker(Broker):
    name = "alpaca"
    t_plus_one = False  # US equities: shares bought today may be sold today
    lot_size = 1  # whole shares; fractional orders are not used
    attempts = 4

    def __init__(self, account: BrokerAccount, *, sleep: Callable[[float], None] = time.sleep,
                 timeout: float = TIMEOUT) -> None:
        super().__init__(account)
        self.base_url = LIVE_URL if account.is_live else PAPER_URL
        self._sleep = sleep
        self._timeout = timeout
        self._http: requests.Session | None = None

    # -- HTTP -----------------------------------------------------------------------------------------

    def _session(self) -> requests.Session:
        if self._http is None:
            try:
                credentials = self.account_row.get_credentials()
            except CredentialsError as exc:
                raise BrokerError(str(exc)) from None
            for key in CREDENTIAL_KEYS:  # name the missing key, never echo a value
                value = credentials.get(key)
                if not isinstance(value, str) or not value.strip():
                    raise BrokerError(f"Alpaca account {self.account_row.name!r}: the credentials have no {key!r} "
                                      f"(Alpaca needs {' and '.join(CREDENTIAL_KEYS)})")
            http = requests.Session()
            http.headers.update({"APCA-API-KEY-ID": credentials["key_id"].strip(),
                                 "APCA-API-SECRET-KEY": credentials["secret_key"].strip()})
            self._http = http
        return self._http

    def _scrub(self, text: str) -> str:
        """Belt and braces: no credential value survives into a message, whatever produced the text."""
        if self._http is not None:
            for header in ("APCA-API-KEY-ID", "APCA-API-SECRET-KEY"):
                secret = str(self._http.headers.get(header) or "")
                if secret:
                    text = text.replace(secret, "***")
        return text

    def _request(self, method: str, path: str, *, what: str, params: dict[str, Any] | None = None,
                 body: dict[str, Any] | None = None, base: str | None = None) -> Any:
        url = (base or self.base_url) + path
        return with_retries(lambda: self._once(method, url, what, params, body), what=f"Alpaca {what}",
                            attempts=self.attempts, sleep=self._sleep)

    def _once(self, method: str, url: str, what: str, params: dict[str, Any] | None,
              body: dict[str, Any] | None) -> Any:
        http = self._session()
        try:
            response = http.request(method, url, params=params, json=body, timeout=self._timeout)
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise RetryableBrokerError(self._scrub(f"Alpaca {what}: {type(exc).__name__}: {exc}")) from None
        except requests.RequestException as exc:
            raise BrokerError(self._scrub(f"Alpaca {what}: {type(exc).__name__}: {exc}")) from None
        status = response.status_code
        if status == 429:
            raise RetryableBrokerError(f"Alpaca {what}: rate limited (HTTP 429)")
        if status >= 500:
            raise RetryableBrokerError(f"Alpaca {what}: HTTP {status}")
        if status == 401:  # Alpaca keys do not expire: logging in again will not help
            raise BrokerError(f"Alpaca rejected the API keys (HTTP 401) on {what}: check key_id and secret_key")
        if status >= 400:
            message = self._alpaca_message(response)
            raise AlpacaRefused(f"Alpaca refused {what} (HTTP {status}): {message}", status=status,
                                broker_message=message)
        if status == 204 or not response.content:
            return None
        try:
            return response.json(parse_float=Decimal)
        except ValueError:
            raise BrokerError(f"Alpaca {what}: malformed answer (not JSON, HTTP {status})") from None

    def _alpaca_message(self, response: requests.Response) -> str:
        try:
            data = response.json()
            message = data.get("message") if isinstance(data, dict) else None
        except ValueError:
            message = None
        return self._scrub(str(message or response.text[:200] or response.reason or "no message"))

    def _parse(self, what: str, parse: Callable[[], T]) -> T:
        try:
            return parse()
        except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
            raise BrokerError(f"Alpaca {what}: malformed answer ({type(exc).__name__}: {exc})") from None

    # -- account ----------------------------------------------------------------------------------------

    def connect(self) -> None:
        try:
            self._request("GET", "/v2/account", what="verify the API keys")
        except AlpacaRefused as exc:
            if exc.status == 403:
                raise BrokerError("Alpaca rejected the API keys (HTTP 403): check key_id and secret_key, "
                                  f"and that they belong to a {self.account_row.mode} account") from None
            raise

    def account(self) -> AccountState:
        data = self._request("GET", "/v2/account", what="read the account")
        return self._parse("account", lambda: AccountState(
            cash=_dec(data["cash"]), market_value=_dec(data["long_market_value"]), equity=_dec(data["equity"]),
            currency=str(data.get("currency") or "USD")))

    def positions(self) -> list[BrokerPosition]:
        rows = self._request("GET", "/v2/positions", what="list positions")
        return self._parse("positions", lambda: [BrokerPosition(
            code=row["symbol"], quantity=_int(row["qty"]),
            sellable=_int(row["qty_available"] if row.get("qty_available") is not None else row["qty"]),
            average_cost=_dec(row["avg_entry_price"]), market_value=_dec(row["market_value"]),
        ) for row in rows])

    def quotes(self, codes: Sequence[str]) -> dict[str, Decimal]:
        symbols = sorted({code for code in codes if code})
        prices: dict[str, Decimal] = {}
        for i in range(0, len(symbols), QUOTES_CHUNK):
            chunk = symbols[i:i + QUOTES_CHUNK]
            data = self._request("GET", "/v2/stocks/trades/latest", base=DATA_URL, what="latest trades",
                                 params={"symbols": ",".join(chunk)})
            trades = self._parse("latest trades", lambda: dict(data.get("trades") or {}))
            for symbol, trade in trades.items():
                price = self._parse("latest trades", lambda: _opt_dec((trade or {}).get("p")))
                if price is not None and price > 0:  # no trade yet: left out, as the interface says
                    prices[symbol] = price
        return prices

    def permissions(self) -> dict[str, bool]:
        rows = self._request("GET", "/v2/assets", what="list assets",
                             params={"status": "active", "asset_class": "us_equity"})
        return self._parse("assets", lambda: {row["symbol"]: bool(row["tradable"]) for row in rows})

    # -- orders -----------------------------------------------------------------------------------------

    def _order(self, data: Any) -> BrokerOrder:
        def parse() -> BrokerOrder:
            quantity, filled, raw = _int(data.get("qty")), _int(data.get("filled_qty")), data["status"]
            return BrokerOrder(
                client_order_id=data["client_order_id"], broker_order_id=data["id"], code=data["symbol"],
                side=data["side"], quantity=quantity, filled_quantity=filled,
                status=map_status(raw, quantity, filled), order_type=data.get("type") or data["order_type"],
                limit_price=_opt_dec(data.get("limit_price")),
                average_fill_price=_opt_dec(data.get("filled_avg_price")),
                message="" if raw in _PLAIN else f"Alpaca order status: {raw}",
                submitted_at=_when(data.get("submitted_at") or data["created_at"]),
            )
        return self._parse("order", parse)

    def place_order(self, request: OrderRequest) -> BrokerOrder:
        _check_request(request)
        cid = request.client_order_id
        body: dict[str, Any] = {"symbol": request.code, "qty": str(request.quantity), "side": request.side,
                                "type": request.order_type, "time_in_force": "day", "client_order_id": cid}
        if request.order_type == "limit":
            body["limit_price"] = format(request.limit_price, "f")
        # Retrying this POST is safe: if an attempt reached Alpaca but its answer was lost, the retry is
        # refused as a duplicate client_order_id, and we then return the order the first attempt placed.
        try:
            data = self._request("POST", "/v2/orders", what=f"place order {cid}", body=body)
        except AlpacaRefused as exc:
            message = exc.broker_message
            lowered = message.lower()
            if exc.status == 422 and "client_order_id" in lowered and "unique" in lowered:
                existing = self.get_order(cid)
                if existing is None:
                    raise BrokerError(f"Alpaca says order {cid} exists but cannot find it: {message}") from None
                logger.info("Alpaca already has order %s; returning it instead of placing another", cid)
                return existing
            if exc.status == 403 and "buying power" in lowered:
                raise InsufficientFunds(f"Alpaca rejected order {cid}: {message}", broker_message=message) from None
            if exc.status in (403, 422):
                kind = NotPermitted if ("not tradable" in lowered or "not allowed" in lowered) else OrderRejected
                raise kind(f"Alpaca rejected order {cid}: {message}", broker_message=message) from None
            raise
        return self._order(data)

    def get_order(self, client_order_id: str) -> BrokerOrder | None:
        data = self._by_client_id(client_order_id)
        return None if data is None else self._order(data)

    def _by_client_id(self, client_order_id: str) -> Any:
        try:
            return self._request("GET", "/v2/orders:by_client_order_id", what=f"read order {client_order_id}",
                                 params={"client_order_id": client_order_id})
        except AlpacaRefused as exc:
            if exc.status == 404:
                return None
            raise

    def cancel_order(self, client_order_id: str) -> BrokerOrder:
        found = self._by_client_id(client_order_id)
        if found is None:
            raise OrderRejected(f"no Alpaca order with client order id {client_order_id}")
        order_id = self._parse("order", lambda: str(found["id"]))
        path = f"/v2/orders/{order_id}"
        try:
            self._request("DELETE", path, what=f"cancel order {client_order_id}")
        except AlpacaRefused as exc:
            if exc.status not in (404, 422):
                raise
            # A retried DELETE whose first attempt already landed is refused too: that one is fine.
            current = self._request("GET", path, what=f"read order {client_order_id}")
            if self._parse("order", lambda: current.get("status")) in ("canceled", "pending_cancel"):
                return self._order(current)
            raise OrderRejected(f"Alpaca would not cancel order {client_order_id}: {exc.broker_message}",
                                broker_message=exc.broker_message) from None
        return self._order(self._request("GET", path, what=f"read order {client_order_id}"))

    def orders(self, start: datetime.date, end: datetime.date) -> list[BrokerOrder]:
        after, until = _day_bounds(start, end)
        found: dict[str, BrokerOrder] = {}
        while True:
            page = self._request("GET", "/v2/orders", what="list orders", params={
                "status": "all", "after": after, "until": until, "limit": ORDERS_PAGE, "direction": "asc"})
            for data in page:
                order = self._order(data)
                found.setdefault(order.broker_order_id, order)  # a boundary order may come back twice
            if len(page) < ORDERS_PAGE:
                return list(found.values())
            # `after` is exclusive and filters on submission time: the next page starts past this one's last
            last = self._parse("orders", lambda: str(page[-1].get("submitted_at") or page[-1]["created_at"]))
            if last == after:
                raise BrokerError("Alpaca list orders: pagination does not advance")
            after = last

    def fills(self, start: datetime.date, end: datetime.date) -> list[BrokerFill]:
        after, until = _day_bounds(start, end)
        params: dict[str, Any] = {"after": after, "until": until, "direction": "asc", "page_size": ACTIVITIES_PAGE}
        activities: list[Any] = []
        while True:
            page = self._request("GET", "/v2/account/activities/FILL", what="list fills", params=params)
            activities.extend(page)
            if len(page) < ACTIVITIES_PAGE:
                break
            params = {**params, "page_token": self._parse("fills", lambda: page[-1]["id"])}
        if not activities:
            return []
        # Activities carry Alpaca's order id only; our client order id comes from the orders of the range.
        client_ids = {order.broker_order_id: order.client_order_id for order in self.orders(start, end)}

        def parse(a: Any) -> BrokerFill:
            return BrokerFill(
                broker_fill_id=str(a["id"]), client_order_id=client_ids.get(a["order_id"], ""),
                broker_order_id=a["order_id"], code=a["symbol"],
                side="sell" if str(a["side"]).startswith("sell") else "buy",  # sell_short is still a sell
                quantity=_int(a["qty"]), price=_dec(a["price"]),
                # Alpaca charges no commission on US equities; regulatory pass-through fees are not itemised
                # in FILL activities, and stamp duty / transfer fee are A-share charges: all zero here.
                commission=Decimal("0"), stamp_duty=Decimal("0"), transfer_fee=Decimal("0"),
                filled_at=_when(a["transaction_time"]),
            )
        return [self._parse("fills", lambda a=a: parse(a)) for a in activities]
