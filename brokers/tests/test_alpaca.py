"""The Alpaca adapter against recorded request/response pairs (written from Alpaca's docs; see recordings/)."""

from __future__ import annotations

import datetime
import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from brokers import registry
from brokers.adapters import alpaca
from brokers.adapters.alpaca import AlpacaBroker, map_status
from brokers.base import (
    AccountState, BrokerError, BrokerPosition, InsufficientFunds, OrderRejected, OrderRequest, RetryableBrokerError,
)
from brokers.models import BrokerAccount
from brokers.tests.factories import BrokerAccountFactory

pytestmark = pytest.mark.django_db

RECORDINGS = Path(__file__).parent / "recordings" / "alpaca"
KEY_ID = "PKTESTKEY0123456789"
SECRET = "s3cr3t-alpaca-never-shown-XYZ"
CREDENTIALS = {"key_id": KEY_ID, "secret_key": SECRET}
PAPER = "https://paper-api.alpaca.markets"
LIVE = "https://api.alpaca.markets"
CID = "st1-20240304-buy-AAPL"
LIMIT_BUY = OrderRequest(client_order_id=CID, code="AAPL", side="buy", quantity=10, order_type="limit",
                         limit_price=Decimal("170.25"))


def play(name: str) -> list[dict[str, Any]]:
    """Register a recording's pairs in order; unmatched method, URL, query or body fails the request."""
    pairs = json.loads((RECORDINGS / f"{name}.json").read_text())["pairs"]
    for pair in pairs:
        req, res = pair["request"], pair["response"]
        match = [matchers.query_param_matcher(req.get("query", {}))]
        if "json" in req:
            match.append(matchers.json_params_matcher(req["json"]))
        body: dict[str, Any] = ({"json": res["json"]} if "json" in res
                                else {"body": res.get("body", ""), "content_type": res.get("content_type")})
        responses.add(req["method"], req["url"], status=res["status"], match=match, **body)
    return pairs


def make_account(mode: str = BrokerAccount.Mode.PAPER, credentials: dict[str, Any] | None = None) -> BrokerAccount:
    account = BrokerAccountFactory(name=f"alpaca-{mode}", adapter="alpaca", mode=mode, currency="USD")
    account.set_credentials(CREDENTIALS if credentials is None else credentials)
    account.save()
    return account


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def broker(sleeps: list[float]) -> AlpacaBroker:
    return AlpacaBroker(make_account(), sleep=sleeps.append)


def methods_and_paths() -> list[tuple[str, str]]:
    return [(call.request.method, call.request.path_url.split("?")[0]) for call in responses.calls]


# -- account ------------------------------------------------------------------------------------------------


@responses.activate
def test_connect_verifies_the_keys_and_sends_them_as_alpaca_headers(broker):
    play("account")
    broker.connect()
    sent = responses.calls[0].request.headers
    assert sent["APCA-API-KEY-ID"] == KEY_ID and sent["APCA-API-SECRET-KEY"] == SECRET


@responses.activate
def test_the_account_is_read_as_decimals():
    play("account")
    state = AlpacaBroker(make_account()).account()
    assert state == AccountState(cash=Decimal("23140.20"), market_value=Decimal("80680.36"),
                                 equity=Decimal("103820.56"), currency="USD")
    assert isinstance(state.cash, Decimal)


@responses.activate
def test_positions_are_read_with_sellable_shares_and_decimal_money(broker):
    play("positions")
    assert broker.positions() == [
        BrokerPosition(code="AAPL", quantity=300, sellable=200, average_cost=Decimal("171.2455"),
                       market_value=Decimal("52209")),
        # no qty_available in the answer: all shares are sellable (US: no T+1 lock)
        BrokerPosition(code="MSFT", quantity=70, sellable=70, average_cost=Decimal("401.31"),
                       market_value=Decimal("28471.36")),
    ]


