"""Orders take "today" in the account's zone, never the vendor's (Asia/Shanghai): the purchase wizard, the package
pages and renewals quote, check and price with the catalogue of the account's day, the day the order is priced
with. Accounts at UTC+14 and UTC-12, at a moment when their day differs from the vendor's, across a catalogue
change that takes effect on one of the two days."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from core.days import account_today, vendor_today
from core.money import quantize
from orders.models import Order, OrderKind, OrderLineKind, Package
from orders.renewal import order_create_renewal
from orders.tests.factories import paid_package, plan, traffic_package
from plans.tests.factories import plan_version, traffic_version
from workspaces.models import Account

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
CHANGE = datetime.date(2027, 3, 10)  # the new catalogue versions take effect
BOUGHT = datetime.datetime(2027, 2, 1, 4, 0, tzinfo=UTC)  # the package of the package-page tests is bought

# (zone, moment, the account's day, the price of Startup and of a log unit on that day)
ZONES = [
    # 12:00 UTC: 20:00 on 03-09 in Shanghai, 02:00 on 03-10 at Kiritimati: the account already has the new prices
    pytest.param("Pacific/Kiritimati", datetime.datetime(2027, 3, 9, 12, 0, tzinfo=UTC), CHANGE,
                 Decimal("50000"), Decimal("9"), id="utc+14"),
    # 18:00 UTC: 02:00 on 03-10 in Shanghai, 06:00 on 03-09 at UTC-12: the account still has the old ones
    pytest.param("Etc/GMT+12", datetime.datetime(2027, 3, 9, 18, 0, tzinfo=UTC), CHANGE - datetime.timedelta(days=1),
                 Decimal("42000"), Decimal("1.5"), id="utc-12"),
]


@pytest.fixture
def new_catalogue(db):
    plan_version("startup", CHANGE, price="50000")
    traffic_version("log", CHANGE, unit_price="9")


def _zone(account, name: str) -> None:
    Account.objects.filter(pk=account.pk).update(time_zone=name)
    account.refresh_from_db()


@pytest.mark.parametrize(("zone", "moment", "day", "startup", "unit"), ZONES)
def test_the_wizard_quotes_and_prices_on_the_accounts_day(client, owner, account, ws_a, new_catalogue,
                                                          zone, moment, day, startup, unit):
    _zone(account, zone)
    log = traffic_package("log")
    with time_machine.travel(moment, tick=False):
        assert account_today(account) == day != vendor_today()
        client.force_login(owner)
        plans = client.get(reverse("orders-buy", args=[account.id])).context["plans"]
        assert next(p for p in plans if p.code == "startup").figures.price == startup
        client.post(reverse("orders-buy", args=[account.id]), {"plan": plan("startup").pk})
        traffic_url = reverse("orders-buy-traffic", args=[account.id])
        recalc = client.post(traffic_url, {f"cap_{log.pk}": "3000000", "action": "recalc"})
        traffic_amount = quantize(3 * unit * 365)  # 3 units x unit price x 365 days
        assert [line.amount for line in recalc.context["lines"]] == [traffic_amount]
        quote = client.get(reverse("orders-traffic-quote", args=[account.id]) + f"?cap_{log.pk}=3000000")
        assert quote.context["total"] == traffic_amount
        client.post(traffic_url, {f"cap_{log.pk}": "3000000", "action": "next"})
        client.post(reverse("orders-buy-workspaces", args=[account.id]), {"workspace": [ws_a.pk]})
        confirm = client.get(reverse("orders-buy-confirm", args=[account.id]))
        assert confirm.context["total"] == startup + traffic_amount
        client.post(reverse("orders-buy-confirm", args=[account.id]))
    order = Order.objects.get(account=account)
    assert order.catalogue_day == day
    assert order.total == startup + traffic_amount == confirm.context["total"]
    assert order.lines.get(kind=OrderLineKind.PLAN).amount == startup


@pytest.mark.parametrize(("zone", "moment", "day", "startup", "unit"), ZONES)
def test_the_package_traffic_page_quotes_what_the_order_costs(client, owner, account, ws_a, new_catalogue,
                                                               zone, moment, day, startup, unit):
    _zone(account, zone)
    log = traffic_package("log")
    with time_machine.travel(BOUGHT, tick=False):
        package = paid_package(account, owner, workspaces=[ws_a])
    with time_machine.travel(moment, tick=False):
        client.force_login(owner)
        url = reverse("orders-package-traffic", args=[account.id, package.pk])
        page = client.post(url, {f"cap_{log.pk}": "3000000", "action": "recalc"})
        days = page.context["days"]
        assert days == (package.ends_on - day).days  # from the account's tomorrow to the end, inclusive
        assert page.context["total"] == quantize(3 * unit * days)
        response = client.post(url, {f"cap_{log.pk}": "3000000", "action": "next"})
        assert response.status_code == 302
    order = Order.objects.get(account=account, kind=OrderKind.TRAFFIC)
    assert order.total == page.context["total"] and order.effective_on == day + datetime.timedelta(days=1)


@pytest.mark.parametrize(("zone", "moment", "day", "startup", "unit"), ZONES)
def test_the_renewal_page_offers_and_prices_the_accounts_day(client, owner, account, ws_a, new_catalogue,
                                                             zone, moment, day, startup, unit):
    _zone(account, zone)
    with time_machine.travel(BOUGHT, tick=False):
        package = paid_package(account, owner, workspaces=[ws_a])
    with time_machine.travel(moment, tick=False):
        client.force_login(owner)
        url = reverse("orders-package-renew", args=[account.id, package.pk])
        offered = {row["plan"].code: row["price"] for row in client.get(url).context["plans"]}
        assert offered["startup"] == startup
        order = order_create_renewal(package=package, plan=plan("startup"), workspaces=[ws_a], actor=owner)
    assert order.total == startup and order.catalogue_day == day
    assert Package.objects.filter(account=account).count() == 1
