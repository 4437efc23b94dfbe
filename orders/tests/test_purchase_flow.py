"""The purchase flow's defects, fixed: duplicate and stale orders, the wizard's draft after Back, the
workspaces step (positions, the upgrade link, the summary)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from core.formatting import format_cny
from orders.forms_renewal import RenewalForm
from orders.models import Order, OrderStatus
from orders.payment import order_pay
from orders.renewal import order_create_renewal
from orders.tests.factories import (
    cash,
    fund_cash,
    give_card,
    paid_package,
    plan,
    purchase_order,
    traffic_package,
)
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db


def _draft(client, account, workspaces):
    client.post(reverse("orders-buy", args=[account.id]), {"plan": plan().pk})
    client.post(reverse("orders-buy-traffic", args=[account.id]), {"action": "next"})
    data = {"workspace": [ws.pk for ws in workspaces]}
    data.update({f"position_{ws.pk}": str(i) for i, ws in enumerate(workspaces, 1)})
    return client.post(reverse("orders-buy-workspaces", args=[account.id]), data)


def test_paying_one_order_cancels_the_other_unpaid_orders_for_its_workspaces(account, owner, ws_a, ws_b):
    first = purchase_order(account, owner, workspaces=[ws_a])
    second = purchase_order(account, owner, workspaces=[ws_b, ws_a])
    unrelated = purchase_order(account, owner, workspaces=[WorkspaceFactory(account=account)])
    fund_cash(account, first.total)
    order_pay(order=first, tenders=[cash(first.total)], actor=owner)
    second.refresh_from_db()
    unrelated.refresh_from_db()
    assert (second.status, second.superseded_by_id, unrelated.status) == (
        OrderStatus.CANCELLED, first.pk, OrderStatus.PENDING_PAYMENT)


def test_orders_list_offers_pay_only_on_payable_orders(owner_client, account, owner, ws_a,
                                                       django_assert_max_num_queries):
    stale = purchase_order(account, owner, workspaces=[ws_a])
    paid = purchase_order(account, owner, workspaces=[ws_a])
    fund_cash(account, paid.total)
    order_pay(order=paid, tenders=[cash(paid.total)], actor=owner)
    payable = purchase_order(account, owner)
    url = reverse("orders-list", args=[account.id])
    owner_client.get(url)
    with django_assert_max_num_queries(14) as captured:
        page = owner_client.get(url).content.decode()
    for _i in range(3):
        purchase_order(account, owner)
    with django_assert_max_num_queries(len(captured.captured_queries)):
        owner_client.get(url)
    assert reverse("orders-pay", args=[account.id, payable.pk]) in page
    assert reverse("orders-pay", args=[account.id, stale.pk]) not in page
    assert f"Order {paid.number} was paid for the same workspaces" in page


def test_order_detail_says_why_it_was_cancelled(owner_client, account, owner, ws_a):
    stale = purchase_order(account, owner, workspaces=[ws_a])
    paid = purchase_order(account, owner, workspaces=[ws_a])
    fund_cash(account, paid.total)
    order_pay(order=paid, tenders=[cash(paid.total)], actor=owner)
    page = owner_client.get(reverse("orders-detail", args=[account.id, stale.pk])).content.decode()
    assert "Cancelled automatically" in page and paid.number in page
    assert reverse("orders-pay", args=[account.id, stale.pk]) not in page


def test_back_to_confirm_keeps_the_draft_and_warns_about_the_unpaid_order(owner_client, account, ws_a):
    _draft(owner_client, account, [ws_a])
    confirm_url = reverse("orders-buy-confirm", args=[account.id])
    owner_client.post(confirm_url)
    order = Order.objects.get(account=account)
    back = owner_client.get(confirm_url)  # the browser's Back from the cashier
    content = back.content.decode()
    assert back.status_code == 200 and f"Open order {order.number}" in content and "Workspace A" in content


def test_second_order_for_the_same_workspaces_needs_an_explicit_confirmation(owner_client, account, owner, ws_a):
    first = purchase_order(account, owner, workspaces=[ws_a])
    _draft(owner_client, account, [ws_a])
    confirm_url = reverse("orders-buy-confirm", args=[account.id])
    refused = owner_client.post(confirm_url)
    assert refused.url == confirm_url and Order.objects.filter(account=account).count() == 1
    owner_client.post(confirm_url, {"again": "1"})
    assert Order.objects.filter(account=account).exclude(pk=first.pk).count() == 1


def test_workspaces_step_warns_about_an_unpaid_order(owner_client, account, owner, ws_a):
    first = purchase_order(account, owner, workspaces=[ws_a])
    _draft(owner_client, account, [ws_a])
    page = owner_client.get(reverse("orders-buy-workspaces", args=[account.id])).content.decode()
    assert f"Open order {first.number}" in page


def test_workspaces_step_links_a_free_workspace_to_its_page_and_explains_blank_positions(
        owner_client, account, ws_a, ws_free):
    _draft(owner_client, account, [ws_a])
    page = owner_client.get(reverse("orders-buy-workspaces", args=[account.id])).content.decode()
    assert reverse("workspace-detail", args=[account.id, ws_free.pk]) in page
    assert "left without a number comes after the numbered ones" in page
    assert "js/wizard-positions.js" in page


def test_summary_lists_the_ticked_workspaces_when_the_step_is_shown_again(owner_client, account, ws_a, ws_b,
                                                                          ws_free):
    _draft(owner_client, account, [ws_a])
    refused = owner_client.post(reverse("orders-buy-workspaces", args=[account.id]),
                                {"workspace": [ws_a.pk, ws_b.pk, ws_free.pk], f"position_{ws_a.pk}": "2",
                                 f"position_{ws_b.pk}": "1"})
    names = [ws.name for ws in refused.context["summary"]["workspaces"]]
    assert refused.status_code == 400 and names == ["Workspace B", "Workspace A"]


def test_cashier_confirmation_and_success_page_show_the_split(owner_client, account, owner, ws_a):
    order = purchase_order(account, owner, workspaces=[ws_a])
    card = give_card(account, "5000.00")
    fund_cash(account, order.total)
    url = reverse("orders-pay", args=[account.id, order.pk])
    page = owner_client.get(url, {f"card_{card.pk}": "5,000"}).content.decode()
    rest = format_cny(order.total - Decimal("5000.00"))
    assert f"Split: Prepaid card {card.number} ¥5,000.00; Cash balance {rest}" in page
    key = owner_client.get(url).context["idempotency_key"]
    paid = owner_client.post(url, {"idempotency_key": key, f"card_{card.pk}": "5000.00", "cash": ""})
    success = owner_client.get(paid.url).content.decode()
    assert "Paid with" in success and card.number in success and rest in success


def test_traffic_step_shows_every_capacity_error_at_once_next_to_its_input(owner_client, account):
    owner_client.post(reverse("orders-buy", args=[account.id]), {"plan": plan().pk})
    log, apm = traffic_package("log"), traffic_package("apm")
    response = owner_client.post(reverse("orders-buy-traffic", args=[account.id]),
                                 {f"cap_{log.pk}": "1500000", f"cap_{apm.pk}": "abc", "action": "next"})
    content = response.content.decode()
    assert response.status_code == 400 and "multiple of its basic unit" in content and "whole number" in content
    assert f'id="cap-{log.pk}-error"' in content and f'id="cap-{apm.pk}-error"' in content
    assert "No traffic package chosen" not in content


def test_renewal_form_gives_every_error_at_once(account, ws_a, ws_b):
    form = RenewalForm({"plan": "x", f"include_{ws_a.pk}": "on", f"position_{ws_a.pk}": "one",
                        f"include_{ws_b.pk}": "on", f"position_{ws_b.pk}": "-2"}, plans=[], candidates=[ws_a, ws_b])
    assert not form.is_valid() and len(form.non_field_errors()) == 3


def test_auto_renew_is_confirmed_with_amount_tenders_and_day(owner_client, account, owner, ws_a):
    package = paid_package(account, owner, workspaces=[ws_a])
    card = give_card(account, "10000.00")
    fund_cash(account, "50000.00")
    url = reverse("orders-package-auto-renew", args=[account.id, package.pk])
    listing = owner_client.get(reverse("orders-packages", args=[account.id])).content.decode()
    assert f'href="{url}"' in listing
    page = owner_client.get(url)
    content = page.content.decode()
    total = page.context["total"]
    assert format_cny(total) in content and card.number in content
    assert [t["amount"] for t in page.context["tenders"]] == [Decimal("10000.00"), total - Decimal("10000.00")]
    assert page.context["first_try"] == package.ends_on - datetime.timedelta(days=7)
    owner_client.post(url, {"auto_renew": "on"})
    package.refresh_from_db()
    assert not package.auto_renew


def _paid_renewal(package, owner):
    order = order_create_renewal(package=package, actor=owner)
    fund_cash(package.account, order.total)
    return order_pay(order=order, tenders=[cash(order.total)], actor=owner).package


def test_plan_management_shows_a_package_and_its_renewals_as_one_timeline(
        owner_client, account, owner, ws_a, django_assert_max_num_queries):
    first = paid_package(account, owner, workspaces=[ws_a])
    renewal = _paid_renewal(first, owner)
    url = reverse("orders-packages", args=[account.id])
    owner_client.get(url)
    with django_assert_max_num_queries(30) as captured:
        page = owner_client.get(url)
    chains = [[entry["obj"].pk for entry in chain] for chain in page.context["chains"]]
    content = page.content.decode()
    assert chains == [[first.pk, renewal.pk]]  # oldest first, one chain
    assert content.index(f'id="package-{first.pk}"') < content.index(f'id="package-{renewal.pk}"')
    assert "Timeline: the package and its renewals" in content
    _paid_renewal(paid_package(account, owner), owner)
    paid_package(account, owner)
    with django_assert_max_num_queries(len(captured.captured_queries)):
        owner_client.get(url)


def test_plan_cards_use_the_apis_372_day_basis_and_give_capacities_units(owner_client, account):
    page = owner_client.get(reverse("orders-buy", args=[account.id]))
    startup = page.context["plans"][0]
    content = page.content.decode()
    assert format_cny(startup.saving) in content and format_cny(startup.payg_equivalent) in content
    assert "Pay-as-you-go value (372 days)" in content and "for 372 days, the equivalent" in content
    assert "entries a day" in content