@responses.activate
def test_quotes_come_from_the_latest_trades_as_exact_decimals_and_a_symbol_without_trade_is_left_out(broker):
    play("latest_trades")
    assert broker.quotes(["MSFT", "AAPL", "ZZZZ", "AAPL"]) == {"AAPL": Decimal("174.03"), "MSFT": Decimal("406.7337")}
    assert responses.calls[0].request.url.startswith("https://data.alpaca.markets/v2/stocks/trades/latest?")


@responses.activate
def test_permissions_map_every_active_us_equity_to_whether_it_is_tradable(broker):
    play("assets")
    assert broker.permissions() == {"AAPL": True, "MSFT": True, "ABCDF": False}


@responses.activate
def test_a_live_account_uses_the_live_base_url_and_a_paper_account_the_paper_one():
    play("account_live")
    play("account")
    AlpacaBroker(make_account(BrokerAccount.Mode.LIVE)).account()
    AlpacaBroker(make_account(BrokerAccount.Mode.PAPER)).account()
    assert [call.request.url for call in responses.calls] == [LIVE + "/v2/account", PAPER + "/v2/account"]


def test_the_adapter_declares_us_rules():
    assert (AlpacaBroker.name, AlpacaBroker.t_plus_one, AlpacaBroker.lot_size) == ("alpaca", False, 1)


def test_the_registry_builds_the_alpaca_adapter_and_names_the_known_ones_for_an_unknown_adapter():
    assert isinstance(registry.get(make_account()), AlpacaBroker)
    unknown = BrokerAccountFactory(name="mystery", adapter="mystery")
    with pytest.raises(KeyError, match="alpaca"):
        registry.get(unknown)


@responses.activate
def test_a_missing_credential_key_is_named_without_echoing_any_value():
    broker = AlpacaBroker(make_account(credentials={"key_id": KEY_ID}))
    with pytest.raises(BrokerError, match="secret_key") as caught:
        broker.account()
    assert KEY_ID not in str(caught.value)
    assert len(responses.calls) == 0


# -- placing orders ---------------------------------------------------------------------------------------


@responses.activate
def test_a_limit_order_sends_exactly_the_documented_json_with_our_client_order_id(broker):
    pairs = play("order_placed")
    order = broker.place_order(LIMIT_BUY)
    body = json.loads(responses.calls[0].request.body)
    assert body == pairs[0]["request"]["json"] == {
        "symbol": "AAPL", "qty": "10", "side": "buy", "type": "limit", "time_in_force": "day",
        "limit_price": "170.25", "client_order_id": CID}
    assert order.client_order_id == CID and order.broker_order_id == "61e69015-8549-4bfd-b9c3-01e75843f47d"
    assert (order.status, order.quantity, order.filled_quantity) == ("submitted", 10, 0)
    assert order.limit_price == Decimal("170.25") and order.average_fill_price is None
    assert order.submitted_at == datetime.datetime(2024, 3, 4, 15, 2, 11, 937734, tzinfo=datetime.UTC)


@responses.activate
def test_a_market_order_sends_no_limit_price(broker):
    responses.add(responses.POST, PAPER + "/v2/orders",
                  json=json.loads((RECORDINGS / "order_placed.json").read_text())["pairs"][0]["response"]["json"])
    broker.place_order(OrderRequest(client_order_id=CID, code="AAPL", side="buy", quantity=10, order_type="market"))
    body = json.loads(responses.calls[0].request.body)
    assert body["type"] == "market" and "limit_price" not in body


@responses.activate
def test_a_duplicate_client_order_id_returns_the_existing_order_and_places_no_second(broker):
    play("order_duplicate")
    order = broker.place_order(LIMIT_BUY)
    assert methods_and_paths() == [("POST", "/v2/orders"), ("GET", "/v2/orders:by_client_order_id")]
    assert (order.client_order_id, order.status, order.filled_quantity) == (CID, "filled", 10)
    assert order.average_fill_price == Decimal("170.21")


