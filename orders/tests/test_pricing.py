"""Prices from the catalogue: plan, traffic (capacity, discount tier, remaining days), upgrade proration,
rounding once half up."""

import datetime
from decimal import Decimal

import pytest

from core.exceptions import Conflict
from core.money import quantize
from orders.models import OrderKind, OrderLineKind, OrderStatus, Package
from orders.pricing import account_today, discount_percent, traffic_price, upgrade_price
from orders.purchase import order_create_traffic, order_create_upgrade
from orders.tests.factories import paid_package, plan, purchase_order, traffic_package
from plans.tests.factories import discount_tiers
from tests.clock import FIXED_NOW

pytestmark = pytest.mark.django_db


def _shift(package: Package, *, started_days_ago: int, total_days: int = 365) -> Package:
    """Demo/test-only: move a package in time so that it started `started_days_ago` days ago."""
    today = account_today(package.account)
    starts_on = today - datetime.timedelta(days=started_days_ago)
    Package.objects.filter(pk=package.pk).update(
        starts_on=starts_on, ends_on=starts_on + datetime.timedelta(days=total_days - 1), status="active"
    )
    package.refresh_from_db()
    return package


def test_purchase_order_prices_plan_and_traffic_for_the_whole_validity(account, owner, ws_a, ws_b):
    log = traffic_package("log")
    discount_tiers("log", [(10_000_000, "10"), (50_000_000, "20")])
    order = purchase_order(account, owner, workspaces=[ws_a, ws_b], traffic=[(log, 20_000_000)])
    assert order.kind == OrderKind.PURCHASE and order.status == OrderStatus.PENDING_PAYMENT
    plan_line, traffic_line = order.lines.order_by("id")
    assert plan_line.kind == OrderLineKind.PLAN and plan_line.amount == Decimal("42000.00")
    # 20 units x 1.5 x 365 days x (1 - 10%)
    assert traffic_line.amount == Decimal("9855.00") and traffic_line.discount_percent == Decimal("10")
    assert traffic_line.days == 365
    assert order.total == Decimal("51855.00")
    assert [w.workspace.name for w in order.workspaces.order_by("position")] == ["Workspace A", "Workspace B"]
    assert order.number.startswith("FC") and order.number.endswith(f"-{order.pk:06d}")


def test_highest_discount_tier_reached_applies(account):
    log = traffic_package("log")
    discount_tiers("log", [(10_000_000, "10"), (50_000_000, "20")])
    assert discount_percent(log, 9_000_000) == 0
    assert discount_percent(log, 10_000_000) == Decimal("10")
    assert discount_percent(log, 60_000_000) == Decimal("20")
    assert traffic_price(log, 60_000_000, 10).amount == Decimal("720.00")  # 60 x 1.5 x 10 x 0.8


def test_traffic_rounds_once_half_up(account):
    sms = traffic_package("sms")
    discount_tiers("sms", [(100, "25")])
    # 101 x 0.1 x 1 day x 0.75 = 7.575 -> 7.58 (once, half up)
    assert traffic_price(sms, 101, 1).amount == Decimal("7.58")
    # 3 days: 22.725 -> 22.73, not 3 x 7.58
    assert traffic_price(sms, 101, 3).amount == Decimal("22.73")


@pytest.mark.time_machine(FIXED_NOW)
def test_upgrade_is_prorated_by_remaining_days(account, owner, ws_a):
    package = _shift(paid_package(account, owner, workspaces=[ws_a]), started_days_ago=99)
    order = order_create_upgrade(package=package, target_plan=plan("growth"), actor=owner)
    # effective tomorrow: days 101..365 remain = 265 of 365
    assert order.effective_on == account_today(account) + datetime.timedelta(days=1)
    line = order.lines.get()
    assert line.days == 265
    assert order.total == quantize(Decimal(238000) * 265 / 365) == Decimal("172794.52")
    assert upgrade_price(paid_price=Decimal(42000), new_price=Decimal(510000), remaining_days=1,
                         total_days=365) == Decimal("1282.19")


def test_upgrade_of_a_pending_package_costs_the_full_difference(account, owner, ws_a):
    package = paid_package(account, owner, workspaces=[ws_a])
    order = order_create_upgrade(package=package, target_plan=plan("enterprise"), actor=owner)
    assert order.total == Decimal("468000.00")
    assert order.effective_on == package.starts_on


def test_traffic_order_priced_by_remaining_days_to_package_end(account, owner, ws_a):
    package = _shift(paid_package(account, owner, workspaces=[ws_a]), started_days_ago=99)
    order = order_create_traffic(package=package, traffic=[(traffic_package("log"), 3_000_000)], actor=owner)
    line = order.lines.get()
    assert line.days == 265 and order.total == Decimal("1192.50")  # 3 x 1.5 x 265


def test_last_day_of_a_package_cannot_change(account, owner, ws_a):
    package = _shift(paid_package(account, owner, workspaces=[ws_a]), started_days_ago=364)
    with pytest.raises(Conflict) as error:
        order_create_traffic(package=package, traffic=[(traffic_package("log"), 1_000_000)], actor=owner)
    assert error.value.code == "package_ending"
