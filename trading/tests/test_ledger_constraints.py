"""The database itself refuses what would corrupt the trading ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from trading.tests.factories import AccountSnapshotFactory, FillFactory, OrderFactory, PositionFactory

pytestmark = pytest.mark.django_db


def test_a_client_order_id_is_used_once():
    order = OrderFactory()
    with pytest.raises(IntegrityError):
        OrderFactory(client_order_id=order.client_order_id, stock=order.stock, account=order.account)


def test_a_broker_fill_is_stored_once_per_order():
    fill = FillFactory()
    with pytest.raises(IntegrityError):
        FillFactory(order=fill.order, broker_fill_id=fill.broker_fill_id)


def test_fees_and_gross_add_up_to_the_cent():
    fill = FillFactory.build(quantity=300, price=Decimal("12.345"), commission=Decimal("5.00"),
                             stamp_duty=Decimal("1.85"), transfer_fee=Decimal("0.04"))
    assert fill.gross == Decimal("3703.50")
    assert fill.fees == Decimal("6.89")


@pytest.mark.parametrize("field", [{"quantity": 0}, {"limit_price": Decimal("-1")}])
def test_an_order_needs_a_positive_quantity_and_price(field):
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(**field)


def test_a_position_cannot_sell_more_than_it_holds():
    with pytest.raises(IntegrityError), transaction.atomic():
        PositionFactory(quantity=100, sellable_quantity=200)


def test_one_snapshot_per_account_and_day():
    snapshot = AccountSnapshotFactory()
    with pytest.raises(IntegrityError):
        AccountSnapshotFactory(account=snapshot.account, date=snapshot.date)