@responses.activate
def test_a_post_that_timed_out_after_reaching_alpaca_is_retried_and_resolved_as_the_existing_order(broker, sleeps):
    responses.add(responses.POST, PAPER + "/v2/orders", body=requests.exceptions.ReadTimeout("read timed out"))
    play("order_duplicate")
    order = broker.place_order(LIMIT_BUY)
    assert order.status == "filled"
    assert methods_and_paths() == [("POST", "/v2/orders"), ("POST", "/v2/orders"),
                                   ("GET", "/v2/orders:by_client_order_id")]
    assert len(sleeps) == 1


@responses.activate
def test_insufficient_buying_power_raises_insufficient_funds_with_alpacas_message(broker):
    play("order_insufficient_buying_power")
    with pytest.raises(InsufficientFunds) as caught:
        broker.place_order(LIMIT_BUY)
    assert caught.value.broker_message == "insufficient buying power"
    assert len(responses.calls) == 1  # a refusal is permanent: not retried


@responses.activate
def test_another_refusal_is_an_order_rejection_carrying_alpacas_message(broker):
    responses.add(responses.POST, PAPER + "/v2/orders", status=422,
                  json={"code": 40010001, "message": "sub-penny increment does not fulfill minimum pricing criteria"})
    with pytest.raises(OrderRejected, match="sub-penny") as caught:
        broker.place_order(LIMIT_BUY)
    assert caught.value.broker_message == "sub-penny increment does not fulfill minimum pricing criteria"
    assert not isinstance(caught.value, InsufficientFunds)


@pytest.mark.parametrize("request_, problem", [
    (OrderRequest(CID, "AAPL", "buy", 0, "limit", Decimal("170.25")), "quantity must be a positive whole number"),
    (OrderRequest(CID, "AAPL", "buy", 10, "limit", None), "a limit order needs a positive limit price"),
    (OrderRequest(CID, "AAPL", "buy", 10, "limit", Decimal("0")), "a limit order needs a positive limit price"),
    (OrderRequest(CID, "AAPL", "short", 10, "market"), "side must be buy or sell"),
    (OrderRequest(CID, "AAPL", "buy", 2.5, "market"),  # type: ignore[arg-type]
     "quantity must be a positive whole number"),
])
@responses.activate
def test_a_bad_request_is_refused_with_a_clear_message_and_sends_nothing(broker, request_, problem):
    with pytest.raises(BrokerError, match=problem):
        broker.place_order(request_)
    assert len(responses.calls) == 0


# -- errors and retries -----------------------------------------------------------------------------------


@responses.activate
def test_a_timeout_is_retried_and_then_succeeds(broker, sleeps):
    responses.add(responses.GET, PAPER + "/v2/account", body=requests.exceptions.ConnectTimeout("connect timed out"))
    play("account")
    assert broker.account().equity == Decimal("103820.56")
    assert len(responses.calls) == 2 and len(sleeps) == 1


@responses.activate
def test_a_503_is_retried_and_then_succeeds(broker, sleeps):
    play("service_unavailable")
    play("account")
    assert broker.account().currency == "USD"
    assert [call.response.status_code for call in responses.calls] == [503, 200]


@responses.activate
def test_rate_limiting_is_retried_with_backoff(broker, sleeps, caplog):
    play("rate_limited")
    play("account")
    with caplog.at_level(logging.WARNING, logger="brokers.adapters.alpaca"):
        broker.account()
    assert len(responses.calls) == 2 and len(sleeps) == 1
    assert "rate limited" in caplog.text


@responses.activate
def test_a_persistent_5xx_gives_a_retryable_error_after_all_attempts(broker, sleeps):
    play("service_unavailable")
    with pytest.raises(RetryableBrokerError, match="HTTP 503.*gave up after 4 attempts"):
        broker.account()
    assert len(responses.calls) == AlpacaBroker.attempts == 4
    assert len(sleeps) == 3 and all(0 <= s <= 8.0 for s in sleeps)


@responses.activate
def test_a_401_is_a_permanent_error_about_the_keys_and_is_not_retried(broker):
    play("account_unauthorized")
    with pytest.raises(BrokerError, match="Alpaca rejected the API keys") as caught:
        broker.connect()
    assert not isinstance(caught.value, RetryableBrokerError)
    assert len(responses.calls) == 1


