"""The T+1 trading workflows: sell in the morning, buy in the afternoon, reconcile in the evening."""

from __future__ import annotations

import datetime
import logging
import time
from decimal import ROUND_FLOOR, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from brokers.fees import COMMISSION_RATE, TRANSFER_FEE_RATE, a_share_fees, limit_prices, to_tick, trade_value
from market import calendar, clock
from market.models import ListingState, Stock
from modelling.models import Prediction
from modelling.prediction import latest_scores
from trading import orders, risk
from trading.accounts import resolve
from trading.models import AccountSnapshot, Fill, Order, Side
from trading.roundtrips import round_trips
from workflows.models import WorkflowRun
from workflows.registry import workflow
from workflows.runner import SkipRun

logger = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
POLL_SECONDS = 2.0


def _trading_day() -> tuple[datetime.datetime, datetime.date]:
    now = clock.now()
    today = calendar.market_today("XSHG", now)
    if not calendar.is_trading_day(today):
        raise SkipRun(f"not a trading day: {today} on XSHG")
    return now, today


def _record_strategy(run: WorkflowRun, strategy: Any) -> None:
    run.inputs = {**run.inputs, "strategy": strategy.as_inputs()}
    run.save(update_fields=["inputs"])


def _limits(stock: Stock, day: datetime.date) -> tuple[Decimal | None, Decimal | None]:
    previous = stock.bars.filter(date__lt=day, close__isnull=False).order_by("-date").values_list("close", flat=True).first()
    return limit_prices(to_tick(previous), stock.price_limit) if previous else (None, None)


@workflow("sell", queue="trading", description="Sell every sellable position: at the predicted price, at the market from the deadline.")
def sell(run: WorkflowRun, account: str | None = None) -> dict[str, Any]:
    now, today = _trading_day()
    account_row, broker, strategy = resolve(account)
    _record_strategy(run, strategy)
    orders.reconcile_open(broker, today)
    at_market = now.astimezone(SHANGHAI).time() >= strategy.sell_deadline
    predicted = {
        p.stock_id: p for p in Prediction.objects.filter(target_date=today).order_by("trading_date", "created_at")
    }  # the newest prediction of each stock wins
    placed, kept = [], {}
    for position in broker.positions():
        if position.sellable <= 0:
            continue
        stock = Stock.objects.filter(code=position.code).first()
        if stock is None:
            kept[position.code] = "not in the stock list"
            continue
        price = broker.quotes([stock.code]).get(stock.code)
        down, _ = _limits(stock, today)
        if stock.is_suspended or price is None:
            kept[stock.code] = "suspended" if stock.is_suspended else "no price"
            continue
        if down is not None and price <= down:
            kept[stock.code] = f"at the down-limit {down}: no buyers"
            continue
        if at_market:
            earlier = Order.objects.filter(client_order_id=orders.client_order_id(account_row, today, "sell", stock.code)).first()
            if earlier is not None and earlier.is_open:
                orders.cancel(broker, earlier)
            order = orders.submit(broker, stock.code, "sell", position.sellable, trading_date=today, order_type="market",
                                  tag="m", run=run)
        else:
            target = predicted.get(stock.pk)
            limit = _sell_price(target, down)
            order = orders.submit(broker, stock.code, "sell", position.sellable, trading_date=today,
                                  order_type="limit" if limit else "market", limit_price=limit, run=run)
        placed.append({"code": stock.code, "quantity": order.quantity, "type": order.order_type,
                       "limit_price": order.limit_price, "status": order.status, "message": order.broker_message})
    for code, reason in kept.items():
        logger.info("kept %s: %s", code, reason)
    return {"account": account_row.name, "at_market": at_market, "orders": placed, "kept": kept}


def _sell_price(prediction: Prediction | None, down: Decimal | None) -> Decimal | None:
    """The predicted morning price, on the tick and inside the day's limits; None: sell at the market."""
    if prediction is None:
        return None
    values = [v for v in (prediction.predicted_open, prediction.predicted_midday) if v is not None]
    price = to_tick(sum(values) / len(values))
    return max(price, down) if down is not None else price


def _lots_for(cash: Decimal, price: Decimal, lot: int) -> int:
    """Whole lots that `cash` buys with the fees: rounded down."""
    rate = 1 + COMMISSION_RATE + TRANSFER_FEE_RATE
    lots = int((cash / (price * lot * rate)).to_integral_value(rounding=ROUND_FLOOR))
    while lots > 0 and trade_value(lots * lot, price) + a_share_fees("buy", lots * lot, price).total > cash:
        lots -= 1
    return lots * lot


