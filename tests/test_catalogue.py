from decimal import Decimal

import pytest

from plans.models import BillingItem, Plan, StoragePolicy, TrafficPackage
from plans.selectors import catalogue_today, figures_on, plan_list

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


def test_traffic_packages():
    figures = figures_on(catalogue_today())
    rows = {
        t.billing_item.code: (t.basic_unit, figures.traffic(t.pk).minimum_capacity, figures.traffic(t.pk).unit_price)
        for t in TrafficPackage.objects.select_related("billing_item")
    }
    assert rows["rum"] == (10_000, 100_000, Decimal("1.0000"))
    assert rows["task"] == (10_000, 300_000, Decimal("1.0000"))
    assert rows["sms"] == (1, 100, Decimal("0.1000"))
    assert len(rows) == 8


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
    # The price, the published 372-day reference, and the honest saving over the 365 days the package lasts.
    assert "¥42,000.00" in content and "¥72,168.00" in content and "¥28,810.00" in content
