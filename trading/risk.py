"""The risk guard, asked before every buy: sells always run, so a position can always be closed."""

from __future__ import annotations

from decimal import Decimal

from brokers.base import AccountState
from trading.models import AccountSnapshot, Strategy


class BuyingBlocked(Exception):
    pass


def check_buying(strategy: Strategy, state: AccountState, holdings: int) -> None:
    """Raise BuyingBlocked when the kill switch, the position count, or a loss limit says no buys today."""
    if strategy.buying_halted:
        raise BuyingBlocked("buying is halted by the kill switch (strategy admin)")
    if holdings >= strategy.max_positions:
        raise BuyingBlocked(f"already holding {holdings} stocks, the maximum is {strategy.max_positions}")
    snapshots = AccountSnapshot.objects.filter(account=strategy.account)
    last = snapshots.order_by("-date").first()
    if last is not None and last.equity > 0:
        loss = (last.equity - state.equity) / last.equity * 100
        if loss >= Decimal(str(strategy.max_daily_loss_pct)):
            raise BuyingBlocked(f"equity {state.equity} is {loss:.2f}% below the last close's {last.equity}: "
                                f"daily loss limit {strategy.max_daily_loss_pct}%")
    peak = snapshots.order_by("-equity").values_list("equity", flat=True).first()
    if peak:
        drawdown = (peak - state.equity) / peak * 100
        if drawdown >= Decimal(str(strategy.max_drawdown_pct)):
            raise BuyingBlocked(f"equity {state.equity} is {drawdown:.2f}% below its best {peak}: "
                                f"drawdown limit {strategy.max_drawdown_pct}%")


def cash_for_each(strategy: Strategy, cash: Decimal, picks: int) -> Decimal:
    """Available cash split equally over the picks, capped per stock."""
    if picks == 0:
        return Decimal("0.00")
    share = (cash / picks).quantize(Decimal("0.01"))
    if strategy.max_cash_per_stock is not None:
        share = min(share, strategy.max_cash_per_stock)
    return share
