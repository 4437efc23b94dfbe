"""Issue 13 on the orders pages: the cashier with too little cash (shortfall, Pay disabled, refused next to the
cash input, recharge and back with the allocation), amounts typed as people type them, a second tab paying a
paid order, duplicate workspace positions, the traffic add-on's own dates on its success page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order, OrderStatus, PackageTraffic
from orders.tests.factories import fund_cash, give_card, paid_package, purchase_order, traffic_package
from orders.views.cashier import shortfall_of
from payments.models import Recharge, Wallet

pytestmark = pytest.mark.django_db


def _order(account, owner, ws_a):
    return purchase_order(account, owner, workspaces=[ws_a])  # Startup: ¥42,000.00


def test_cashier_with_too_little_cash_shows_the_shortfall_and_refuses_next_to_the_cash_input(
        owner_client, owner, account, ws_a):
    order = _order(account, owner, ws_a)
    fund_cash(account, "30000.00")
    url = reverse("orders-pay", args=[account.pk, order.pk])
    page = owner_client.get(url)
    html = page.content.decode()
    assert page.context["shortfall"] == Decimal("12000.00")
    assert 'id="pay-button" disabled' in html  # without JavaScript too
    assert "¥12,000.00" in html and "Recharge and come back" in html and "Pay the rest online" in html
    assert 'id="remaining" class="money">¥12,000.00' in html  # the real remaining, not ¥0.00

    refused = owner_client.post(url, {"idempotency_key": "k1", "cash": ""})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert 'id="cash-error"' in body and "¥12,000.00 short" in body and "is-invalid" in body
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert Wallet.objects.get(account=account).cash_balance == Decimal("30000.00")


def test_cashier_reads_amounts_as_people_type_them_and_keeps_them(owner_client, owner, account, ws_a):
    order = _order(account, owner, ws_a)
    card = give_card(account, "5000.00")
    fund_cash(account, "50000.00")
    url = reverse("orders-pay", args=[account.pk, order.pk])
    over = owner_client.post(url, {"idempotency_key": "k1", f"card_{card.pk}": "¥6,000", "cash": "1,00"})
    assert over.status_code == 400
    html = over.content.decode()
    assert 'value="¥6,000"' in html and 'value="1,00"' in html  # what was typed stays
    assert f'id="card_{card.pk}-error"' in html and 'id="cash-error"' in html
    paid = owner_client.post(url, {"idempotency_key": "k2", f"card_{card.pk}": "¥5,000.00", "cash": "37 000"})
    assert paid.status_code == 302, paid.content.decode()[:500]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Wallet.objects.get(account=account).cash_balance == Decimal("13000.00")


def test_recharge_link_and_online_rest_come_back_with_the_allocation(owner_client, owner, account, ws_a):
    order = _order(account, owner, ws_a)
    card = give_card(account, "2000.00")
    fund_cash(account, "30000.00")
    url = reverse("orders-pay", args=[account.pk, order.pk])
    page = owner_client.get(url, {f"card_{card.pk}": "2,000", "cash": ""})  # the allocation carried back
    assert page.context["shortfall"] == Decimal("10000.00")
    assert 'value="2,000"' in page.content.decode()
    back = page.context["back_url"]
    assert back.startswith(url) and f"card_{card.pk}=2%2C000" in back

    recharge_url = reverse("payments-recharge", args=[account.pk])
    form = owner_client.get(recharge_url, {"amount": "10000.00", "next": back}).content.decode()
    assert "Back to the cashier" in form and 'value="10000.00"' in form
    started = owner_client.post(recharge_url, {"method": "online", "amount": "10000.00", "next": back,
                                               "idempotency_key": "r1"})
    assert started.status_code == 302
    recharge = Recharge.objects.get(account=account)
    done = owner_client.post(started["Location"], {"action": "pay"})
    assert done.status_code == 302 and done["Location"] == back  # back to the cashier, allocation kept
    recharge.refresh_from_db()
    assert recharge.status == "succeeded"
    again = owner_client.get(back)
    assert again.context["shortfall"] == Decimal("0.00") and 'id="pay-button" disabled' not in again.content.decode()


def test_a_foreign_next_url_is_ignored(owner_client, account):
    page = owner_client.get(reverse("payments-recharge", args=[account.pk]), {"next": "https://evil.example/a/1/"})
    assert page.context["next_url"] == ""


def test_a_second_tab_paying_a_paid_order_lands_on_the_order(owner_client, owner, account, ws_a):
    order = _order(account, owner, ws_a)
    fund_cash(account, "100000.00")
    url = reverse("orders-pay", args=[account.pk, order.pk])
    first = owner_client.get(url).context["idempotency_key"]
    second = owner_client.get(url).context["idempotency_key"]
    assert owner_client.post(url, {"idempotency_key": first}).status_code == 302
    other_tab = owner_client.post(url, {"idempotency_key": second}, follow=True)
    assert other_tab.redirect_chain[-1][0] == reverse("orders-detail", args=[account.pk, order.pk])
    assert "already paid" in other_tab.content.decode() and 'id="cashier"' not in other_tab.content.decode()
    assert Wallet.objects.get(account=account).cash_balance == Decimal("58000.00")  # charged once


def test_duplicate_workspace_positions_are_refused_next_to_the_inputs(owner_client, account, ws_a, ws_b):
    start = owner_client.post(reverse("orders-buy", args=[account.pk]),
                              {"plan": Order._meta.apps.get_model("plans", "Plan").objects.get(code="startup").pk})
    assert start.status_code == 302
    owner_client.post(reverse("orders-buy-traffic", args=[account.pk]), {"action": "next"})
    url = reverse("orders-buy-workspaces", args=[account.pk])
    response = owner_client.post(url, {"workspace": [ws_a.pk, ws_b.pk], f"position_{ws_a.pk}": "1",
                                       f"position_{ws_b.pk}": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="position-{ws_a.pk}-error"' in html and f'id="position-{ws_b.pk}-error"' in html
    assert "Position 1 is given to" in html and html.count('value="1"') >= 2  # input kept
    fine = owner_client.post(url, {"workspace": [ws_a.pk, ws_b.pk], f"position_{ws_a.pk}": "2",
                                   f"position_{ws_b.pk}": "1"})
    assert fine.status_code == 302


def test_traffic_success_page_states_the_traffic_dates(owner_client, owner, account, ws_a):
    package = paid_package(account, owner, workspaces=[ws_a])
    fund_cash(account, "10000.00")
    log = traffic_package("log")
    response = owner_client.post(reverse("orders-package-traffic", args=[account.pk, package.pk]),
                                 {f"cap_{log.pk}": "1000000", "action": "create"})
    order = Order.objects.get(kind="traffic")
    owner_client.post(response.url, {"idempotency_key": "t"})
    traffic = PackageTraffic.objects.get(order=order)
    html = owner_client.get(reverse("orders-success", args=[account.pk, order.pk])).content.decode()
    assert (f'valid from <span class="date">{traffic.valid_from:%Y-%m-%d}</span> '
            f'to <span class="date">{traffic.valid_until:%Y-%m-%d}</span>') in html  # each day kept whole
    assert "1,000,000 more a day" in html


def test_the_traffic_step_shows_unit_prices_with_the_currency(owner_client, owner, account, ws_a):
    package = paid_package(account, owner, workspaces=[ws_a])
    html = owner_client.get(reverse("orders-package-traffic", args=[account.pk, package.pk])).content.decode()
    assert "¥" in html and ".0000<" not in html


def test_shortfall_matches_the_page_parser():
    total = Decimal("100.00")
    assert shortfall_of(total=total, cash_balance=Decimal("30"), allocation={"card_1": "¥50"}) == Decimal("20.00")
    assert shortfall_of(total=total, cash_balance=Decimal("30"), allocation={"cash": "1,000"}) == Decimal("970.00")
    assert shortfall_of(total=total, cash_balance=Decimal("300"), allocation={}) == Decimal("0.00")
