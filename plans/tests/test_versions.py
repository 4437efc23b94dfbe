"""The dated catalogue (docs/RULES-plans.md): the figures in force on a day, announced changes, and the
freeze of versions in force (database trigger and admin)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from plans.admin import earliest_day_message
from plans.models import (
    BillingItem,
    PlanVersion,
    PlanVersionCapacity,
    StoragePolicy,
    StoragePolicyVersion,
    TrafficPackage,
    TrafficVersionTier,
)
from plans.selectors import (
    catalogue_freeze_day,
    catalogue_today,
    figures_on,
    freeze_day_in_database,
    plan_list,
    traffic_package_list,
)
from plans.tests.factories import plan_version, policy_version, traffic_version
from tests.auth import login_staff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _first(plan_code="startup") -> PlanVersion:
    return PlanVersion.objects.get(plan__code=plan_code, effective_from=datetime.date(2000, 1, 1))


def assert_refused(action) -> None:
    with pytest.raises(DatabaseError, match=r"never changed|in the past"), transaction.atomic():
        action()


# --- the database freezes what is in force --------------------------------------------------------------


def test_a_version_in_force_cannot_be_edited_or_deleted_in_the_database():
    version = _first()
    assert_refused(lambda: PlanVersion.objects.filter(pk=version.pk).update(price=Decimal("1.00")))
    assert_refused(lambda: PlanVersion.objects.filter(pk=version.pk).delete())
    policy = StoragePolicyVersion.objects.filter(effective_from=datetime.date(2000, 1, 1)).first()
    assert_refused(lambda: StoragePolicyVersion.objects.filter(pk=policy.pk).update(conversion_factor=9))
    capacity = version.capacities.first()
    assert_refused(lambda: PlanVersionCapacity.objects.filter(pk=capacity.pk).update(daily_capacity=1))
    assert_refused(lambda: PlanVersionCapacity.objects.filter(pk=capacity.pk).delete())
    assert_refused(lambda: PlanVersionCapacity.objects.create(
        plan_version=version, billing_item_id=capacity.billing_item_id + 1000, daily_capacity=1))
    version.refresh_from_db()
    assert version.price == Decimal("42000.00")


def test_a_version_cannot_take_effect_in_the_past():
    yesterday = catalogue_freeze_day() - DAY
    assert_refused(lambda: PlanVersion.objects.create(plan=_first().plan, effective_from=yesterday, price=Decimal("1")))
    future = PlanVersion.objects.create(plan=_first().plan, effective_from=catalogue_freeze_day() + DAY, price=1)
    assert_refused(lambda: PlanVersion.objects.filter(pk=future.pk).update(effective_from=yesterday))


def test_an_announced_version_can_be_edited_and_withdrawn_until_its_day():
    tomorrow = catalogue_freeze_day() + DAY
    version = plan_version("growth", tomorrow, price="300000")
    PlanVersion.objects.filter(pk=version.pk).update(price=Decimal("290000.00"))
    PlanVersionCapacity.objects.filter(plan_version=version).update(daily_capacity=7)
    PlanVersionCapacity.objects.filter(plan_version=version).delete()
    PlanVersion.objects.filter(pk=version.pk).delete()
    assert not PlanVersion.objects.filter(pk=version.pk).exists()


def test_a_version_effective_today_gets_its_rows_in_its_own_transaction_only():
    # version + tiers in one transaction, on the earliest day allowed (the freeze day itself): accepted
    version = traffic_version("log", freeze_day_in_database(), tiers=[(10_000_000, "10")])
    assert version.tiers.count() == 1
    # the test runs in one transaction, so a second statement here still counts as the same transaction;
    # what a later transaction sees is that the version is in force: no edit
    assert_refused(lambda: TrafficVersionTier.objects.filter(version=version).update(percent_off=Decimal("50")))


# --- figures in force on a day ---------------------------------------------------------------------------


def test_figures_on_a_day_pick_the_latest_version_on_or_before_it():
    start = catalogue_today() + 10 * DAY
    policy = StoragePolicy.objects.get(billing_item__code="log", retention_days=30)
    new = policy_version("log", 30, start, price="2.5", factor=3)
    assert figures_on(start - DAY).policy(policy.pk).price == Decimal("2")
    assert figures_on(start).policy(policy.pk) == new
    assert figures_on(start + 100 * DAY).policy(policy.pk).conversion_factor == 3
    assert figures_on(catalogue_today()).policy_announced(policy.pk) == [new]


def test_public_lists_show_the_prices_in_force_and_the_announced_change(client, api_client):
    day = catalogue_today() + 30 * DAY
    plan_version("startup", day, price="45000", capacities={"log": 50_000_000})
    traffic_version("log", day, unit_price="1.6")
    startup = next(p for p in plan_list() if p.code == "startup")
    assert startup.figures.price == Decimal("42000.00")
    assert [a.price for a in startup.announced] == [Decimal("45000.00")]
    log = next(t for t in traffic_package_list() if t.billing_item.code == "log")
    assert log.announced[0].unit_price == Decimal("1.6")
    body = api_client.get("/api/v1/catalogue/plans/").json()
    startup_json = next(p for p in body["results"] if p["code"] == "startup")
    assert startup_json["price"] == "42000.00"
    assert startup_json["announced"][0]["effective_from"] == day.isoformat()
    assert startup_json["announced"][0]["price"] == "45000.00"
    assert {"billing_item": "log", "daily_capacity": 50_000_000} in startup_json["announced"][0]["capacities"]
    page = client.get("/catalogue/").content.decode()
    assert "¥42,000.00" in page and "¥45,000.00" in page and day.isoformat() in page


# --- admin ---------------------------------------------------------------------------------------------


@pytest.fixture
def finance_client(client):
    return login_staff(client, UserFactory(username="finance", is_staff=True, is_superuser=True))


def test_admin_shows_a_version_in_force_read_only_and_lets_an_announced_one_change(finance_client):
    version = _first()
    url = f"/admin/plans/planversion/{version.pk}/change/"
    page = finance_client.get(url)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    response = finance_client.post(url, {"plan": version.plan_id, "effective_from": "2000-01-01", "price": "1"})
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.price == Decimal("42000.00")
    assert finance_client.get(f"/admin/plans/planversion/{version.pk}/delete/").status_code == 403
    announced = plan_version("startup", catalogue_today() + 5 * DAY, price="43000")
    assert b'name="_save"' in finance_client.get(f"/admin/plans/planversion/{announced.pk}/change/").content
    history = finance_client.get(f"/admin/plans/plan/{version.plan_id}/change/").content.decode()
    assert "43" in history and (catalogue_today() + 5 * DAY).strftime("%Y") in history


def test_admin_refuses_a_version_in_the_past_next_to_the_field(finance_client):
    policy = StoragePolicy.objects.get(billing_item__code="log", retention_days=14)
    before = StoragePolicyVersion.objects.count()
    response = finance_client.post("/admin/plans/storagepolicyversion/add/", {
        "storage_policy": policy.pk, "effective_from": (catalogue_today() - DAY).isoformat(), "price": "9",
        "conversion_factor": "1",
    })
    assert response.status_code == 200
    assert "effective_from" in response.context["adminform"].form.errors
    assert StoragePolicyVersion.objects.count() == before
    response = finance_client.post("/admin/plans/storagepolicyversion/add/", {
        "storage_policy": policy.pk, "effective_from": (catalogue_today() + DAY).isoformat(), "price": "9",
        "conversion_factor": "1",
    })
    assert response.status_code == 302
    assert StoragePolicyVersion.objects.count() == before + 1


def test_admin_keeps_what_a_night_reads_of_an_item_a_policy_and_a_traffic_package(finance_client):
    """pricing_unit, voucher_payable, a policy's default and retention, a traffic package's basic unit: a night
    reads them besides the dated versions, so once created they are shown read-only (a re-run of a billed day
    must price it as before)."""

    item = BillingItem.objects.get(code="log")
    page = finance_client.get(f"/admin/plans/billingitem/{item.pk}/change/").content.decode()
    assert 'name="pricing_unit"' not in page and 'name="voucher_payable"' not in page
    assert 'name="storage_policies-0-is_default"' not in page
    policy = StoragePolicy.objects.filter(billing_item=item).first()
    page = finance_client.get(f"/admin/plans/storagepolicy/{policy.pk}/change/").content.decode()
    assert 'name="is_default"' not in page and 'name="retention_days"' not in page
    traffic = TrafficPackage.objects.first()
    page = finance_client.get(f"/admin/plans/trafficpackage/{traffic.pk}/change/").content.decode()
    assert 'name="basic_unit"' not in page
    assert 'name="retention_days"' in finance_client.get("/admin/plans/storagepolicy/add/").content.decode()


# --- the freeze counts from the furthest-ahead zone (UTC+14) -------------------------------------------------

UTC = datetime.UTC
SHANGHAI_EVENING = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai, 02:00 on 11 March at UTC+14


def _earliest_day_error(response, day: datetime.date) -> list[str]:
    """The field error, in the language the admin answered in."""
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        return [earliest_day_message(day)]


def _sql_freeze_day(moment: datetime.datetime) -> datetime.date:
    with connection.cursor() as cursor:
        cursor.execute("SELECT plans_freeze_day(%s)", [moment])
        return cursor.fetchone()[0]


def test_the_freeze_day_is_the_furthest_ahead_zones_today_in_python_and_in_the_database():
    # The vendor (Shanghai) is still on 10 March; UTC+14 has begun 11 March: 11 March may no longer change.
    assert catalogue_freeze_day(now=SHANGHAI_EVENING) == datetime.date(2026, 3, 11)
    assert _sql_freeze_day(SHANGHAI_EVENING) == datetime.date(2026, 3, 11)
    assert catalogue_freeze_day() == freeze_day_in_database()


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime.datetime(2000, 1, 2), max_value=datetime.datetime(2099, 12, 30),
                    timezones=st.just(UTC)))
def test_python_and_the_trigger_count_the_same_freeze_day_at_any_instant(moment):
    assert catalogue_freeze_day(now=moment) == _sql_freeze_day(moment)


def test_the_trigger_refuses_a_version_for_a_day_begun_in_the_furthest_ahead_zone():
    """The day before the freeze day (the vendor's today during its evening) is refused by the database; the
    freeze day itself is still open, once."""
    day = freeze_day_in_database()
    assert_refused(lambda: PlanVersion.objects.create(plan=_first().plan, effective_from=day - DAY, price=Decimal("1")))
    version = PlanVersion.objects.create(plan=_first().plan, effective_from=day, price=Decimal("1"))
    assert_refused(lambda: PlanVersion.objects.filter(pk=version.pk).update(price=Decimal("2")))


def test_admin_refuses_the_vendors_today_once_utc14_has_begun_the_next_day(finance_client):
    with time_machine.travel(SHANGHAI_EVENING, tick=False):
        login_staff(finance_client, UserFactory(username="finance2", is_staff=True, is_superuser=True))
        policy = StoragePolicy.objects.get(billing_item__code="log", retention_days=14)
        assert catalogue_today() == datetime.date(2026, 3, 10)
        response = finance_client.post("/admin/plans/storagepolicyversion/add/", {
            "storage_policy": policy.pk, "effective_from": "2026-03-10", "price": "9", "conversion_factor": "1",
        })
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["effective_from"]
    assert errors == _earliest_day_error(response, datetime.date(2026, 3, 11))


@pytest.fixture
def validated_before_midnight(client):
    """Python's clock a day behind the database's: the admin validates a form as just before midnight (UTC+14)
    and the database saves it just after, when that day has begun (the trigger decides with its own clock)."""
    with time_machine.travel(datetime.datetime.now(UTC) - DAY, tick=False):
        login_staff(client, UserFactory(username="finance3", is_staff=True, is_superuser=True))
        assert catalogue_freeze_day() == freeze_day_in_database() - DAY
        yield client


def test_a_new_version_validated_before_midnight_and_saved_after_gets_a_form_error(validated_before_midnight):
    policy = StoragePolicy.objects.get(billing_item__code="log", retention_days=14)
    before = StoragePolicyVersion.objects.count()
    day = catalogue_freeze_day()  # valid for Python; a day begun for the database
    response = validated_before_midnight.post("/admin/plans/storagepolicyversion/add/", {
        "storage_policy": policy.pk, "effective_from": day.isoformat(), "price": "9", "conversion_factor": "1",
    })
    assert response.status_code == 200
    # the message names the day the database counts (the day after Python's)
    assert response.context["adminform"].form.errors["effective_from"] == _earliest_day_error(response, day + DAY)
    assert StoragePolicyVersion.objects.count() == before


def test_an_edit_validated_before_midnight_and_saved_after_changes_nothing(validated_before_midnight):
    version = PlanVersion.objects.create(plan=_first().plan, effective_from=freeze_day_in_database(),
                                         price=Decimal("43000"))
    url = f"/admin/plans/planversion/{version.pk}/change/"
    response = validated_before_midnight.post(url, {
        "plan": version.plan_id, "effective_from": version.effective_from.isoformat(), "price": "44000",
        "capacities-TOTAL_FORMS": "0", "capacities-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert "effective_from" in response.context["adminform"].form.errors
    version.refresh_from_db()
    assert version.price == Decimal("43000.00")
