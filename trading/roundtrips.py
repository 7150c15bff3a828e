"""Buys paired with the sells that closed them (first in, first out): profit, return, holding days."""

from __future__ import annotations

import datetime
from collections import defaultdict, deque
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from brokers.models import BrokerAccount
from trading.models import Fill


@dataclass(frozen=True)
class RoundTrip:
    code: str
    quantity: int
    bought_on: datetime.date
    sold_on: datetime.date
    cost: Decimal  # buy value and fees of these shares
    proceeds: Decimal  # sell value less fees
    holding_days: int  # calendar days

    @property
    def profit(self) -> Decimal:
        return self.proceeds - self.cost

    @property
    def return_pct(self) -> Decimal:
        return (self.profit / self.cost * 100).quantize(Decimal("0.01")) if self.cost else Decimal("0")

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "quantity": self.quantity, "bought_on": self.bought_on, "sold_on": self.sold_on,
                "cost": str(self.cost), "proceeds": str(self.proceeds), "profit": str(self.profit),
                "return_pct": str(self.return_pct), "holding_days": self.holding_days}


def round_trips(account: BrokerAccount) -> list[RoundTrip]:
    fills = Fill.objects.filter(order__account=account).select_related("order__stock").order_by("filled_at", "id")
    open_buys: dict[str, deque[list]] = defaultdict(deque)  # code -> [quantity left, unit cost, date]
    trips = []
    for fill in fills:
        code, day = fill.order.stock.code, timezone.localdate(fill.filled_at)
        if fill.order.side == "buy":
            unit = (fill.price * fill.quantity + fill.fees) / fill.quantity
            open_buys[code].append([fill.quantity, unit, day])
            continue
        unit_proceeds = (fill.price * fill.quantity - fill.fees) / fill.quantity
        left = fill.quantity
        while left and open_buys[code]:
            lot = open_buys[code][0]
            taken = min(lot[0], left)
            trips.append(RoundTrip(code, taken, lot[2], day, (lot[1] * taken).quantize(Decimal("0.01")),
                                   (unit_proceeds * taken).quantize(Decimal("0.01")), (day - lot[2]).days))
            lot[0] -= taken
            left -= taken
            if lot[0] == 0:
                open_buys[code].popleft()
    return trips
