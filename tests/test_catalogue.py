import importlib
import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from core.money import quantize
from orders.pricing import change_window, traffic_price
from plans.models import BillingItem, Plan, StoragePolicy, StoragePolicyVersion, TrafficPackage
from plans.selectors import catalogue_freeze_day, catalogue_today, figures_on, plan_list
from plans.tests.factories import traffic_version
from quota.models import Bill, BillLine
from quota.night import night_run_chunk
from quota.tests import factories as f
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db

EQUIVALENTS = {"startup": "72168.00", "growth": "517080.00", "enterprise": "1019280.00"}


@pytest.mark.parametrize(("code", "equivalent"), EQUIVALENTS.items())
def test_daily_payg_value_times_372_is_the_tables_equivalent(code, equivalent):
    plan = next(p for p in plan_list() if p.code == code)
    assert plan.payg_equivalent == Decimal(equivalent)
    assert plan.saving == Decimal(equivalent) - plan.figures.price


def test_plan_prices():
    figures = figures_on(catalogue_today())
    assert {p.code: figures.plan(p.pk).price for p in Plan.objects.all()} == {
        "startup": Decimal("42000.00"), "growth": Decimal("280000.00"), "enterprise": Decimal("510000.00"),
    }


@pytest.mark.parametrize(
    ("item", "days", "factor", "price"),
    [
        ("datakit", None, 1, "3"), ("task", None, 1, "1"), ("api", None, 1, "1"), ("backup_log", None, 1, "2"),
        ("sms", None, 1, "0.1"),
        ("log", 3, 1, "1"), ("log", 7, 1, "1.2"), ("log", 14, 1, "1.5"), ("log", 30, 2, "2"), ("log", 60, 3, "2.5"),
        ("apm", 3, 1, "2"), ("apm", 7, 1, "3"), ("apm", 14, 2, "6"), ("apm", 30, 1, "18"), ("apm", 60, 1, "60"),
        ("rum", 3, 1, "0.7"), ("rum", 7, 1, "1"), ("rum", 14, 2, "2"), ("rum", 30, 1, "6"), ("rum", 60, 1, "20"),
    ],
)
def test_storage_policies_and_conversion_factors(item, days, factor, price):
    policy = StoragePolicy.objects.get(billing_item__code=item, retention_days=days)
    version = figures_on(catalogue_today()).policy(policy.pk)
    assert version.conversion_factor == factor
    assert version.price == Decimal(price)


def test_default_policies():
    defaults = {p.billing_item.code: p.retention_days for p in StoragePolicy.objects.filter(is_default=True)}
    assert defaults == {
        "datakit": None, "log": 14, "apm": 7, "rum": 7, "task": None, "api": None, "backup_log": None, "sms": None
    }


def test_sms_is_not_voucher_payable():
    assert list(BillingItem.objects.filter(voucher_payable=False).values_list("code", flat=True)) == ["sms"]


def test_traffic_packages_all_eight_rows():
    """basic unit, minimum (base) capacity, the item's default policy (retention days), unit price per basic unit
    per day, and the price per day of the minimum (minimum / basic unit x unit price)."""
    figures = figures_on(catalogue_today())
    rows = {}
    for t in TrafficPackage.objects.select_related("billing_item"):
        version = figures.traffic(t.pk)
        per_day = Decimal(version.minimum_capacity) / t.basic_unit * version.unit_price
        rows[t.billing_item.code] = (t.basic_unit, version.minimum_capacity,
                                     t.billing_item.default_policy.retention_days, version.unit_price, per_day)
    assert rows == {
        "datakit": (1, 20, None, Decimal("3"), Decimal("60")),
        "log": (1_000_000, 1_000_000, 14, Decimal("1.5"), Decimal("1.5")),
        "backup_log": (10_000_000, 10_000_000, None, Decimal("2"), Decimal("2")),
        "apm": (1_000_000, 1_000_000, 7, Decimal("3"), Decimal("3")),
        "rum": (10_000, 100_000, 7, Decimal("1"), Decimal("10")),
        "api": (10_000, 100_000, None, Decimal("1"), Decimal("10")),
        "task": (10_000, 300_000, None, Decimal("1"), Decimal("30")),
        "sms": (1, 100, None, Decimal("0.1"), Decimal("10")),
    }


