"""Arrears block buying (services, API 423 `account_in_arrears`, pages), recharging stays possible; the
renewal and auto-renew API."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from core.exceptions import Locked
from orders.models import Order, OrderKind, OrderStatus, Package
from orders.payment import order_pay
from orders.purchase import order_create_purchase, order_create_traffic, order_create_upgrade
from orders.renewal import order_create_renewal
from orders.tests.factories import cash, fund_cash, paid_package, plan, purchase_order, traffic_package
from tests.factories import WorkspaceFactory
from workspaces import services as workspace_services
from workspaces.models import Workspace, WorkspaceStatus

pytestmark = pytest.mark.django_db


def _lock(workspace):
    Workspace.objects.filter(pk=workspace.pk).update(status=WorkspaceStatus.LOCKED, locked_at=timezone.now(),
                                                     countdown_started_at=timezone.now())


def _unlock(account):
    workspace_services.workspaces_unlock(account_ids=[account.pk])


def test_locked_workspaces_block_every_purchase_and_workspace_change(account, owner, ws_a, ws_b, ws_free):
    package = paid_package(account, owner, workspaces=[ws_a])
    pending = purchase_order(account, owner, workspaces=[ws_b])
    _lock(ws_a)
    attempts = [
        lambda: order_create_purchase(account=account, plan=plan(), workspaces=[ws_b], actor=owner),
        lambda: order_create_upgrade(package=package, target_plan=plan("growth"), actor=owner),
        lambda: order_create_traffic(package=package, traffic=[(traffic_package("log"), 10_000_000)],
                                              actor=owner),
        lambda: order_create_renewal(package=package, plan=package.plan, workspaces=[ws_a], actor=owner),
        lambda: order_pay(order=pending, tenders=[cash(pending.total)], actor=owner),
        lambda: workspace_services.workspace_create(account=account, name="New one"),
        lambda: workspace_services.workspace_upgrade_to_commercial(workspace=ws_free),
    ]
    fund_cash(account, pending.total)
    for attempt in attempts:
        with pytest.raises(Locked) as error:
            attempt()
        assert error.value.code == "account_in_arrears" and error.value.status_code == 423
        assert "Recharge" in error.value.message
    assert Order.objects.filter(account=account).count() == 2
    assert not Workspace.objects.filter(name="New one").exists()
    ws_free.refresh_from_db()
    assert not ws_free.is_commercial
    _unlock(account)  # paying the arrears unlocks: buying works again at once
    assert order_pay(order=pending, tenders=[cash(pending.total)], actor=owner).status == OrderStatus.PAID
    assert workspace_services.workspace_create(account=account, name="New one").pk


def test_api_answers_423_and_recharging_still_works(account, owner, owner_api, ws_a, ws_b, ws_free):
    package = paid_package(account, owner, workspaces=[ws_a])
    _lock(ws_a)
    base = f"/api/v1/accounts/{account.pk}"
    answers = [
        owner_api.post(f"{base}/orders/", {"kind": "purchase", "plan": "startup", "workspaces": [ws_b.pk]},
                       format="json"),
        owner_api.post(f"{base}/packages/{package.pk}/renew/", {}, format="json"),
        owner_api.post(f"{base}/workspaces/", {"name": "Another"}, format="json"),
        owner_api.post(f"{base}/workspaces/{ws_free.pk}/upgrade/", {}, format="json"),
    ]
    for answer in answers:
        assert answer.status_code == 423, answer.content
        assert answer.json()["error"]["code"] == "account_in_arrears"
    recharge = owner_api.post(f"{base}/recharges/", {"method": "offline", "amount": "100.00",
                                                     "transfer_reference": "BANK-1"}, format="json")
    assert recharge.status_code == 201, recharge.content


def test_pages_say_why_buying_is_blocked(account, owner, owner_client, ws_a, ws_b):
    paid_package(account, owner, workspaces=[ws_a])
    _lock(ws_a)
    page = owner_client.get(f"/a/{account.pk}/packages/").content.decode()
    assert 'id="buying-blocked"' in page
    assert f"/a/{account.pk}/wallet/recharge/" in page
    assert "disabled" in page
    # a wizard draft made before the lock (plan and workspaces chosen), then confirmed: refused with the reason
    session = owner_client.session
    session[f"orders:wizard:{account.pk}"] = {"plan": plan("startup").pk, "workspaces": [ws_b.pk]}
    session.save()
    response = owner_client.post(f"/a/{account.pk}/orders/buy/confirm/", {})
    assert not Order.objects.filter(account=account, status=OrderStatus.PENDING_PAYMENT).exists()
    assert (response.status_code, response.url) == (302, reverse("orders-buy-workspaces", args=[account.pk]))
    shown = [str(message.message) for message in get_messages(response.wsgi_request)]
    assert len(shown) == 1 and "Recharge" in shown[0], shown


# ------------------------------------------------------------------------------------------------ renewal API


def test_renew_through_the_api_then_pay(account, owner, owner_api, ws_a, ws_b):
    package = paid_package(account, owner, workspaces=[ws_a, ws_b])
    url = f"/api/v1/accounts/{account.pk}/packages/{package.pk}/renew/"
    smaller = paid_package(account, owner, plan_code="growth", workspaces=[WorkspaceFactory(account=account)])
    refused = owner_api.post(f"/api/v1/accounts/{account.pk}/packages/{smaller.pk}/renew/", {"plan": "startup"},
                             format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "renewal_plan_smaller"
    created = owner_api.post(url, {"workspaces": [ws_b.pk, ws_a.pk]}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["kind"] == "renewal" and body["renewal_of"] == package.pk and body["total"] == "42000.00"
    assert [w["id"] for w in body["workspaces"]] == [ws_b.pk, ws_a.pk]
    assert body["effective_on"] == (package.ends_on + datetime.timedelta(days=1)).isoformat()
    fund_cash(account, "42000")
    paid = owner_api.post(f"/api/v1/accounts/{account.pk}/orders/{body['id']}/pay/",
                          {"tenders": [{"kind": "cash", "amount": "42000.00"}]}, format="json",
                          HTTP_IDEMPOTENCY_KEY="renew-1")
    assert paid.status_code == 200, paid.content
    listed = owner_api.get(f"/api/v1/accounts/{account.pk}/packages/").json()
    rows = {row["id"]: row for row in listed["results"]}
    renewal_id = rows[package.pk]["renewal"]
    assert rows[renewal_id]["renewal_of"] == package.pk
    assert [w["id"] for w in rows[renewal_id]["workspaces"]] == [ws_b.pk, ws_a.pk]
    again = owner_api.post(url, {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_renewed"
    # the generic orders endpoint creates renewals too
    other = paid_package(account, owner, workspaces=[WorkspaceFactory(account=account)])
    generic = owner_api.post(f"/api/v1/accounts/{account.pk}/orders/", {"kind": "renewal", "package": other.pk},
                             format="json")
    assert generic.status_code == 201 and generic.json()["kind"] == "renewal"


def test_auto_renew_toggle_api_and_permissions(account, owner, owner_api, administrator, api_client,
                                               other_account, ws_a):
    package = paid_package(account, owner, workspaces=[ws_a])
    url = f"/api/v1/accounts/{account.pk}/packages/{package.pk}/auto-renew/"
    on = owner_api.patch(url, {"auto_renew": True}, format="json")
    assert on.status_code == 200 and on.json()["auto_renew"] is True
    off = owner_api.post(url, {"auto_renew": False}, format="json")
    assert off.status_code == 200 and off.json()["auto_renew"] is False
    bad = owner_api.patch(url, {"auto_renew": "sometimes"}, format="json")
    assert bad.status_code == 400 and "auto_renew" in bad.json()["error"]["fields"]
    api_client.force_authenticate(administrator)
    assert api_client.patch(url, {"auto_renew": True}, format="json").status_code == 403
    assert api_client.post(f"/api/v1/accounts/{account.pk}/packages/{package.pk}/renew/", {},
                           format="json").status_code == 403
    foreign = f"/api/v1/accounts/{account.pk}/packages/{package.pk + 10_000}/auto-renew/"
    assert owner_api.patch(foreign, {"auto_renew": True}, format="json").status_code == 404
    package.refresh_from_db()
    assert package.auto_renew is False
    assert not Package.objects.filter(renewal_of=package).exists()
    assert Order.objects.filter(kind=OrderKind.RENEWAL).count() == 0


def test_renewal_page_creates_the_order_and_toggles_auto_renew(account, owner, owner_client, ws_a, ws_b):
    package = paid_package(account, owner, workspaces=[ws_a])
    page = owner_client.get(f"/a/{account.pk}/packages/{package.pk}/renew/")
    assert page.status_code == 200 and ws_a.name in page.content.decode()
    bad = owner_client.post(f"/a/{account.pk}/packages/{package.pk}/renew/", {"plan": str(package.plan_id)})
    assert bad.status_code == 400 and not Order.objects.filter(kind=OrderKind.RENEWAL).exists()
    response = owner_client.post(f"/a/{account.pk}/packages/{package.pk}/renew/", {
        "plan": str(package.plan_id), f"include_{ws_a.pk}": "1", f"position_{ws_a.pk}": "2",
        f"include_{ws_b.pk}": "1", f"position_{ws_b.pk}": "1",
    })
    order = Order.objects.get(kind=OrderKind.RENEWAL)
    assert response.status_code == 302 and response["Location"].endswith(f"/orders/{order.pk}/pay/")
    assert list(order.workspaces.order_by("position").values_list("workspace_id", flat=True)) == [ws_b.pk, ws_a.pk]
    unconfirmed = owner_client.post(f"/a/{account.pk}/packages/{package.pk}/auto-renew/", {"auto_renew": "on"})
    package.refresh_from_db()
    assert unconfirmed["Location"].endswith(f"/packages/{package.pk}/auto-renew/") and not package.auto_renew
    toggled = owner_client.post(f"/a/{account.pk}/packages/{package.pk}/auto-renew/",
                                {"auto_renew": "on", "confirmed": "1"})
    assert toggled.status_code == 302
    package.refresh_from_db()
    assert package.auto_renew
