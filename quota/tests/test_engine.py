"""The night's allocation: docs/PRODUCT.md "The night", steps 1-5 exactly, to the cent."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from core.money import quantize
from plans.selectors import figures_on
from quota.models import Bill, BillLine
from quota.night import night_run_chunk
from quota.tests import factories as f
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db

D = date(2026, 3, 10)
START = date(2026, 1, 1)


def run(account, day=D):
    return night_run_chunk(day=day, account_ids=[account.pk])


def line(ws, code, day=D) -> BillLine:
    return BillLine.objects.get(bill__day=day, workspace=ws, billing_item__code=code)


@pytest.fixture
def funded(account):
    f.fund_cash(account, "100000.00")
    return account


def test_seeds_worked_example(funded):
    a, b = WorkspaceFactory(account=funded), WorkspaceFactory(account=funded)
    pkg = f.package(funded, [a, b], starts_on=START)
    f.set_capacity(pkg, "log", 150_000_000)
    f.usage(a, "log", D, 100_000_000)
    f.usage(b, "log", D, 100_000_000)
    result = run(funded)
    la, lb = line(a, "log"), line(b, "log")
    assert (la.covered_by_package, la.overage, la.amount) == (100_000_000, 0, Decimal("0.00"))
    assert (lb.covered_by_package, lb.covered_by_traffic, lb.overage) == (50_000_000, 0, 50_000_000)
    assert lb.amount == Decimal("75.00") and lb.unit_price == Decimal("1.5") and lb.package_id == pkg.pk
    bill = Bill.objects.get(account=funded, day=D)
    assert bill.total == bill.charged == Decimal("75.00") == result.charged
    assert bill.settlements.get().amount == Decimal("75.00")


@pytest.mark.parametrize(
    ("code", "days", "factor"),
    [("log", 3, 1), ("log", 7, 1), ("log", 14, 1), ("log", 30, 2), ("log", 60, 3), ("apm", 3, 1), ("apm", 7, 1),
     ("apm", 14, 2), ("apm", 30, 1), ("apm", 60, 1), ("rum", 3, 1), ("rum", 7, 1), ("rum", 14, 2), ("rum", 30, 1),
     ("rum", 60, 1)],
)
def test_conversion_factor_of_every_policy(funded, code, days, factor):
    """Converted usage counts against the capacity; the overage is priced at the default policy."""
    ws = WorkspaceFactory(account=funded)
    pkg = f.package(funded, [ws], starts_on=START)
    f.set_capacity(pkg, code, 1_000_000)
    f.policy(ws, code, days)
    f.usage(ws, code, D, 1_000_000)
    run(funded)
    ln = line(ws, code)
    default = figures_on(D).policy(f.item(code).default_policy.pk)
    assert (ln.factor, ln.converted) == (factor, 1_000_000 * factor)
    assert ln.covered_by_package == 1_000_000 and ln.overage == 1_000_000 * (factor - 1)
    assert ln.unit_price == default.price
    assert ln.amount == quantize(Decimal(ln.overage) * default.price / f.item(code).pricing_unit)


def test_traffic_capacity_after_the_package(funded):
    a, b, c = (WorkspaceFactory(account=funded) for _ in range(3))
    pkg = f.package(funded, [a, b, c], starts_on=START)
    f.set_capacity(pkg, "log", 150_000_000)
    f.add_traffic(pkg, "log", 30_000_000, START)
    f.add_traffic(pkg, "log", 10_000_000, D + timedelta(days=1))  # not yet valid on D
    f.usage(a, "log", D, 100_000_000)
    f.usage(b, "log", D, 100_000_000)
    f.usage(c, "log", D, 5_000_000)
    run(funded)
    lb, lc = line(b, "log"), line(c, "log")
    assert (lb.covered_by_package, lb.covered_by_traffic, lb.overage) == (50_000_000, 30_000_000, 20_000_000)
    assert lb.amount == Decimal("30.00")
    assert (lc.covered_by_package, lc.covered_by_traffic, lc.overage, lc.amount) == (0, 0, 5_000_000, Decimal("7.50"))


def test_traffic_package_alone_for_an_item_without_plan_capacity(funded):
    ws = WorkspaceFactory(account=funded)
    pkg = f.package(funded, [ws], starts_on=START)
    f.add_traffic(pkg, "sms", 100, START)
    f.usage(ws, "sms", D, 130)
    run(funded)
    ln = line(ws, "sms")
    assert (ln.covered_by_package, ln.covered_by_traffic, ln.overage, ln.amount) == (0, 100, 30, Decimal("3.00"))


def test_uncovered_commercial_workspace_pays_its_own_policy(funded):
    covered, alone = WorkspaceFactory(account=funded), WorkspaceFactory(account=funded)
    f.package(funded, [covered], starts_on=START)
    free = WorkspaceFactory(account=funded, free=True)
    f.policy(alone, "log", 30)
    f.usage(alone, "log", D, 10_000_000)
    f.usage(alone, "datakit", D, 3)
    f.usage(free, "log", D, 10_000_000)  # a Free workspace is never billed
    run(funded)
    ln = line(alone, "log")
    assert ln.package_id is None and (ln.factor, ln.converted) == (2, 20_000_000)
    assert (ln.covered_by_package, ln.covered_by_traffic, ln.overage) == (0, 0, 10_000_000)
    assert (ln.unit_price, ln.amount) == (Decimal("2"), Decimal("20.00"))
    assert line(alone, "datakit").amount == Decimal("9.00")
    assert not BillLine.objects.filter(workspace=free).exists()


def test_package_outside_its_dates_or_refunded_does_not_cover(funded):
    a, b = WorkspaceFactory(account=funded), WorkspaceFactory(account=funded)
    f.package(funded, [a], starts_on=D + timedelta(days=1))
    f.package(funded, [b], starts_on=START, status="refunded")
    f.usage(a, "datakit", D, 1)
    f.usage(b, "datakit", D, 1)
    run(funded)
    assert line(a, "datakit").package_id is None and line(a, "datakit").amount == Decimal("3.00")
    assert line(b, "datakit").package_id is None


def test_workspace_order_change_applies_from_valid_from(funded):
    a, b = WorkspaceFactory(account=funded), WorkspaceFactory(account=funded)
    pkg = f.package(funded, [a, b], starts_on=START)
    f.set_capacity(pkg, "log", 150_000_000)
    f.reorder(pkg, [b, a], D + timedelta(days=1))
    for day in (D, D + timedelta(days=1)):
        f.usage(a, "log", day, 100_000_000)
        f.usage(b, "log", day, 100_000_000)
        run(funded, day)
    assert line(b, "log", D).overage == 50_000_000 and line(a, "log", D).overage == 0
    later = D + timedelta(days=1)
    assert line(a, "log", later).overage == 50_000_000 and line(b, "log", later).overage == 0


def test_upgrade_applies_from_its_period(funded):
    ws = WorkspaceFactory(account=funded)
    pkg = f.package(funded, [ws], starts_on=START)
    f.upgrade(pkg, "growth", D + timedelta(days=1))
    for day in (D, D + timedelta(days=1)):
        f.usage(ws, "log", day, 100_000_000)
        run(funded, day)
    assert line(ws, "log", D).overage == 60_000_000  # startup: 40,000,000
    assert line(ws, "log", D + timedelta(days=1)).overage == 0  # growth: 400,000,000


def test_bill_totals_and_voucher_payable_part(funded):
    ws = WorkspaceFactory(account=funded)
    f.usage(ws, "sms", D, 25)  # 2.50, never paid by vouchers
    f.usage(ws, "datakit", D, 2)  # 6.00
    run(funded)
    bill = Bill.objects.get(account=funded, day=D)
    assert (bill.total, bill.voucher_payable_total) == (Decimal("8.50"), Decimal("6.00"))


def test_zero_and_no_usage(account):
    ws = WorkspaceFactory(account=account)
    f.usage(ws, "log", D, 0)
    result = night_run_chunk(day=D, account_ids=[account.pk, 10**12])
    bill = Bill.objects.get(account=account, day=D)
    assert bill.total == 0 and result.settlements == 0 and not bill.settlements.exists()


@settings(max_examples=60, deadline=None)
@given(
    overage=st.integers(min_value=0, max_value=10**15),
    price=st.decimals(min_value=0, max_value=Decimal("9999999999.9999"), places=4),
    unit=st.sampled_from([1, 3, 7, 10_000, 1_000_000, 10_000_000, 999_983]),
)
def test_sql_rounding_matches_core_quantize(overage, price, unit):
    with connection.cursor() as cursor:
        cursor.execute("SELECT round(%s::bigint::numeric * %s::numeric(14,4) / %s::bigint, 2)", [overage, price, unit])
        (value,) = cursor.fetchone()
    assert value == quantize(Decimal(overage) * price / unit)


def test_half_cent_lines_round_up(funded):
    ws = WorkspaceFactory(account=funded)
    f.usage(ws, "sms", D, 5)  # 0.5 -> a tie only at cents for 0.005: use 1 PV of RUM at 1 per 10,000 PV
    f.usage(ws, "rum", D, 50)  # 50 / 10,000 * 1 = 0.005 -> 0.01
    run(funded)
    assert line(ws, "rum").amount == Decimal("0.01")
