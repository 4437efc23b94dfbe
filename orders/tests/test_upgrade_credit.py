"""An upgrade credits the current plan at the price actually paid for it (the plan version it was sold at), not
at today's list price: a catalogue change between the purchase and the upgrade does not change the credit."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from core.money import quantize
from orders.payment import order_pay
from orders.pricing import change_window, paid_plan_price
from orders.purchase import order_create_upgrade
from orders.tests.factories import cash, fund_cash, paid_package, plan
from plans.tests.factories import plan_version

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
BOUGHT = datetime.datetime(2027, 2, 1, 4, 0, tzinfo=UTC)  # noon in Shanghai: Startup at 42,000
FIRST_CHANGE = datetime.date(2027, 3, 1)  # Startup 60,000, Growth 300,000
UPGRADED = datetime.datetime(2027, 4, 1, 4, 0, tzinfo=UTC)
SECOND_CHANGE = datetime.date(2027, 5, 1)  # Growth 400,000, Enterprise 700,000
UPGRADED_AGAIN = datetime.datetime(2027, 6, 1, 4, 0, tzinfo=UTC)


def test_an_upgrade_credits_the_price_paid_across_catalogue_changes(client, owner, account, ws_a):
    with time_machine.travel(BOUGHT, tick=False):
        package = paid_package(account, owner, workspaces=[ws_a])
    assert paid_plan_price(package) == Decimal("42000")
    plan_version("startup", FIRST_CHANGE, price="60000")
    plan_version("growth", FIRST_CHANGE, price="300000")
    plan_version("growth", SECOND_CHANGE, price="400000")
    plan_version("enterprise", SECOND_CHANGE, price="700000")

    with time_machine.travel(UPGRADED, tick=False):
        window = change_window(package)
        client.force_login(owner)
        page = client.get(reverse("orders-package-upgrade", args=[account.id, package.pk]))
        order = order_create_upgrade(package=package, target_plan=plan("growth"), actor=owner)
        fund_cash(account, order.total)
        order_pay(order=order, tenders=[cash(order.total)], actor=owner)
    # (300,000 for Growth today - 42,000 paid for Startup; not Startup's 60,000 of today) x remaining / total
    expected = quantize(Decimal(258000) * window.remaining_days / window.total_days)
    line = order.lines.get()
    assert order.total == expected and line.unit_price == Decimal("258000")
    growth = next(o for o in page.context["options"] if o["plan"].code == "growth")
    assert growth["price"] == expected and page.context["paid_price"] == Decimal("42000")

    package.refresh_from_db()
    assert paid_plan_price(package) == Decimal("300000")  # the Growth version the upgrade sold
    with time_machine.travel(UPGRADED_AGAIN, tick=False):
        window = change_window(package)
        again = order_create_upgrade(package=package, target_plan=plan("enterprise"), actor=owner)
    # (700,000 for Enterprise today - 300,000 paid for Growth; not Growth's 400,000 of today)
    assert again.total == quantize(Decimal(400000) * window.remaining_days / window.total_days)
    assert again.lines.get().unit_price == Decimal("400000")
