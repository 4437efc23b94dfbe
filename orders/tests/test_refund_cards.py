"""Refunding a pending package paid partly with prepaid cards (docs/PRODUCT.md "Refunds"): the card's part goes
back to the same card, never to cash; finance's admin shows where each tender goes before the refund is
confirmed, including a card part that lapses because the card has expired."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.days import account_today
from orders.models import Order, OrderStatus, Package
from orders.payment import order_pay, order_refund_preview
from orders.tests.factories import cash, fund_cash, give_card, purchase_order
from payments.models import Wallet
from payments.tenders import RefundTo, TenderSpec
from payments.tests.factories import expire_now
from tests.auth import login_staff

pytestmark = pytest.mark.django_db


def _paid_with_two_cards(account, owner, ws):
    order = purchase_order(account, owner, workspaces=[ws])  # 42,000.00
    kept, expiring = give_card(account, "10000.00"), give_card(account, "5000.00")
    fund_cash(account, order.total - Decimal("15000.00"))
    order = order_pay(order=order, actor=owner, tenders=[
        TenderSpec(kind="card", amount=Decimal("10000.00"), instrument_id=kept.pk),
        TenderSpec(kind="card", amount=Decimal("5000.00"), instrument_id=expiring.pk),
        cash(order.total - Decimal("15000.00")),
    ])
    return order, kept, expiring


def test_preview_then_refund_returns_card_parts_to_their_cards(client, account, owner, ws_a, django_user_model,
                                                              django_assert_max_num_queries):
    order, kept, expiring = _paid_with_two_cards(account, owner, ws_a)
    expire_now(expiring)
    preview = order_refund_preview(order=order)
    assert preview.error is None and preview.total == order.total
    legs = preview.orders[0][1]
    assert [(leg.card, leg.to) for leg in legs] == [(kept, RefundTo.CARD), (expiring, RefundTo.CARD_LAPSES),
                                                   (None, RefundTo.CASH)]

    staff = django_user_model.objects.create_superuser("finance", "f@example.com", "pw-pw-pw-pw-1")
    login_staff(client, staff)
    url = reverse("admin:orders_order_changelist")
    with django_assert_max_num_queries(20):
        page = client.post(url, {"action": "refund_orders", "_selected_action": [order.pk]})
    text = page.content.decode()
    assert kept.number in text and expiring.number in text
    assert "the same prepaid card, which has expired: the amount lapses" in text
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID

    client.post(url, {"action": "refund_orders", "_selected_action": [order.pk], "apply": "1", "reason": "r"})
    kept.refresh_from_db()
    expiring.refresh_from_db()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED
    assert kept.balance == Decimal("10000.00") and expiring.balance == Decimal("0.00")
    assert Wallet.objects.get(account=account).cash_balance == order.total - Decimal("15000.00")


def test_preview_of_a_started_package_says_why_it_is_not_refundable(account, owner, ws_a):
    order, _kept, _expiring = _paid_with_two_cards(account, owner, ws_a)
    Package.objects.filter(pk=order.package_id).update(starts_on=account_today(account))
    preview = order_refund_preview(order=order)
    assert preview.error == "This package has started; a package is not refundable once active."
    assert preview.orders == []
