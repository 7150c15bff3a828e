"""The paper broker: a simulated brokerage with the A-share rules, its books in the database.

Rules (MISSION.md): orders only in the sessions 09:30-11:30 and 13:00-15:00 of XSHG trading days; buys in
lots of 100, an odd remainder sold only all at once; T+1 (shares bought today are not sellable today);
limit prices on the 0.01 tick and inside the day's price limits; a buy at the up-limit or a sell at the
down-limit does not fill; suspended or unknown stocks are refused; commission (5 CNY minimum), stamp duty on
sells and transfer fee, to the cent. Orders fill against the latest price when marketable (at placement,
or later when polled); what is still open after the close expires.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from brokers.base import (
    AccountState, Broker, BrokerError, BrokerFill, BrokerOrder, BrokerPosition, InsufficientFunds, NotPermitted,
    OrderRejected, OrderRequest,
)
from brokers.fees import a_share_fees, cents, limit_prices, on_tick, to_tick, trade_value
from brokers.models import PaperAccount, PaperFill, PaperLot, PaperOrder
from brokers.paper_market import MarketPrice, price_at
from market import calendar, clock
from market.models import ListingState, Stock

SHANGHAI = ZoneInfo("Asia/Shanghai")
SESSIONS = ((datetime.time(9, 30), datetime.time(11, 30)), (datetime.time(13, 0), datetime.time(15, 0)))
OPEN = ("submitted", "partially_filled")


def in_session(when: datetime.datetime) -> bool:
    local = when.astimezone(SHANGHAI)
    if not calendar.is_trading_day(local.date()):
        return False
    return any(start <= local.time() < end for start, end in SESSIONS)


class PaperBroker(Broker):
    name = "paper"
    t_plus_one = True
    lot_size = 100

    def _books(self, lock: bool = False) -> PaperAccount:
        books = PaperAccount.objects.select_for_update() if lock else PaperAccount.objects
        found = books.filter(account=self.account_row).first()
        if found is None:
            initial = Decimal(settings.PAPER_INITIAL_CASH)
            PaperAccount.objects.get_or_create(account=self.account_row, defaults={"cash": initial, "initial_cash": initial})
            found = books.get(account=self.account_row)
        return found

    # -- account -------------------------------------------------------------------------------------

    def connect(self) -> None:
        self._books()

    def account(self) -> AccountState:
        books = self._books()
        value = sum((p.market_value for p in self.positions()), Decimal("0.00"))
        return AccountState(cash=books.cash, market_value=value, equity=books.cash + value, currency="CNY")

    def positions(self) -> list[BrokerPosition]:
        books = self._books()
        today = calendar.market_today("XSHG", clock.now())
        rows = []
        for code in books.lots.values_list("code", flat=True).distinct().order_by("code"):
            lots = list(books.lots.filter(code=code))
            quantity = sum(lot.quantity for lot in lots)
            sellable = sum(lot.quantity for lot in lots if lot.bought_on < today)
            cost = sum((lot.cost for lot in lots), Decimal("0"))
            stock = Stock.objects.filter(code=code).first()
            price = price_at(stock, clock.now()).price if stock else None
            last = price if price is not None else (cost / quantity)
            rows.append(BrokerPosition(code, quantity, sellable, (cost / quantity).quantize(Decimal("0.0001")),
                                       cents(last * quantity)))
        return rows

    def quotes(self, codes: Sequence[str]) -> dict[str, Decimal]:
        now = clock.now()
        found = {}
        for stock in Stock.objects.filter(code__in=list(codes)):
            price = price_at(stock, now).price
            if price is not None:
                found[stock.code] = price
        return found

    def permissions(self) -> dict[str, bool]:
        # A paper account may trade every listed stock.
        return dict.fromkeys(Stock.objects.filter(listing_state=ListingState.LISTED).values_list("code", flat=True), True)

    # -- orders --------------------------------------------------------------------------------------

    def place_order(self, request: OrderRequest) -> BrokerOrder:
        _check_request(request)
        now = clock.now()
        with transaction.atomic():
            books = self._books(lock=True)
            existing = books.orders.filter(client_order_id=request.client_order_id).first()
            if existing is not None:  # the same order again (a retry, a duplicated delivery): never a second
                return self._match(books, existing, now)
            stock = Stock.objects.filter(code=request.code).first()
            if stock is None:
                raise OrderRejected(f"unknown stock {request.code}")
            market = self._tradable(stock, now)
            day = now.astimezone(SHANGHAI).date()
            frozen = Decimal("0.00")
            if request.side == "buy":
                frozen = self._check_buy(books, request, market)
            else:
                self._check_sell(books, request, day)
            order = PaperOrder.objects.create(
                paper=books, client_order_id=request.client_order_id, code=request.code, side=request.side,
                order_type=request.order_type, quantity=request.quantity, limit_price=request.limit_price,
                status="submitted", frozen_cash=frozen, trading_date=day, submitted_at=now,
            )
            answer = self._match(books, order, now, market)
        if books.latency_ms:  # booked and committed: like a real broker whose answer is still on its way
            time.sleep(books.latency_ms / 1000)
        return answer

    def cancel_order(self, client_order_id: str) -> BrokerOrder:
        with transaction.atomic():
            books = self._books(lock=True)
            order = books.orders.filter(client_order_id=client_order_id).first()
            if order is None:
                raise OrderRejected(f"no order {client_order_id}")
            order = self._settle(books, order, clock.now())
            if order.status not in OPEN:
                raise OrderRejected(f"order {client_order_id} is {order.status}, it cannot be cancelled")
            self._close(books, order, "cancelled", "cancelled on request")
            return _as_broker_order(order)

    def get_order(self, client_order_id: str) -> BrokerOrder | None:
        with transaction.atomic():
            books = self._books(lock=True)
            order = books.orders.filter(client_order_id=client_order_id).first()
            return None if order is None else self._match(books, order, clock.now())

    def orders(self, start: datetime.date, end: datetime.date) -> list[BrokerOrder]:
        with transaction.atomic():
            books = self._books(lock=True)
            now = clock.now()
            rows = books.orders.filter(trading_date__gte=start, trading_date__lte=end)
            return [self._match(books, order, now) for order in rows]

    def fills(self, start: datetime.date, end: datetime.date) -> list[BrokerFill]:
        books = self._books()
        fills = PaperFill.objects.filter(order__paper=books, order__trading_date__gte=start,
                                         order__trading_date__lte=end).select_related("order")
        return [
            BrokerFill(str(f.pk), f.order.client_order_id, str(f.order.pk), f.order.code, f.order.side, f.quantity,
                       f.price, f.commission, f.stamp_duty, f.transfer_fee, f.filled_at)
            for f in fills
        ]

    # -- rules ---------------------------------------------------------------------------------------

    def _tradable(self, stock: Stock, now: datetime.datetime) -> MarketPrice:
        if stock.listing_state != ListingState.LISTED:
            raise NotPermitted(f"{stock.code} is delisted")
        if not in_session(now):
            raise NotPermitted(f"the market is closed at {now.astimezone(SHANGHAI):%Y-%m-%d %H:%M} (sessions "
                               "09:30-11:30 and 13:00-15:00 on trading days)")
        market = price_at(stock, now)
        if market.suspended:
            raise NotPermitted(f"{stock.code} is suspended")
        if market.price is None:
            raise NotPermitted(f"{stock.code} has no price to trade at yet")
        return market

    def _check_buy(self, books: PaperAccount, request: OrderRequest, market: MarketPrice) -> Decimal:
        if request.quantity % self.lot_size:
            raise OrderRejected(f"buy {request.quantity} shares: buys are in lots of {self.lot_size}")
        self._check_limit_band(request, market)
        price = request.limit_price if request.order_type == "limit" else self._slipped(books, market.price, "buy")
        needed = trade_value(request.quantity, price) + a_share_fees("buy", request.quantity, price).total
        available = books.cash - self._frozen(books)
        if needed > available:
            raise InsufficientFunds(f"buy {request.quantity} {request.code} needs {needed} CNY, {available} available")
        return needed

    def _check_sell(self, books: PaperAccount, request: OrderRequest, day: datetime.date) -> None:
        lots = books.lots.filter(code=request.code)
        held = lots.aggregate(n=Sum("quantity"))["n"] or 0
        sellable = (lots.filter(bought_on__lt=day).aggregate(n=Sum("quantity"))["n"] or 0) - self._selling(books, request.code)
        if request.quantity > sellable:
            today = held - sellable
            raise OrderRejected(f"sell {request.quantity} {request.code}: only {max(sellable, 0)} sellable today"
                                + (f" ({today} bought today are not sellable until tomorrow: T+1)" if today else ""))
        if request.quantity % self.lot_size and request.quantity != sellable:
            raise OrderRejected(f"sell {request.quantity} {request.code}: sells are in lots of {self.lot_size}, "
                                f"or the whole odd remainder at once ({sellable} sellable)")
        if request.order_type == "limit":
            stock = Stock.objects.get(code=request.code)
            self._check_limit_band(request, price_at(stock, clock.now()))

    def _check_limit_band(self, request: OrderRequest, market: MarketPrice) -> None:
        if request.order_type != "limit" or market.previous_close is None:
            return
        stock = Stock.objects.get(code=request.code)
        down, up = limit_prices(market.previous_close, stock.price_limit)
        if down is not None and not down <= request.limit_price <= up:
            raise OrderRejected(f"limit price {request.limit_price} is outside today's limits [{down}, {up}]")

    def _frozen(self, books: PaperAccount) -> Decimal:
        return books.orders.filter(status__in=OPEN).aggregate(n=Sum("frozen_cash"))["n"] or Decimal("0.00")

    def _selling(self, books: PaperAccount, code: str) -> int:
        open_sells = books.orders.filter(status__in=OPEN, side="sell", code=code)
        return sum(o.quantity - o.filled_quantity for o in open_sells)

    def _slipped(self, books: PaperAccount, price: Decimal, side: str) -> Decimal:
        factor = Decimal(books.slippage_bps) / Decimal(10000)
        return to_tick(price * (1 + factor), up=True) if side == "buy" else to_tick(price * (1 - factor), up=False)

    # -- matching ------------------------------------------------------------------------------------

    def _match(self, books: PaperAccount, order: PaperOrder, now: datetime.datetime,
               market: MarketPrice | None = None) -> BrokerOrder:
        """Fill an open order if its price is there now; expire it once its day's session is over."""
        order = self._settle(books, order, now, market)
        return _as_broker_order(order)

    def _settle(self, books: PaperAccount, order: PaperOrder, now: datetime.datetime,
                market: MarketPrice | None = None) -> PaperOrder:
        if order.status not in OPEN:
            return order
        local = now.astimezone(SHANGHAI)
        if local.date() > order.trading_date or local.time() >= datetime.time(15):
            self._close(books, order, "expired", "not filled by the close")
            return order
        if not in_session(now):
            return order
        stock = Stock.objects.get(code=order.code)
        market = market or price_at(stock, now)
        if market.price is None:
            return order
        down, up = limit_prices(market.previous_close, stock.price_limit) if market.previous_close else (None, None)
        price = market.price if order.order_type == "limit" else self._slipped(books, market.price, order.side)
        if order.side == "buy":
            if up is not None and market.price >= up:
                return order  # sealed at the up-limit: no sellers
            if up is not None:
                price = min(price, up)
            if order.order_type == "limit" and market.price > order.limit_price:
                return order
        else:
            if down is not None and market.price <= down:
                return order  # sealed at the down-limit: no buyers
            if down is not None:
                price = max(price, down)
            if order.order_type == "limit" and market.price < order.limit_price:
                return order
        self._fill(books, order, order.quantity - order.filled_quantity, price, now)
        return order

    def _fill(self, books: PaperAccount, order: PaperOrder, quantity: int, price: Decimal,
              now: datetime.datetime) -> None:
        fees = a_share_fees(order.side, quantity, price)
        value = trade_value(quantity, price)
        PaperFill.objects.create(order=order, quantity=quantity, price=price, commission=fees.commission,
                                 stamp_duty=fees.stamp_duty, transfer_fee=fees.transfer_fee, filled_at=now)
        if order.side == "buy":
            books.cash -= value + fees.total
            PaperLot.objects.create(paper=books, code=order.code, bought_on=order.trading_date, quantity=quantity,
                                    cost=value + fees.total)
        else:
            books.cash += value - fees.total
            self._remove_shares(books, order.code, quantity)
        books.save(update_fields=["cash"])
        order.filled_quantity += quantity
        order.average_fill_price = price
        order.status = "filled"
        order.frozen_cash = Decimal("0.00")
        order.save()

    def _remove_shares(self, books: PaperAccount, code: str, quantity: int) -> None:
        for lot in books.lots.filter(code=code).order_by("bought_on", "id"):  # oldest first
            taken = min(lot.quantity, quantity)
            if taken == lot.quantity:
                lot.delete()
            else:
                lot.cost -= cents(lot.cost * taken / lot.quantity)
                lot.quantity -= taken
                lot.save()
            quantity -= taken
            if quantity == 0:
                return
        raise BrokerError(f"paper books hold too few {code} shares for a filled sell")  # guarded by _check_sell

    def _close(self, books: PaperAccount, order: PaperOrder, status: str, message: str) -> None:
        order.status = status
        order.message = message
        order.frozen_cash = Decimal("0.00")
        order.save()


def _check_request(request: OrderRequest) -> None:
    problems = []
    if request.side not in ("buy", "sell"):
        problems.append(f"side must be buy or sell, not {request.side!r}")
    if request.order_type not in ("limit", "market"):
        problems.append(f"order type must be limit or market, not {request.order_type!r}")
    if not isinstance(request.quantity, int) or request.quantity <= 0:
        problems.append(f"quantity must be a positive whole number, not {request.quantity!r}")
    if request.order_type == "limit":
        if request.limit_price is None or request.limit_price <= 0:
            problems.append(f"a limit order needs a positive limit price, not {request.limit_price!r}")
        elif not on_tick(request.limit_price):
            problems.append(f"limit price {request.limit_price} is not on the 0.01 tick")
    if problems:
        raise OrderRejected("; ".join(problems))


def _as_broker_order(order: PaperOrder) -> BrokerOrder:
    return BrokerOrder(order.client_order_id, str(order.pk), order.code, order.side, order.quantity,
                       order.filled_quantity, order.status, order.order_type, order.limit_price,
                       order.average_fill_price, order.message, order.submitted_at)
