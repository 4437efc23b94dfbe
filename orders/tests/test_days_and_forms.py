"""An account whose stored time zone is unknown gets the default zone's day everywhere in orders (pages,
quotes, orders), never a 500; and the pages' forms return typed values with errors on their fields."""

import datetime
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from core.days import DEFAULT_TIME_ZONE, local_today
from orders.forms import CashierForm, TrafficForm, error_list
from orders.pricing import change_window
from orders.purchase import order_create_traffic
from orders.tests.factories import paid_package, traffic_package
from plans import selectors as plan_selectors
from workspaces.models import Account

pytestmark = pytest.mark.django_db


def _break_zone(account):
    Account.objects.filter(pk=account.pk).update(time_zone="Mars/Olympus_Mons")
    account.refresh_from_db()


def test_unknown_time_zone_pages_and_quotes_answer_with_the_default_zone(owner_client, owner, account, ws_a):
    package = paid_package(account, owner, workspaces=[ws_a])
    _break_zone(account)
    log = traffic_package("log")
    for url in (
        reverse("orders-packages", args=[account.id]),
        reverse("orders-package-upgrade", args=[account.id, package.pk]),
        reverse("orders-package-traffic", args=[account.id, package.pk]),
        reverse("orders-traffic-quote", args=[account.id]) + f"?package={package.pk}&cap_{log.pk}=1000000",
    ):
        assert owner_client.get(url).status_code == 200, url
    page = owner_client.get(reverse("orders-packages", args=[account.id]))
    assert page.context["today"] == local_today(DEFAULT_TIME_ZONE)
    package.refresh_from_db()
    window = change_window(package)
    assert window.effective == max(local_today(DEFAULT_TIME_ZONE) + datetime.timedelta(days=1), package.starts_on)
    order = order_create_traffic(package=package, traffic=[(log, 1_000_000)], actor=owner)
    assert order.effective_on == window.effective


def test_unknown_time_zone_in_the_api_quote_is_not_a_500(owner_api, owner, account, ws_a):
    package = paid_package(account, owner, workspaces=[ws_a])
    _break_zone(account)
    response = owner_api.post(
        f"/api/v1/accounts/{account.id}/orders/",
        {"kind": "traffic", "package": package.pk, "traffic": [{"traffic_package": "log", "capacity": 1_000_000}]},
        format="json",
    )
    assert response.status_code == 201, response.content


def _query(**values) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in values.items():
        data[name] = value
    return data


def test_traffic_form_returns_specs_and_puts_errors_on_the_field():
    log = traffic_package("log")
    packages = plan_selectors.traffic_package_list()
    form = TrafficForm(_query(**{f"cap_{log.pk}": "2,000,000"}), traffic_packages=packages)
    assert form.is_valid() and form.traffic == [(log, 2_000_000)]
    bad = TrafficForm(_query(**{f"cap_{log.pk}": "12abc"}), traffic_packages=packages)
    assert not bad.is_valid() and "whole number" in bad.errors[f"cap_{log.pk}"][0]
    assert bad.raw[log.pk] == "12abc"


def test_cashier_form_returns_tender_specs_and_the_rest_in_cash():
    form = CashierForm(_query(card_7="10.50", voucher_3="5", cash=""), total=Decimal("100.00"))
    assert form.is_valid(), form.errors
    tenders = form.cleaned_data["tenders"]
    assert [(t.kind, t.amount, t.instrument_id) for t in tenders] == [
        ("voucher", Decimal("5.00"), 3), ("card", Decimal("10.50"), 7), ("cash", Decimal("84.50"), None)]
    bad = CashierForm(_query(card_7="1e3", cash="-1"), total=Decimal("100.00"))
    assert not bad.is_valid()
    assert set(bad.errors) == {"card_7", "cash"} and len(error_list(bad)) == 2


# 18:00 UTC on 11 March is already 12 March in the default zone (Asia/Shanghai): the package starts the 13th
@pytest.mark.time_machine(datetime.datetime(2026, 3, 11, 18, tzinfo=datetime.UTC))
def test_order_number_uses_the_default_zone_day_for_an_unknown_zone(owner, account, ws_a):
    _break_zone(account)
    assert local_today(DEFAULT_TIME_ZONE, now=timezone.now()) == datetime.date(2026, 3, 12)
    package = paid_package(account, owner, workspaces=[ws_a])
    assert package.starts_on == datetime.date(2026, 3, 13)