CAPACITIES = {
    "startup": {"datakit": 20, "log": 40_000_000, "apm": 5_000_000, "rum": 400_000, "task": 190_000},
    "growth": {"datakit": 100, "log": 400_000_000, "apm": 50_000_000, "rum": 2_000_000, "task": 1_400_000},
    "enterprise": {"datakit": 200, "log": 800_000_000, "apm": 100_000_000, "rum": 4_000_000, "task": 2_400_000},
}


def test_plans_daily_capacities_item_by_item():
    plans = {p.code: p for p in plan_list()}
    assert {
        code: {c.billing_item.code: c.daily_capacity for c in plans[code].figures.capacities.all()}
        for code in CAPACITIES
    } == CAPACITIES


def test_catalogue_api_is_public_and_prices_are_strings(api_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = api_client.get("/api/v1/catalogue/plans/")
    assert response.status_code == 200
    startup = next(p for p in response.json()["results"] if p["code"] == "startup")
    assert startup["price"] == "42000.00"
    assert startup["payg_equivalent"] == "72168.00"
    for path in ("/api/v1/catalogue/billing-items/", "/api/v1/catalogue/traffic-packages/"):
        assert api_client.get(path).status_code == 200


def test_catalogue_page(client):
    response = client.get("/catalogue/")
    assert response.status_code == 200
    content = response.content.decode()
    # One basis everywhere (the wizard's and the API's): the 372-day pay-as-you-go equivalent and its saving.
    assert "¥42,000.00" in content and "¥72,168.00" in content and "¥30,168.00" in content
    assert "¥28,810.00" not in content  # the old 365-day figure that disagreed with the wizard and the API


@pytest.mark.django_db
def test_the_catalogue_keeps_the_traffic_unit_on_phones_and_explains_the_factors(client):
    content = client.get("/catalogue/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # the basic unit column is hidden below 768 px: each traffic row repeats it under the item's name
    unit_line = 'class="d-md-none small text-body-secondary traffic-unit nowrap"'
    assert content.count(unit_line) == TrafficPackage.objects.count()
    assert 'id="conversion-legend"' in content and "按 n 倍计入每日额度" in content


def test_the_catalogue_the_wizard_and_the_api_state_the_same_saving(client, owner_client, account, api_client):
    api = next(p for p in api_client.get("/api/v1/catalogue/plans/").json()["results"] if p["code"] == "startup")
    saving = Decimal(api["payg_equivalent"]) - Decimal(api["price"])
    shown = f"¥{saving:,.2f} (42%)"
    assert shown in client.get("/catalogue/", HTTP_ACCEPT_LANGUAGE="en").content.decode().replace("<small>", "") \
        .replace("</small>", "")
    assert shown in owner_client.get(f"/a/{account.pk}/orders/buy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


# --- APM and RUM at 30 and 60 days: longer retention is never cheaper under a package -----------------------

LONG_FACTORS = {("apm", 30): 6, ("apm", 60): 20, ("rum", 30): 6, ("rum", 60): 20}


def announced_day() -> date:
    """The day the long-retention factors take effect (announced by migration plans/0006)."""
    return StoragePolicyVersion.objects.get(
        storage_policy__billing_item__code="apm", storage_policy__retention_days=30, conversion_factor=6
    ).effective_from


def test_the_long_retention_factors_are_a_new_version_announced_ahead():
    day = announced_day()
    assert day.day == 1 and day > catalogue_freeze_day()
    migration = importlib.import_module("plans.migrations.0006_long_retention_factors")
    assert migration.effective_day(date(2026, 12, 6)) == date(2027, 2, 1)  # + 30 = 5 January: next month's first
    assert migration.effective_day(date(2026, 12, 2)) == date(2027, 1, 1)  # + 30 = 1 January itself
    today, then = figures_on(catalogue_today()), figures_on(day)
    for (code, days), factor in LONG_FACTORS.items():
        policy = StoragePolicy.objects.get(billing_item__code=code, retention_days=days)
        assert today.policy(policy.pk).conversion_factor == 1  # what is sold until that day keeps x1
        assert [v.conversion_factor for v in today.policy_announced(policy.pk)] == [factor]
        assert then.policy(policy.pk).conversion_factor == factor
        assert then.policy(policy.pk).price == today.policy(policy.pk).price  # PAYG prices unchanged
        # the factor is the PAYG price ratio to the default policy
        default = then.policy(policy.billing_item.default_policy.pk)
        assert then.policy(policy.pk).price / default.price == factor


def covered_charge(quantity: int, capacity: int, factor: int, default_price: Decimal, unit: int) -> Decimal:
    """A covered workspace's line (docs/PRODUCT.md "The night"): converted usage beyond the capacity, at the
    default policy's PAYG price, rounded once."""
    return quantize(Decimal(max(0, quantity * factor - capacity)) * default_price / unit)


def _policies_by_retention(day: date) -> dict[str, list[tuple[int, int, Decimal]]]:
    """Per item: (retention days, factor, PAYG price) of its policies in force on `day`, shortest first."""
    figures = figures_on(day)
    result: dict[str, list[tuple[int, int, Decimal]]] = {}
    for policy in StoragePolicy.objects.select_related("billing_item").order_by("retention_days"):
        version = figures.policy(policy.pk)
        assert version is not None
        result.setdefault(policy.billing_item.code, []).append(
            (policy.retention_days or 0, version.conversion_factor, version.price))
    return result


def test_under_a_package_longer_retention_never_costs_less_for_every_item():
    day = announced_day()
    policies = _policies_by_retention(day)
    figures = figures_on(day)
    items = {i.code: (figures.policy(i.default_policy.pk).price, i.pricing_unit)
             for i in BillingItem.objects.prefetch_related("storage_policies")}

    @settings(max_examples=400, deadline=None)
    @given(quantity=st.integers(0, 10**13), capacity=st.integers(0, 10**13))
    def check(quantity, capacity):
        for code, options in policies.items():
            price, unit = items[code]
            for (_d1, shorter, payg1), (_d2, longer, payg2) in itertools.pairwise(options):
                assert longer >= shorter and payg2 >= payg1
                assert covered_charge(quantity, capacity, longer, price, unit) >= covered_charge(
                    quantity, capacity, shorter, price, unit)

    check()


def test_before_the_new_version_60_days_of_apm_cost_less_than_14_under_a_package():
    """Why the version exists: 10,000,000 traces with the Startup package's 5,000,000."""
    options = {days: factor for days, factor, _price in _policies_by_retention(catalogue_today())["apm"]}
    assert covered_charge(10_000_000, 5_000_000, options[60], Decimal(3), 1_000_000) == Decimal("15.00")
    assert covered_charge(10_000_000, 5_000_000, options[14], Decimal(3), 1_000_000) == Decimal("45.00")
    assert quantize(Decimal(10_000_000) * 60 / 1_000_000) == Decimal("600.00")  # uncovered at 60 days


def test_the_night_converts_apm_and_rum_with_the_new_factors_for_packages_sold_from_that_day(account):
    """10,000,000 traces a day under a Startup package (5,000,000 APM): at 14 days x2, 15,000,000 over the
    capacity x 3 / 1,000,000 = 45.00; at 60 days sold before the version x1, 5,000,000 over = 15.00; sold from
    its day x20, 195,000,000 over = 585.00 (still below 600.00 uncovered). RUM 60 days from its day: 100,000
    PV x20 = 2,000,000 - 400,000 = 1,600,000 over x 1 / 10,000 = 160.00."""
    f.fund_cash(account, "100000.00")
    new_day = announced_day()
    usage_day = new_day + timedelta(days=5)
    old14, old60, new60 = (WorkspaceFactory(account=account) for _ in range(3))
    f.package(account, [old14], starts_on=new_day - timedelta(days=10))
    f.package(account, [old60], starts_on=new_day - timedelta(days=10))
    f.package(account, [new60], starts_on=new_day + timedelta(days=1), sold_on=new_day)
    f.policy(old14, "apm", 14)
    f.policy(old60, "apm", 60)
    f.policy(new60, "apm", 60)
    f.policy(new60, "rum", 60)
    for ws in (old14, old60, new60):
        f.usage(ws, "apm", usage_day, 10_000_000)
    f.usage(new60, "rum", usage_day, 100_000)
    with time_machine.travel(datetime.combine(usage_day + timedelta(days=1), time(12), UTC), tick=False):
        night_run_chunk(day=usage_day, account_ids=[account.pk])  # the night after the usage day

    def line(ws, code="apm"):
        ln = BillLine.objects.get(bill__day=usage_day, workspace=ws, billing_item__code=code)
        return ln.factor, ln.converted, ln.covered_by_package, ln.overage, ln.amount

    assert line(old14) == (2, 20_000_000, 5_000_000, 15_000_000, Decimal("45.00"))
    assert line(old60) == (1, 10_000_000, 5_000_000, 5_000_000, Decimal("15.00"))
    assert line(new60) == (20, 200_000_000, 5_000_000, 195_000_000, Decimal("585.00"))
    assert line(new60, "rum") == (20, 2_000_000, 400_000, 1_600_000, Decimal("160.00"))


# --- the vendor's two worked days, through the night ---------------------------------------------------------

START = date(2026, 1, 1)  # the Startup package runs 2026-01-01 .. 2026-12-31 (sold 2025-12-31)
DAY1 = date(2026, 3, 10)
DAY2 = date(2026, 3, 11)


def _bill(account, day):
    lines = {
        ln.billing_item.code: (ln.usage, ln.factor, ln.converted, ln.covered_by_package, ln.covered_by_traffic,
                               ln.overage, ln.unit_price, ln.amount)
        for ln in BillLine.objects.filter(bill__account=account, bill__day=day).select_related("billing_item")
    }
    return lines, Bill.objects.get(account=account, day=day).total


def test_worked_days_startup_with_long_storage_then_a_discounted_log_traffic_package(account):
    f.fund_cash(account, "100000.00")
    ws = WorkspaceFactory(account=account)
    package = f.package(account, [ws], starts_on=START)
    f.policy(ws, "log", 60)  # x3
    f.policy(ws, "apm", 14)  # x2
    for day in (DAY1, DAY2):
        f.usage(ws, "log", day, 20_000_000)
        f.usage(ws, "apm", day, 3_000_000)

    # Day 1, the package alone (daily capacities: log 40,000,000, APM 5,000,000).
    # log: 20,000,000 x3 = 60,000,000 converted; 40,000,000 covered; 20,000,000 over at the default policy
    #      (14 days, 1.5 per 1,000,000): 20 x 1.5 = 30.00
    # APM: 3,000,000 x2 = 6,000,000 converted; 5,000,000 covered; 1,000,000 over at 3 per 1,000,000 = 3.00
    # the day: 30.00 + 3.00 = 33.00
    night_run_chunk(day=DAY1, account_ids=[account.pk])
    assert _bill(account, DAY1) == ({
        "log": (20_000_000, 3, 60_000_000, 40_000_000, 0, 20_000_000, Decimal("1.5"), Decimal("30.00")),
        "apm": (3_000_000, 2, 6_000_000, 5_000_000, 0, 1_000_000, Decimal("3"), Decimal("3.00")),
    }, Decimal("33.00"))

    # On day 1 (noon, Beijing) the owner adds 20,000,000 of log-data traffic, from day 2 to the package's end.
    # Finance's discount tiers for log traffic: 10% off from 10,000,000 a day, 20% off from 50,000,000.
    traffic_version("log", date(2026, 3, 1), tiers=[(10_000_000, "10"), (50_000_000, "20")])
    window = change_window(package, now=datetime(2026, 3, 10, 4, 0, tzinfo=UTC))
    # 2026-03-11 .. 2026-12-31: 21 + 30 + 31 + 30 + 31 + 31 + 30 + 31 + 30 + 31 = 296 days
    assert (window.effective, window.remaining_days) == (DAY2, 296)
    price = traffic_price(TrafficPackage.objects.get(billing_item__code="log"), 20_000_000,
                          window.remaining_days, figures_on(DAY1))
    # 20,000,000 / 1,000,000 = 20 units x 1.5 = 30.00 a day x 296 days = 8,880.00, less 10% = 7,992.00
    assert (price.unit_price, price.discount_percent, price.amount) == (Decimal("1.5"), Decimal("10"),
                                                                       Decimal("7992.00"))
    f.add_traffic(package, "log", 20_000_000, window.effective)

    # Day 2, the same usage: log 60,000,000 converted = 40,000,000 by the package + 20,000,000 by the traffic
    # package, nothing over (0.00); APM as on day 1 (3.00); the day: 3.00
    night_run_chunk(day=DAY2, account_ids=[account.pk])
    assert _bill(account, DAY2) == ({
        "log": (20_000_000, 3, 60_000_000, 40_000_000, 20_000_000, 0, Decimal("1.5"), Decimal("0.00")),
        "apm": (3_000_000, 2, 6_000_000, 5_000_000, 0, 1_000_000, Decimal("3"), Decimal("3.00")),
    }, Decimal("3.00"))
    # day 1 re-runs to the same cent (the traffic starts on day 2)
    night_run_chunk(day=DAY1, account_ids=[account.pk])
    assert _bill(account, DAY1)[1] == Decimal("33.00")
