"""Bills that stay right across time (docs/RULES-plans.md): every kind of catalogue change (PAYG price,
conversion factor, plan capacity, plan price, traffic unit price, discount tier) leaves every past day's bill
unchanged to the cent when it is re-run; a day after a change uses the new PAYG price; a package keeps the
capacities and factors it was sold with; an upgrade is priced with the new plan's version in force on the
day it is bought, less the price paid for the current plan."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from orders.models import OrderLineKind, Package
from orders.payment import order_pay
from orders.pricing import account_today
from orders.purchase import order_create_upgrade
from orders.tests.factories import cash, fund_cash, paid_package, plan, purchase_order, traffic_package
from plans.selectors import catalogue_freeze_day, catalogue_today, figures_on
from plans.tests.factories import discount_tiers, plan_version, policy_version, traffic_version
from quota.models import Bill, BillLine
from quota.night import night_run_chunk
from quota.selectors import quota_usage
from quota.tests import factories as f
from tests.clock import FIXED_FUTURE_NOW
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db

START = date(2026, 1, 1)  # packages start; sold the day before
D = date(2026, 3, 10)  # a day billed before the change
E = date(2026, 3, 15)  # the change takes effect
D2 = date(2026, 3, 20)  # a day billed after it


def _lines(account, day):
    return sorted(
        (ln.workspace_id, ln.billing_item.code, ln.storage_policy_id, ln.package_id, ln.usage, ln.factor,
         ln.converted, ln.covered_by_package, ln.covered_by_traffic, ln.overage, ln.unit_price, ln.amount)
        for ln in BillLine.objects.filter(bill__account=account, bill__day=day).select_related("billing_item")
    )


def _total(account, day) -> Decimal:
    return Bill.objects.get(account=account, day=day).total


@pytest.fixture
def scene(account):
    """Covered workspaces a (log 30 days: factor 2) and b (default log 14 days) in a Startup package with a log
    traffic package, and an uncovered workspace c on log 30 days; usage on D and D2."""
    f.fund_cash(account, "1000000.00")
    a, b, c = (WorkspaceFactory(account=account) for _ in range(3))
    pkg = f.package(account, [a, b], starts_on=START)
    f.add_traffic(pkg, "log", 5_000_000, START)
    f.policy(a, "log", 30)
    f.policy(c, "log", 30)
    for day in (D, D2):
        f.usage(a, "log", day, 30_000_000)  # converted 60,000,000
        f.usage(b, "log", day, 10_000_000)
        f.usage(c, "log", day, 4_000_000)
        f.usage(b, "apm", day, 6_000_000)
    return {"account": account, "a": a, "b": b, "c": c, "pkg": pkg}


def _change(kind: str, effective: date) -> None:
    if kind == "payg_price":
        policy_version("log", 14, effective, price="3")
        policy_version("log", 30, effective, price="4")
    elif kind == "conversion_factor":
        policy_version("log", 30, effective, factor=5)
    elif kind == "capacity":
        plan_version("startup", effective, capacities={"log": 1_000_000, "apm": 1})
    elif kind == "plan_price":
        plan_version("startup", effective, price="50000")
    elif kind == "traffic_unit_price":
        traffic_version("log", effective, unit_price="9", minimum=2_000_000)
    elif kind == "discount_tier":
        traffic_version("log", effective, tiers=[(1_000_000, "50")])


KINDS = ["payg_price", "conversion_factor", "capacity", "plan_price", "traffic_unit_price", "discount_tier"]


@pytest.mark.parametrize("kind", KINDS)
def test_rerunning_a_past_day_after_a_change_changes_nothing(scene, kind):
    account = scene["account"]
    for day in (D, D2):
        night_run_chunk(day=day, account_ids=[account.pk])
    before = {day: (_lines(account, day), _total(account, day)) for day in (D, D2)}
    _change(kind, catalogue_freeze_day())  # finance's change: from the furthest-ahead zone's today at the earliest
    for day in (D, D2):
        night_run_chunk(day=day, account_ids=[account.pk])
        assert (_lines(account, day), _total(account, day)) == before[day]


@pytest.mark.parametrize("kind", KINDS)
def test_a_change_effective_between_two_days_leaves_the_earlier_one_alone(scene, kind):
    """The change took effect on E (written as if announced long ago): D re-runs to the same cent."""
    account = scene["account"]
    night_run_chunk(day=D, account_ids=[account.pk])
    before = (_lines(account, D), _total(account, D))
    _change(kind, E)
    night_run_chunk(day=D, account_ids=[account.pk])
    assert (_lines(account, D), _total(account, D)) == before


def test_payg_lines_use_the_price_of_the_usage_day(scene):
    account, b, c = scene["account"], scene["b"], scene["c"]
    _change("payg_price", E)
    for day in (D, D2):
        night_run_chunk(day=day, account_ids=[account.pk])
    c_before = BillLine.objects.get(bill__day=D, workspace=c, billing_item__code="log")
    c_after = BillLine.objects.get(bill__day=D2, workspace=c, billing_item__code="log")
    # uncovered: raw usage at its own policy's price of the day (30 days: 2 before E, 4 from E)
    assert (c_before.unit_price, c_before.amount) == (Decimal("2"), Decimal("8.00"))
    assert (c_after.unit_price, c_after.amount) == (Decimal("4"), Decimal("16.00"))
    # covered: the overage at the default policy's price of the day (14 days: 1.5 before E, 3 from E)
    b_before = BillLine.objects.get(bill__day=D, workspace=b, billing_item__code="log")
    b_after = BillLine.objects.get(bill__day=D2, workspace=b, billing_item__code="log")
    assert b_before.overage == b_after.overage == 10_000_000  # a took the 40M plan and 5M traffic capacity
    assert (b_before.unit_price, b_before.amount) == (Decimal("1.5"), Decimal("15.00"))
    assert (b_after.unit_price, b_after.amount) == (Decimal("3"), Decimal("30.00"))


def test_a_package_keeps_the_factors_and_capacities_it_was_sold_with(scene):
    account, a, c = scene["account"], scene["a"], scene["c"]
    _change("conversion_factor", E)
    _change("capacity", E)
    night_run_chunk(day=D2, account_ids=[account.pk])
    covered = BillLine.objects.get(bill__day=D2, workspace=a, billing_item__code="log")
    assert (covered.factor, covered.converted, covered.covered_by_package) == (2, 60_000_000, 40_000_000)
    uncovered = BillLine.objects.get(bill__day=D2, workspace=c, billing_item__code="log")
    assert uncovered.factor == 5  # no package: the usage day's version


def test_a_package_sold_after_the_change_gets_the_new_figures(account):
    f.fund_cash(account, "100000.00")
    ws = WorkspaceFactory(account=account)
    _change("capacity", E)
    _change("conversion_factor", E)
    f.package(account, [ws], starts_on=E + timedelta(days=1), sold_on=E)
    f.policy(ws, "log", 30)
    f.usage(ws, "log", D2, 1_000_000)
    night_run_chunk(day=D2, account_ids=[account.pk])
    ln = BillLine.objects.get(bill__day=D2, workspace=ws, billing_item__code="log")
    assert (ln.factor, ln.converted, ln.covered_by_package, ln.overage) == (5, 5_000_000, 1_000_000, 4_000_000)


def test_a_package_sold_before_a_capacity_change_keeps_its_capacities(account, owner):
    ws = WorkspaceFactory(account=account)
    package = paid_package(account, owner, workspaces=[ws])
    sold = package.plan_version
    tomorrow = catalogue_today() + timedelta(days=1)
    new = plan_version("startup", tomorrow, price="50000", capacities={"log": 1_000_000})
    package.refresh_from_db()
    assert package.plan_version == sold != new
    assert package.plan_periods.get().plan_version == sold
    day = package.starts_on + timedelta(days=3)  # after the change: the package's capacity is still 40M
    usage = quota_usage(account=account, date_from=day, date_to=day)
    log = next(i for i in usage["items"] if i["item"].code == "log")
    assert log["days"][0]["capacity"] == 40_000_000
    # a purchase after the change (from tomorrow on) is sold with the new version
    order = purchase_order(account, owner, workspaces=[WorkspaceFactory(account=account)])
    assert order.lines.get(kind=OrderLineKind.PLAN).plan_version == sold  # today still the old one


def test_an_upgrade_is_priced_with_the_new_plan_of_the_day_and_credits_the_price_paid(account, owner):
    ws = WorkspaceFactory(account=account)
    package = paid_package(account, owner, workspaces=[ws])
    starts_on = account_today(account) - timedelta(days=99)
    Package.objects.filter(pk=package.pk).update(
        starts_on=starts_on, ends_on=starts_on + timedelta(days=364), status="active"
    )
    today = catalogue_today()
    plan_version("startup", today, price="50000")
    growth = plan_version("growth", today, price="300000", capacities={"log": 500_000_000})
    order = order_create_upgrade(package=package, target_plan=plan("growth"), actor=owner)
    line = order.lines.get()
    # (300,000 today - 42,000 paid for Startup, not its 50,000 of today) x 265 remaining of 365 days
    assert order.total == Decimal("187315.07") and line.plan_version == growth
    assert line.unit_price == Decimal("258000")
    fund_cash(account, order.total)
    order_pay(order=order, tenders=[cash(order.total)], actor=owner)
    package.refresh_from_db()
    period = package.plan_periods.get(valid_from=order.effective_on)
    assert period.plan_version == growth and package.plan_version == growth
    # the package's factors stay those of its sale
    assert package.catalogue_day == today


@pytest.mark.time_machine(FIXED_FUTURE_NOW)
def test_traffic_is_priced_with_the_tiers_in_force_on_the_day_it_is_bought(account, owner):
    log = traffic_package("log")
    discount_tiers("log", [(10_000_000, "10")])
    order = purchase_order(account, owner, traffic=[(log, 20_000_000)])
    traffic_line = order.lines.get(kind=OrderLineKind.TRAFFIC)
    assert traffic_line.discount_percent == Decimal("10") and traffic_line.amount == Decimal("9855.00")
    assert traffic_line.traffic_version == figures_on(catalogue_today()).traffic(log.pk)
    assert order.catalogue_day == account_today(account)
