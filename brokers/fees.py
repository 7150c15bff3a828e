"""A-share trading costs and price rules, to the cent (MISSION.md).

- commission: 0.025% of the traded value each side, at least 5 CNY;
- stamp duty: 0.05% of the traded value, sells only;
- transfer fee: 0.001% of the traded value each side;
each rounded half-up to the cent. Prices tick in 0.01 CNY; the daily limit price is the previous close
times (1 +/- limit), rounded half-up to the tick, as the exchanges publish it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
TICK = Decimal("0.01")
COMMISSION_RATE = Decimal("0.00025")
MIN_COMMISSION = Decimal("5.00")
STAMP_DUTY_RATE = Decimal("0.0005")
TRANSFER_FEE_RATE = Decimal("0.00001")


@dataclass(frozen=True)
class Fees:
    commission: Decimal
    stamp_duty: Decimal
    transfer_fee: Decimal

    @property
    def total(self) -> Decimal:
        return self.commission + self.stamp_duty + self.transfer_fee


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def trade_value(quantity: int, price: Decimal) -> Decimal:
    return cents(price * quantity)


def a_share_fees(side: str, quantity: int, price: Decimal) -> Fees:
    value = trade_value(quantity, price)
    return Fees(
        commission=max(MIN_COMMISSION, cents(value * COMMISSION_RATE)),
        stamp_duty=cents(value * STAMP_DUTY_RATE) if side == "sell" else Decimal("0.00"),
        transfer_fee=cents(value * TRANSFER_FEE_RATE),
    )


def on_tick(price: Decimal) -> bool:
    return price == price.quantize(TICK)


def to_tick(price: Decimal | float, *, up: bool | None = None) -> Decimal:
    """Round to the 0.01 tick: half-up by default, or always up / always down."""
    rounding = ROUND_HALF_UP if up is None else (ROUND_CEILING if up else ROUND_FLOOR)
    return Decimal(str(price)).quantize(TICK, rounding=rounding)


def limit_prices(previous_close: Decimal, limit: float | None) -> tuple[Decimal | None, Decimal | None]:
    """(down-limit, up-limit) for the day; (None, None) where the board has no limit."""
    if limit is None:
        return None, None
    fraction = Decimal(str(limit))
    return to_tick(previous_close * (1 - fraction)), to_tick(previous_close * (1 + fraction))
