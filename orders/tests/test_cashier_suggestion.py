"""The cashier's "use the most of each": the settlement order's split for the order (payments.allocation, the
night's own allocation run read-only), shown beside the form and filled into the inputs on request."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import OrderStatus
from orders.tests.factories import fund_cash, give_card, purchase_order
from payments.models import PaymentTender, TenderKind, VoucherKind, Wallet
from payments.tests.factories import give_voucher

pytestmark = pytest.mark.django_db
D = Decimal


def test_use_the_most_of_each_fills_the_settlement_order_and_pays_it(owner_client, owner, account, ws_a):
    order = purchase_order(account, owner, workspaces=[ws_a])  # Startup: ¥42,000.00
    late_card = give_card(account, "5000.00")
    full = give_voucher(account, "500", kind=VoucherKind.FULL_REDUCTION, days=5)
    ordinary = give_voucher(account, "1000", days=20)
    fund_cash(account, "50000.00")
    url = reverse("orders-pay", args=[account.pk, order.pk])
    plain = owner_client.get(url)
    assert plain.context["cash_value"] == ""  # the split is shown, the inputs stay empty until asked
    assert [row["amount"] for row in plain.context["suggestion"]] == [D("1000"), D("500"), D("5000"), D("35500")]
    assert "Use the most of each" in plain.content.decode()

    filled = owner_client.get(url, {"fill": "plan"})
    values = {row["obj"].pk: row["value"] for row in filled.context["vouchers"]}
    assert values == {ordinary.pk: "1000.00", full.pk: "500.00"}
    assert [row["value"] for row in filled.context["cards"]] == ["5000.00"]
    assert filled.context["cash_value"] == "35500.00" and filled.context["shortfall"] == 0

    paid = owner_client.post(url, {"idempotency_key": "k1", f"voucher_{ordinary.pk}": "1000.00",
                                   f"voucher_{full.pk}": "500.00", f"card_{late_card.pk}": "5000.00",
                                   "cash": "35500.00"})
    assert paid.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert sorted((t.kind, t.amount) for t in PaymentTender.objects.filter(payment=order.payment)) == [
        (TenderKind.CASH, D("35500.00")), (TenderKind.FULL_REDUCTION_VOUCHER, D("500.00")),
        (TenderKind.ORDINARY_VOUCHER, D("1000.00")), (TenderKind.PREPAID_CARD, D("5000.00"))]


def test_a_split_that_does_not_cover_leaves_cash_as_the_rest_and_shows_the_shortfall(
        owner_client, owner, account, ws_a):
    order = purchase_order(account, owner, workspaces=[ws_a])
    card = give_card(account, "2000.00")
    fund_cash(account, "30000.00")
    filled = owner_client.get(reverse("orders-pay", args=[account.pk, order.pk]), {"fill": "plan"})
    assert [row["value"] for row in filled.context["cards"]] == ["2000.00"]
    assert filled.context["cash_value"] == ""
    assert filled.context["suggestion_shortfall"] == D("10000.00") == filled.context["shortfall"]
    assert card.pk and Wallet.objects.get(account=account).cash_balance == D("30000.00")


def test_cashier_query_count_does_not_grow_with_instruments(owner_client, owner, account, ws_a,
                                                            django_assert_max_num_queries):
    order = purchase_order(account, owner, workspaces=[ws_a])
    url = reverse("orders-pay", args=[account.pk, order.pk])
    give_card(account, "100.00")
    give_voucher(account, "10")
    with django_assert_max_num_queries(60) as first:
        owner_client.get(url, {"fill": "plan"})
    for _ in range(3):
        give_card(account, "100.00")
        give_voucher(account, "10")
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = owner_client.get(url, {"fill": "plan"})
    assert len(response.context["suggestion"]) == 8