@workflow("buy", queue="trading", description="Buy the best-scored stocks with the available cash, split equally.")
def buy(run: WorkflowRun, account: str | None = None) -> dict[str, Any]:
    now, today = _trading_day()
    account_row, broker, strategy = resolve(account)
    _record_strategy(run, strategy)
    recovered = orders.reconcile_open(broker, today)  # what an earlier, interrupted run left in flight
    scored_on, scores = latest_scores(today)
    if scored_on is None:
        raise SkipRun("no predictions have been saved yet: nothing to rank")
    if scored_on != today:
        logger.warning("no predictions for %s: using the last saved scores, from %s", today, scored_on)
    state = broker.account()
    held = {p.code for p in broker.positions()}
    try:
        risk.check_buying(strategy, state, len(held))
    except risk.BuyingBlocked as exc:
        raise SkipRun(f"buying blocked: {exc}") from None
    slots = min(strategy.top_k, strategy.max_positions - len(held))
    share = risk.cash_for_each(strategy, state.cash, slots)
    picks, skipped = [], {}
    for prediction in scores:  # best first; quotes are asked only as far down the list as needed
        if len(picks) == slots:
            break
        stock = prediction.stock
        reason = _skip_reason(stock, prediction, strategy, held)
        price = None
        if reason is None:
            price = broker.quotes([stock.code]).get(stock.code)
            _, up = _limits(stock, today)
            if price is None:
                reason = "no price"
            elif up is not None and price >= up:
                reason = f"at the up-limit {up}"
            elif _lots_for(share, price, broker.lot_size) == 0:
                reason = f"one lot at {price} costs more than {share}"
        if reason:
            skipped[stock.code] = reason
            continue
        picks.append((stock, price, _lots_for(share, price, broker.lot_size)))

    placed = [orders.submit(broker, stock.code, "buy", quantity, trading_date=today, limit_price=price, run=run)
              for stock, price, quantity in picks]
    _wait_for_fills(broker, placed, strategy.buy_wait_seconds)
    return {
        "account": account_row.name, "scores_from": scored_on, "cash_per_stock": str(share), "slots": slots,
        "recovered_orders": recovered,
        "orders": [{"code": o.stock.code, "quantity": o.quantity, "limit_price": o.limit_price, "status": o.status,
                    "filled": o.filled_quantity, "message": o.broker_message} for o in placed],
        "skipped": dict(list(skipped.items())[:50]), "skipped_count": len(skipped),
    }


def _skip_reason(stock: Stock, prediction: Prediction, strategy: Any, held: set[str]) -> str | None:
    if prediction.score <= strategy.score_threshold:
        return f"score {prediction.score:.4f} not above {strategy.score_threshold}"
    if stock.listing_state != ListingState.LISTED:
        return "delisted"
    if not stock.is_tradable:
        return "not tradable for this account"
    if stock.is_suspended:
        return "suspended"
    if strategy.skip_st and stock.is_st:
        return "ST"
    if stock.code in held:
        return "already held"
    return None


def _wait_for_fills(broker: Any, placed: list[Order], seconds: int) -> None:
    """Poll until everything is filled or the wait is over, then cancel what is left."""
    deadline = time.monotonic() + seconds
    while True:
        pending = [o for o in placed if o.is_open]
        for order in pending:
            orders.refresh(broker, order)
        pending = [o for o in placed if o.is_open]
        if not pending or time.monotonic() >= deadline:
            break
        time.sleep(POLL_SECONDS)
    for order in pending:
        orders.cancel(broker, order)
        logger.info("cancelled %s: %d of %d filled in time", order.client_order_id, order.filled_quantity, order.quantity)


@workflow("order_sync", queue="trading", description="Reconcile orders, fills, positions and cash with the broker; daily snapshot.")
def order_sync(run: WorkflowRun, account: str | None = None, date: str | None = None) -> dict[str, Any]:
    account_row, broker, _ = resolve(account)
    day = datetime.date.fromisoformat(date) if date else calendar.market_today("XSHG", clock.now())
    updated = 0
    for sent in broker.orders(day, day):
        order = Order.objects.filter(account=account_row, client_order_id=sent.client_order_id).first()
        if order is not None:
            orders.apply(order, sent)
            updated += 1
    added = orders.record_fills(account_row, broker.fills(day, day))
    held = orders.sync_positions(broker, day)
    state = broker.account()
    previous = AccountSnapshot.objects.filter(account=account_row, date__lt=day).order_by("-date").first()
    difference = None
    if previous is not None:
        expected = previous.cash + _cash_flows(account_row, previous.date, day)
        difference = state.cash - expected
        if difference:
            logger.error("cash %s differs from the %s our fills explain by %s", state.cash, expected, difference)
    AccountSnapshot.objects.update_or_create(account=account_row, date=day, defaults={
        "cash": state.cash, "market_value": state.market_value, "equity": state.equity})
    trips = [t.as_dict() for t in round_trips(account_row) if t.sold_on == day]
    return {"account": account_row.name, "date": day, "orders_updated": updated, "fills_added": added,
            "positions": held, "cash": str(state.cash), "equity": str(state.equity),
            "cash_difference": None if difference is None else str(difference), "round_trips": trips}


def _cash_flows(account: Any, after: datetime.date, through: datetime.date) -> Decimal:
    total = Decimal("0.00")
    fills = Fill.objects.filter(order__account=account, order__trading_date__gt=after,
                                order__trading_date__lte=through).select_related("order")
    for fill in fills:
        sign = 1 if fill.order.side == Side.SELL else -1
        total += sign * fill.gross - fill.fees
    return total
