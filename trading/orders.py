"""Sending orders to a broker: validated first, recorded before sending, never placed twice.

The client order id is derived from account, day, side and stock, so every path to the same order (a rerun
of the workflow, a retry after a crash between "sent" and "saved", a duplicated Celery delivery) carries
the same id: the order row is created once, and the broker returns its existing order for a known id.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from brokers.base import Broker, BrokerFill, BrokerOrder, OrderRejected, OrderRequest, RetryableBrokerError, SessionExpired
from brokers.fees import on_tick
from brokers.models import BrokerAccount
from market.models import ListingState, Stock
from trading.models import Fill, Order, Position
from workflows.retry import with_retries

logger = logging.getLogger(__name__)


class OrderError(ValueError):
    """The order is wrong before any broker sees it (unknown stock, non-lot quantity, bad price)."""


def client_order_id(account: BrokerAccount, day: datetime.date, side: str, code: str, tag: str = "") -> str:
    """One id per account, day, side and stock (a `tag` separates a deliberate second order, e.g. the
    market fallback of a sell)."""
    return f"st{account.pk}-{day:%Y%m%d}-{side}{tag}-{code}"[:64]


def check_permission(account: BrokerAccount, user: AbstractBaseUser | None) -> None:
    """Live accounts trade only when an admin switched them to live; a person needs the matching permission."""
    if user is None:
        return  # the scheduled workflows: the account's mode, set by an admin, is the permission
    needed = "trading.trade_live" if account.is_live else "trading.trade_paper"
    if not user.has_perm(needed):
        kind = "live" if account.is_live else "paper"
        raise PermissionDenied(f"{user.get_username()} may not place orders on the {kind} account {account.name}")


def validate(broker: Broker, stock_code: str, side: str, quantity: Any, order_type: str,
             limit_price: Decimal | None) -> Stock:
    stock = Stock.objects.filter(code=stock_code).first()
    if stock is None:
        raise OrderError(f"unknown stock {stock_code!r}")
    if stock.listing_state != ListingState.LISTED:
        raise OrderError(f"{stock_code} is delisted")
    if side not in ("buy", "sell"):
        raise OrderError(f"side must be buy or sell, not {side!r}")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise OrderError(f"quantity must be a positive whole number, not {quantity!r}")
    if side == "buy" and quantity % broker.lot_size:
        raise OrderError(f"buy quantity {quantity} is not a whole number of {broker.lot_size}-share lots")
    if order_type not in ("limit", "market"):
        raise OrderError(f"order type must be limit or market, not {order_type!r}")
    if order_type == "limit":
        if limit_price is None or limit_price <= 0:
            raise OrderError(f"a limit order needs a positive limit price, not {limit_price}")
        if broker.lot_size == 100 and not on_tick(limit_price):
            raise OrderError(f"limit price {limit_price} is not on the 0.01 tick")
    return stock


def submit(
    broker: Broker,
    code: str,
    side: str,
    quantity: int,
    *,
    trading_date: datetime.date,
    order_type: str = "limit",
    limit_price: Decimal | None = None,
    tag: str = "",
    run: Any = None,
    user: AbstractBaseUser | None = None,
) -> Order:
    """Record and send one order; returns its row (status REJECTED with the broker's words if refused)."""
    account = broker.account_row
    check_permission(account, user)
    stock = validate(broker, code, side, quantity, order_type, limit_price)
    cid = client_order_id(account, trading_date, side, code, tag)
    with transaction.atomic():
        order, created = Order.objects.get_or_create(
            client_order_id=cid,
            defaults={"account": account, "stock": stock, "trading_date": trading_date, "side": side,
                      "order_type": order_type, "quantity": quantity, "limit_price": limit_price,
                      "workflow_run": run},
        )
    if not created and order.status != Order.Status.NEW:
        logger.info("%s already sent (%s): not sending again", cid, order.status)
        return order
    # Saved before sending: if we die after the broker has it, the rerun finds this row NEW and sends the
    # same id again, which the broker answers with the order it already has.
    request = OrderRequest(cid, code, side, order.quantity, order.order_type, order.limit_price)
    try:
        sent = with_retries(lambda: broker.place_order(request), retry_on=RetryableBrokerError,
                            what=f"place {cid}", before_retry=lambda exc: _reconnect(broker, exc))
    except OrderRejected as exc:
        order.status = Order.Status.REJECTED
        order.broker_message = exc.broker_message[:2000]
        order.save(update_fields=["status", "broker_message", "updated_at"])
        logger.warning("%s rejected by the broker: %s", cid, exc.broker_message)
        return order
    apply(order, sent)
    return order


def _reconnect(broker: Broker, exc: Exception) -> None:
    if isinstance(exc, SessionExpired):
        broker.connect()


def apply(order: Order, sent: BrokerOrder) -> None:
    """Bring our row up to what the broker says about the order."""
    order.status = sent.status
    order.broker_order_id = sent.broker_order_id
    order.filled_quantity = sent.filled_quantity
    order.broker_message = sent.message[:2000]
    order.submitted_at = order.submitted_at or sent.submitted_at
    order.save(update_fields=["status", "broker_order_id", "filled_quantity", "broker_message", "submitted_at",
                              "updated_at"])


def refresh(broker: Broker, order: Order) -> Order:
    sent = with_retries(lambda: broker.get_order(order.client_order_id), retry_on=RetryableBrokerError,
                        what=f"status of {order.client_order_id}", before_retry=lambda exc: _reconnect(broker, exc))
    if sent is not None:
        apply(order, sent)
    return order


def reconcile_open(broker: Broker, day: datetime.date) -> int:
    """Ask the broker about today's orders we have not seen settle, including rows still NEW from a run
    that died after sending (the broker may have them). Returns how many rows changed status."""
    changed = 0
    for order in Order.objects.filter(account=broker.account_row, trading_date=day,
                                      status__in=Order.OPEN_STATUSES):
        before = order.status
        refresh(broker, order)
        changed += order.status != before
    return changed


def cancel(broker: Broker, order: Order) -> Order:
    try:
        sent = with_retries(lambda: broker.cancel_order(order.client_order_id), retry_on=RetryableBrokerError,
                            what=f"cancel {order.client_order_id}")
        apply(order, sent)
    except OrderRejected:
        refresh(broker, order)  # filled or closed meanwhile: take the broker's word for what it is
    return order


def record_fills(account: BrokerAccount, fills: list[BrokerFill]) -> int:
    """Store the broker's fills once each (unique per order and fill id); a fill of an order we do not know
    (placed by hand at the broker) gets an order row of its own, so no fill is ever lost."""
    added = 0
    for fill in fills:
        order = Order.objects.filter(account=account, client_order_id=fill.client_order_id).first() if fill.client_order_id else None
        if order is None:
            order = Order.objects.filter(account=account, broker_order_id=fill.broker_order_id).first()
        if order is None:
            stock = Stock.objects.filter(code=fill.code).first()
            if stock is None:
                logger.error("fill %s of unknown stock %s: kept in the broker, not here", fill.broker_fill_id, fill.code)
                continue
            order, _ = Order.objects.get_or_create(
                client_order_id=f"ext{account.pk}-{fill.broker_order_id}"[:64],
                defaults={"account": account, "stock": stock, "trading_date": timezone.localdate(fill.filled_at),
                          "side": fill.side, "order_type": Order.Type.MARKET, "quantity": fill.quantity,
                          "status": Order.Status.FILLED, "broker_order_id": fill.broker_order_id,
                          "broker_message": "placed outside this system"},
            )
        _, created = Fill.objects.get_or_create(
            order=order, broker_fill_id=fill.broker_fill_id,
            defaults={"quantity": fill.quantity, "price": fill.price, "commission": fill.commission,
                      "stamp_duty": fill.stamp_duty, "transfer_fee": fill.transfer_fee, "filled_at": fill.filled_at},
        )
        added += created
    return added


def sync_positions(broker: Broker, day: datetime.date) -> int:
    """Our positions become the broker's, as of `day`."""
    account = broker.account_row
    held = broker.positions()
    stocks = {s.code: s for s in Stock.objects.filter(code__in=[p.code for p in held])}
    with transaction.atomic():
        Position.objects.filter(account=account).exclude(stock__code__in=list(stocks)).delete()
        for position in held:
            if position.code not in stocks:
                logger.error("the broker holds %s, which is not in the stock list", position.code)
                continue
            Position.objects.update_or_create(
                account=account, stock=stocks[position.code],
                defaults={"quantity": position.quantity, "sellable_quantity": min(position.sellable, position.quantity),
                          "average_cost": position.average_cost, "as_of": day},
            )
    return len(held)