@responses.activate
def test_connect_with_forbidden_keys_says_the_keys_were_rejected(broker):
    play("account_forbidden")
    with pytest.raises(BrokerError, match="Alpaca rejected the API keys"):
        broker.connect()


@responses.activate
def test_a_non_json_answer_is_a_malformed_answer(broker):
    play("account_malformed")
    with pytest.raises(BrokerError, match="malformed answer"):
        broker.account()


@responses.activate
def test_an_answer_missing_a_documented_field_is_a_malformed_answer(broker):
    responses.add(responses.GET, PAPER + "/v2/account", json={"cash": "1"})
    with pytest.raises(BrokerError, match="malformed answer"):
        broker.account()


@responses.activate
def test_the_credentials_never_appear_in_an_error_message_or_a_log_line(broker, caplog):
    caplog.set_level(logging.DEBUG)
    failures: list[BrokerError] = []
    for recording in ("account_unauthorized", "account_malformed", "service_unavailable"):
        responses.reset()
        play(recording)
        with pytest.raises(BrokerError) as caught:
            broker.account()
        failures.append(caught.value)
    # even when the transport or Alpaca echoes a credential, it is scrubbed
    responses.reset()
    responses.add(responses.GET, PAPER + "/v2/positions",
                  body=requests.exceptions.ConnectionError(f"refused; headers {KEY_ID}:{SECRET}"))
    with pytest.raises(RetryableBrokerError) as caught:
        broker.positions()
    failures.append(caught.value)
    responses.add(responses.POST, PAPER + "/v2/orders", status=403, json={"message": f"bad key {SECRET}"})
    with pytest.raises(OrderRejected) as caught:
        broker.place_order(LIMIT_BUY)
    failures.append(caught.value)
    texts = [caplog.text] + [f"{exc} {exc.broker_message} {exc!r} {exc.__cause__}" for exc in failures]
    assert caplog.records, "the retries should have logged warnings"
    for text in texts:
        assert SECRET not in text and KEY_ID not in text


# -- cancel, look up, list ---------------------------------------------------------------------------------


@responses.activate
def test_cancel_looks_the_order_up_deletes_it_and_returns_it_refreshed(broker):
    play("cancel")
    order = broker.cancel_order(CID)
    assert methods_and_paths() == [("GET", "/v2/orders:by_client_order_id"),
                                   ("DELETE", "/v2/orders/61e69015-8549-4bfd-b9c3-01e75843f47d"),
                                   ("GET", "/v2/orders/61e69015-8549-4bfd-b9c3-01e75843f47d")]
    assert (order.client_order_id, order.status) == (CID, "cancelled")


@responses.activate
def test_a_retried_cancel_whose_first_delete_landed_returns_the_cancelled_order(broker, sleeps):
    pairs = json.loads((RECORDINGS / "cancel.json").read_text())["pairs"]
    one = pairs[1]["request"]["url"]
    responses.add(responses.GET, pairs[0]["request"]["url"], json=pairs[0]["response"]["json"])
    responses.add(responses.DELETE, one, body=requests.exceptions.ReadTimeout("read timed out"))
    responses.add(responses.DELETE, one, status=422, json={"code": 42210000,
                                                           "message": 'order is already in "canceled" state'})
    responses.add(responses.GET, one, json=pairs[2]["response"]["json"])
    assert broker.cancel_order(CID).status == "cancelled"
    assert [method for method, _ in methods_and_paths()] == ["GET", "DELETE", "DELETE", "GET"]


@responses.activate
def test_cancelling_a_filled_order_is_rejected_with_alpacas_message(broker):
    play("cancel_filled")
    with pytest.raises(OrderRejected) as caught:
        broker.cancel_order(CID)
    assert caught.value.broker_message == 'order is already in "filled" state'


@responses.activate
def test_cancelling_an_unknown_order_is_rejected(broker):
    play("order_not_found")
    with pytest.raises(OrderRejected, match="no Alpaca order"):
        broker.cancel_order("st1-20240304-buy-NOPE")


