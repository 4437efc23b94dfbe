"""The seeds' journey through the pages with the Django test client: buy Startup for workspaces A then B with
a voucher, a prepaid card and cash together, see it in plan management, upgrade it, add a log-data traffic
package. Administrators see everything without the buttons that cost money."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order, OrderStatus, Package, PackageWorkspace
from orders.pricing import account_today
from orders.tests.factories import fund_cash, give_card, give_voucher, paid_package, traffic_package
from payments.models import Wallet
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db


def test_whole_wizard_then_upgrade_and_traffic(owner_client, account, ws_a, ws_b, ws_free):
    voucher = give_voucher(account, "1000.00")
    card = give_card(account, "5000.00")
    fund_cash(account, "300000.00")
    home = owner_client.get(reverse("account-home", args=[account.id])).content.decode()
    assert reverse("orders-buy", args=[account.id]) in home

    page = owner_client.get(reverse("orders-buy", args=[account.id]))
    content = page.content.decode()
    assert "Startup Acceleration" in content and "¥42,000.00" in content and "¥72,168.00" in content
    startup = page.context["plans"][0]
    response = owner_client.post(reverse("orders-buy", args=[account.id]), {"plan": startup.pk})
    assert response.url == reverse("orders-buy-traffic", args=[account.id])

    log = traffic_package("log")
    traffic_url = reverse("orders-buy-traffic", args=[account.id])
    recalc = owner_client.post(traffic_url, {f"cap_{log.pk}": "2,000,000", "action": "recalc"})
    assert recalc.status_code == 200 and "¥1,095.00" in recalc.content.decode()
    quote = owner_client.get(reverse("orders-traffic-quote", args=[account.id]), {f"cap_{log.pk}": "1000000"})
    assert "¥547.50" in quote.content.decode()
    bad = owner_client.post(traffic_url, {f"cap_{log.pk}": "1500000", "action": "next"})
    assert bad.status_code == 400 and "multiple of its basic unit" in bad.content.decode()
    response = owner_client.post(traffic_url, {f"cap_{log.pk}": "2000000", "action": "next"})
    assert response.url == reverse("orders-buy-workspaces", args=[account.id])

    ws_url = reverse("orders-buy-workspaces", args=[account.id])
    page = owner_client.get(ws_url).content.decode()
    assert "Workspace A" in page and "upgrade it to Commercial first" in page
    none = owner_client.post(ws_url, {})
    assert none.status_code == 400 and "at least one commercial workspace" in none.content.decode()
    free = owner_client.post(ws_url, {"workspace": [ws_a.pk, ws_free.pk]})
    assert free.status_code == 400 and "Free plan" in free.content.decode()
    # B is ticked first on the page but numbered 2: the positions decide the order
    response = owner_client.post(
        ws_url, {"workspace": [ws_b.pk, ws_a.pk], f"position_{ws_a.pk}": "1", f"position_{ws_b.pk}": "2"}
    )
    assert response.url == reverse("orders-buy-confirm", args=[account.id])

    confirm = owner_client.get(response.url).content.decode()
    assert "¥43,095.00" in confirm and confirm.index("Workspace A") < confirm.index("Workspace B")
    response = owner_client.post(reverse("orders-buy-confirm", args=[account.id]))
    order = Order.objects.get(account=account)
    assert response.url == reverse("orders-pay", args=[account.id, order.pk])

    cashier = owner_client.get(response.url)
    assert cashier.status_code == 200 and card.number in cashier.content.decode()
    key = cashier.context["idempotency_key"]
    short = owner_client.post(response.url, {"idempotency_key": key, f"voucher_{voucher.pk}": "1000.00",
                                             f"card_{card.pk}": "5000.00", "cash": "100.00"})
    assert short.status_code == 422 and "short of the order total" in short.content.decode()
    paid = owner_client.post(response.url, {"idempotency_key": key, f"voucher_{voucher.pk}": "1000.00",
                                            f"card_{card.pk}": "5000.00", "cash": ""})
    assert paid.url == reverse("orders-success", args=[account.id, order.pk])
    again = owner_client.post(response.url, {"idempotency_key": key, f"voucher_{voucher.pk}": "1000.00",
                                             f"card_{card.pk}": "5000.00", "cash": ""})
    assert again.url == paid.url  # a double submit shows the same success
    assert "Payment successful" in owner_client.get(paid.url).content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Wallet.objects.get(account=account).cash_balance == Decimal("300000.00") - Decimal("37095.00")
    package = order.package
    assert [r.workspace.name for r in package.package_workspaces.order_by("position")] == ["Workspace A",
                                                                                          "Workspace B"]

    management = owner_client.get(reverse("orders-packages", args=[account.id])).content.decode()
    assert "Startup Acceleration" in management and "Upgrade" in management and "Add traffic package" in management

    # upgrade (pending package: full difference), through the same cashier
    upgrade_url = reverse("orders-package-upgrade", args=[account.id, package.pk])
    page = owner_client.get(upgrade_url)
    growth = page.context["options"][0]["plan"]
    assert page.context["options"][0]["price"] == Decimal("238000.00")
    response = owner_client.post(upgrade_url, {"plan": growth.pk})
    upgrade = Order.objects.get(kind="upgrade")
    assert response.url == reverse("orders-pay", args=[account.id, upgrade.pk])
    assert owner_client.post(response.url, {"idempotency_key": "u1"}).status_code == 302  # all in cash
    package.refresh_from_db()
    assert package.plan == growth

    traffic_url = reverse("orders-package-traffic", args=[account.id, package.pk])
    assert owner_client.get(traffic_url).status_code == 200
    response = owner_client.post(traffic_url, {f"cap_{log.pk}": "1000000", "action": "create"})
    traffic_order = Order.objects.get(kind="traffic")
    assert response.url == reverse("orders-pay", args=[account.id, traffic_order.pk])
    assert traffic_order.total == Decimal("547.50")
    assert owner_client.post(response.url, {"idempotency_key": "t1"}).status_code == 302
    assert package.traffic.count() == 2

    listing = owner_client.get(reverse("orders-list", args=[account.id])).content.decode()
    assert order.number in listing and upgrade.number in listing and traffic_order.number in listing
    detail = owner_client.get(reverse("orders-detail", args=[account.id, order.pk])).content.decode()
    assert "Prepaid card" in detail and "Ordinary voucher" in detail


def test_reorder_and_add_workspace_apply_from_the_next_billing_day(owner_client, owner, account, ws_a, ws_b):
    package = paid_package(account, owner, workspaces=[ws_a, ws_b])
    today = account_today(account)
    # make it active since 10 days, so the old rows close today and the new ones open tomorrow
    Package.objects.filter(pk=package.pk).update(starts_on=today - datetime.timedelta(days=10), status="active")
    PackageWorkspace.objects.filter(package=package).update(valid_from=today - datetime.timedelta(days=10))
    url = reverse("orders-package-workspaces", args=[account.id, package.pk])
    owner_client.post(url, {"action": "reorder", f"position_{ws_a.pk}": "2", f"position_{ws_b.pk}": "1"})
    open_rows = PackageWorkspace.objects.filter(package=package, valid_until__isnull=True).order_by("position")
    tomorrow = today + datetime.timedelta(days=1)
    assert [(r.workspace.name, r.valid_from) for r in open_rows] == [("Workspace B", tomorrow),
                                                                      ("Workspace A", tomorrow)]
    assert set(PackageWorkspace.objects.filter(package=package, valid_until=today).values_list(
        "workspace__name", flat=True)) == {"Workspace A", "Workspace B"}
    ws_c = WorkspaceFactory(account=account, name="Workspace C")
    owner_client.post(url, {"action": "add", "workspace": ws_c.pk})
    assert PackageWorkspace.objects.get(workspace=ws_c, valid_until__isnull=True).position == 3
    # a second reorder today replaces the not-yet-effective rows
    owner_client.post(url, {"action": "reorder", f"position_{ws_a.pk}": "1", f"position_{ws_b.pk}": "2",
                            f"position_{ws_c.pk}": "3"})
    assert PackageWorkspace.objects.filter(package=package).count() == 5


def test_administrator_sees_pages_without_money_buttons(client, owner, administrator, account, ws_a):
    package = paid_package(account, owner, workspaces=[ws_a])
    order = Order.objects.get(package=package)
    client.force_login(administrator)
    home = client.get(reverse("account-home", args=[account.id])).content.decode()
    assert "Startup Acceleration" in home and reverse("orders-buy", args=[account.id]) not in home
    page = client.get(reverse("orders-packages", args=[account.id])).content.decode()
    assert "Workspace A" in page
    for forbidden in ("/upgrade/", "/traffic/", f"/packages/{package.pk}/workspaces/", "orders/buy"):
        assert forbidden not in page
    assert client.get(reverse("orders-list", args=[account.id])).status_code == 200
    assert client.get(reverse("orders-detail", args=[account.id, order.pk])).status_code == 200
    for name, args in (("orders-buy", []), ("orders-pay", [order.pk]),
                       ("orders-package-upgrade", [package.pk]), ("orders-package-traffic", [package.pk])):
        assert client.get(reverse(name, args=[account.id, *args])).status_code == 403
    assert client.post(reverse("orders-cancel", args=[account.id, order.pk])).status_code == 403
    assert client.post(reverse("orders-package-workspaces", args=[account.id, package.pk]),
                       {"action": "reorder"}).status_code == 403


def test_member_sees_nothing(client, member, account):
    client.force_login(member)
    for name in ("orders-list", "orders-packages", "orders-buy"):
        assert client.get(reverse(name, args=[account.id])).status_code == 403


@pytest.mark.parametrize("name", ["orders-list", "orders-packages", "account-home"])
def test_list_pages_query_count_is_constant(owner_client, owner, account, django_assert_max_num_queries, name):
    def make(n):
        for _ in range(n):
            paid_package(account, owner, workspaces=[WorkspaceFactory(account=account)],
                         traffic=[(traffic_package("log"), 1_000_000)])

    make(2)
    url = reverse(name, args=[account.id])
    with django_assert_max_num_queries(60) as first:
        assert owner_client.get(url).status_code == 200
    make(4)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert owner_client.get(url).status_code == 200