@responses.activate
def test_get_order_reads_by_client_id_and_an_unknown_one_is_none(broker):
    play("order_by_client_id")
    play("order_not_found")
    assert broker.get_order(CID).status == "submitted"
    assert broker.get_order("st1-20240304-buy-NOPE") is None


@responses.activate
def test_orders_over_a_date_range_follow_the_pages_by_submission_time(broker, monkeypatch):
    monkeypatch.setattr(alpaca, "ORDERS_PAGE", 2)
    play("orders_paged")
    orders = broker.orders(datetime.date(2024, 3, 4), datetime.date(2024, 3, 5))
    assert [(o.client_order_id, o.status, o.filled_quantity) for o in orders] == [
        ("st1-20240304-buy-AAPL", "filled", 10),
        ("st1-20240304-sell-MSFT", "partially_filled", 12),
        ("st1-20240305-buy-NVDA", "expired", 0),
    ]
    assert orders[2].order_type == "market" and orders[2].limit_price is None
    assert len(responses.calls) == 2


@responses.activate
def test_orders_ask_for_one_page_of_500_between_new_york_midnights(broker):
    play("orders_range")  # the recording's query: after/until 05:00Z (EST), limit=500, status=all, asc
    assert len(broker.orders(datetime.date(2024, 3, 4), datetime.date(2024, 3, 5))) == 2


@responses.activate
def test_fills_follow_the_page_token_and_take_client_ids_from_the_orders_of_the_range(broker, monkeypatch):
    monkeypatch.setattr(alpaca, "ACTIVITIES_PAGE", 2)
    play("fills_paged")
    fills = broker.fills(datetime.date(2024, 3, 4), datetime.date(2024, 3, 5))
    assert [(f.client_order_id, f.code, f.side, f.quantity, f.price) for f in fills] == [
        ("st1-20240304-buy-AAPL", "AAPL", "buy", 10, Decimal("170.21")),
        ("st1-20240304-sell-MSFT", "MSFT", "sell", 12, Decimal("407.1")),
        ("", "XYZ", "sell", 40, Decimal("12.5")),  # an order not placed by us: no client id known
    ]
    first = fills[0]
    assert first.broker_fill_id == "20240304100212113::8efc7b9a-8b2b-4000-9955-d36e7db0df74"
    assert first.broker_order_id == "61e69015-8549-4bfd-b9c3-01e75843f47d"
    assert (first.commission, first.stamp_duty, first.transfer_fee) == (Decimal("0"),) * 3
    assert first.filled_at == datetime.datetime(2024, 3, 4, 15, 2, 12, 113804, tzinfo=datetime.UTC)
    assert [path for _, path in methods_and_paths()] == ["/v2/account/activities/FILL"] * 2 + ["/v2/orders"]


@responses.activate
def test_no_fills_need_no_orders_lookup(broker):
    responses.add(responses.GET, PAPER + "/v2/account/activities/FILL", json=[])
    assert broker.fills(datetime.date(2024, 3, 4), datetime.date(2024, 3, 4)) == []
    assert len(responses.calls) == 1


@pytest.mark.parametrize("alpaca_status, filled, ours", [
    ("new", 0, "submitted"), ("accepted", 0, "submitted"), ("pending_new", 0, "submitted"),
    ("accepted_for_bidding", 0, "submitted"), ("partially_filled", 4, "partially_filled"),
    ("done_for_day", 4, "partially_filled"), ("done_for_day", 0, "submitted"),
    ("pending_cancel", 0, "submitted"), ("pending_replace", 4, "partially_filled"), ("suspended", 0, "submitted"),
    ("stopped", 0, "submitted"), ("calculated", 10, "filled"), ("calculated", 4, "partially_filled"),
    ("filled", 10, "filled"), ("canceled", 4, "cancelled"), ("replaced", 0, "cancelled"),
    ("expired", 0, "expired"), ("rejected", 0, "rejected"), ("something_new", 0, "submitted"),
])
def test_alpaca_order_statuses_map_to_ours(alpaca_status, filled, ours):
    assert map_status(alpaca_status, 10, filled) == ours
