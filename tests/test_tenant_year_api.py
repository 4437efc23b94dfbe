"""Issue 12 ("the tenant's year") walked through the REST API only, one scenario per item: a renewal with no
day between it and the old package, the auto-renew switch, invitations (create, accept, role change, removal),
arrears that block buying (423) while recharging still works, the audit trail (filters, CSV), and a signed
webhook delivered to a receiver on loopback and verified with `standardwebhooks`.

Set-up that no tenant does through the API (wallet cash, a locked workspace) uses the factories; every step a
tenant takes is an API call."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from core.days import account_today
from orders.tests.factories import fund_cash
from tests.clock import FIXED_NOW
from tests.factories import UserFactory, WorkspaceFactory
from webhooks.tests.receiver import Receiver
from workspaces import services as workspace_services
from workspaces.models import Membership, Role, Workspace, WorkspaceStatus

pytestmark = pytest.mark.django_db
ONE_DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _english_and_loopback(settings):
    settings.LANGUAGE_CODE = "en"
    settings.WEBHOOKS_ALLOW_INSECURE_LOOPBACK = True  # the test receiver is http://127.0.0.1
    settings.WEBHOOKS_TIMEOUT_SECONDS = 3


def _base(account) -> str:
    return f"/api/v1/accounts/{account.pk}"


def _buy(owner_api, account, workspaces, key: str) -> dict:
    """Purchase + pay in cash through the API; returns the package."""
    created = owner_api.post(f"{_base(account)}/orders/", {"kind": "purchase", "plan": "startup",
                                                          "workspaces": [ws.pk for ws in workspaces]}, format="json")
    assert created.status_code == 201, created.content
    order = created.json()
    fund_cash(account, order["total"])
    paid = owner_api.post(f"{_base(account)}/orders/{order['id']}/pay/",
                          {"tenders": [{"kind": "cash", "amount": order["total"]}]}, format="json",
                          HTTP_IDEMPOTENCY_KEY=key)
    assert paid.status_code == 200, paid.content
    packages = owner_api.get(f"{_base(account)}/packages/").json()["results"]
    return next(p for p in packages if [w["id"] for w in p["workspaces"]] == [ws.pk for ws in workspaces])


# ------------------------------------------------------------------------------- 1. renewal, 5. signed webhooks


@pytest.mark.time_machine(FIXED_NOW)
def test_renewal_without_a_gap_is_announced_by_a_signed_webhook(owner_api, account, owner,
                                                                 django_capture_on_commit_callbacks):
    a, b = WorkspaceFactory(account=account, name="A"), WorkspaceFactory(account=account, name="B")
    old = _buy(owner_api, account, [a, b], "buy-1")
    assert old["ends_on"] == (account_today(account) + 365 * ONE_DAY).isoformat()

    with Receiver() as receiver:
        endpoint = owner_api.post(f"{_base(account)}/webhooks/", {
            "url": receiver.url, "event_types": ["package.renewed"]}, format="json")
        assert endpoint.status_code == 201, endpoint.content
        secret = endpoint.json()["secret"]

        # renew, with the workspaces in a new order, and pay at the cashier
        created = owner_api.post(f"{_base(account)}/packages/{old['id']}/renew/",
                                 {"workspaces": [b.pk, a.pk]}, format="json")
        assert created.status_code == 201, created.content
        order = created.json()
        first_day = datetime.date.fromisoformat(old["ends_on"]) + ONE_DAY
        assert order["kind"] == "renewal" and order["effective_on"] == first_day.isoformat()
        fund_cash(account, order["total"])
        with django_capture_on_commit_callbacks(execute=True):
            paid = owner_api.post(f"{_base(account)}/orders/{order['id']}/pay/",
                                  {"tenders": [{"kind": "cash", "amount": order["total"]}]}, format="json",
                                  HTTP_IDEMPOTENCY_KEY="renew-1")
        assert paid.status_code == 200, paid.content

        # the renewal starts the day after the old end: no day between them
        packages = {p["id"]: p for p in owner_api.get(f"{_base(account)}/packages/").json()["results"]}
        renewal = packages[packages[old["id"]]["renewal"]]
        assert renewal["renewal_of"] == old["id"]
        assert datetime.date.fromisoformat(renewal["starts_on"]) - datetime.date.fromisoformat(old["ends_on"]) \
            == ONE_DAY
        assert [w["id"] for w in renewal["workspaces"]] == [b.pk, a.pk]
        again = owner_api.post(f"{_base(account)}/packages/{old['id']}/renew/", {}, format="json")
        assert again.status_code == 409 and again.json()["error"]["code"] == "already_renewed"

        # the signed delivery: verified with the endpoint's secret, refused with another
        [request] = receiver.requests
        message = Webhook(secret).verify(request["body"], request["headers"])
        assert message["type"] == "package.renewed"
        assert message["data"]["account_id"] == account.pk
        assert message["data"]["renewal"]["starts_on"] == renewal["starts_on"]
        with pytest.raises(WebhookVerificationError):
            Webhook("whsec_" + "QUJD" * 8).verify(request["body"], request["headers"])
        deliveries = owner_api.get(f"{_base(account)}/webhooks/deliveries/").json()
        assert deliveries["count"] == 1
        assert deliveries["results"][0]["attempts"][0]["status_code"] == 200


# ------------------------------------------------------------------------------------------ 1. auto-renew switch


def test_auto_renew_switch_and_its_audit_entry(owner_api, account, owner, administrator):
    old = _buy(owner_api, account, [WorkspaceFactory(account=account)], "buy-2")
    url = f"{_base(account)}/packages/{old['id']}/auto-renew/"
    assert old["auto_renew"] is False
    on = owner_api.patch(url, {"auto_renew": True}, format="json")
    assert on.status_code == 200 and on.json()["auto_renew"] is True
    listed = {p["id"]: p for p in owner_api.get(f"{_base(account)}/packages/").json()["results"]}
    assert listed[old["id"]]["auto_renew"] is True
    bad = owner_api.patch(url, {"auto_renew": "maybe"}, format="json")
    assert bad.status_code == 400 and "auto_renew" in bad.json()["error"]["fields"]
    admin_api = APIClient()
    admin_api.force_authenticate(administrator)
    assert admin_api.patch(url, {"auto_renew": False}, format="json").status_code == 403
    off = owner_api.patch(url, {"auto_renew": False}, format="json")
    assert off.status_code == 200 and off.json()["auto_renew"] is False
    # both switches are in the trail, with who did it
    trail = owner_api.get(f"{_base(account)}/audit/", {"kind": "renewal"}).json()["results"]
    switches = [e for e in trail if e["action"] == "update" and "auto_renew" in (e["after"] or {})]
    assert sorted(e["after"]["auto_renew"] for e in switches) == [False, True]
    assert {e["user_id"] for e in switches} == {owner.pk}


# -------------------------------------------------------------------------------------------- 2. people, 4. audit


def test_invitation_accept_role_change_remove_and_the_trail(owner_api, account, owner,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invited = owner_api.post(f"{_base(account)}/invitations/", {"email": "Mei@Example.com", "role": "member"},
                                 format="json")
    assert invited.status_code == 201, invited.content
    assert invited.json()["status"] == "pending" and invited.json()["email"] == "mei@example.com"
    [message] = [m for m in mail.outbox if m.to == ["mei@example.com"]]
    token = re.search(r"/invitations/([A-Za-z0-9_\-]+)/", message.body).group(1)

    mei = UserFactory(username="mei", email="mei@example.com")
    mei_api = APIClient()
    mei_api.force_authenticate(mei)
    # before accepting, the account is a 404 to her
    assert mei_api.get(f"{_base(account)}/workspaces/").status_code == 404
    accepted = mei_api.post("/api/v1/invitations/accept/", {"token": token}, format="json")
    assert accepted.status_code == 201, accepted.content
    membership = accepted.json()
    assert membership["account_id"] == account.pk and membership["role"] == "member"
    # single use
    again = mei_api.post("/api/v1/invitations/accept/", {"token": token}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invitation_invalid"
    stranger = APIClient()
    stranger.force_authenticate(UserFactory())
    assert stranger.post("/api/v1/invitations/accept/", {"token": token}, format="json").status_code == 409
    assert stranger.post("/api/v1/invitations/accept/", {}, format="json").status_code == 400
    assert APIClient().post("/api/v1/invitations/accept/", {"token": token}, format="json").status_code in (401, 403)
    invitations = owner_api.get(f"{_base(account)}/invitations/").json()["results"]
    assert [i["status"] for i in invitations] == ["accepted"]

    # a member sees no billing; made administrator, she does
    assert mei_api.get(f"{_base(account)}/packages/").status_code == 403
    changed = owner_api.patch(f"{_base(account)}/members/{membership['id']}/", {"role": "administrator"},
                              format="json")
    assert changed.status_code == 200 and changed.json()["role"] == "administrator"
    assert mei_api.get(f"{_base(account)}/packages/").status_code == 200
    bad = owner_api.patch(f"{_base(account)}/members/{membership['id']}/", {"role": "emperor"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"]
    removed = owner_api.delete(f"{_base(account)}/members/{membership['id']}/")
    assert removed.status_code == 204
    assert not Membership.objects.filter(account=account, user=mei).exists()
    assert mei_api.get(f"{_base(account)}/packages/").status_code == 404

    # the trail: filters by kind, person and day, and the CSV
    url = f"{_base(account)}/audit/"
    today = account_today(account).isoformat()
    people = owner_api.get(url, {"kind": "people", "date_from": today, "date_to": today}).json()
    actions = {(e["model"], e["action"]) for e in people["results"]}
    assert ("workspaces.Invitation", "insert") in actions
    assert ("workspaces.Membership", "update") in actions and ("workspaces.Membership", "delete") in actions
    role_change = next(e for e in people["results"] if e["model"] == "workspaces.Membership"
                       and e["action"] == "update")
    assert role_change["before"]["role"] == "member" and role_change["after"]["role"] == "administrator"
    assert role_change["user_id"] == owner.pk
    by_owner = owner_api.get(url, {"kind": "people", "user": owner.pk}).json()
    assert by_owner["count"] >= 3 and all(e["user_id"] == owner.pk for e in by_owner["results"])
    tomorrow = (account_today(account) + ONE_DAY).isoformat()
    assert owner_api.get(url, {"kind": "people", "date_from": tomorrow}).json()["count"] == 0
    assert owner_api.get(url, {"kind": "nonsense"}).status_code == 400
    assert owner_api.get(url, {"date_from": "2026-02-30"}).status_code == 400
    exported = owner_api.get(url, {"kind": "people", "format": "csv"})
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) - 1 == people["count"]
    cells = [cell for row in rows[1:] for cell in row]
    assert not any("workspaces.Membership" in cell for cell in cells)  # sentences, not model names
    assert any("mei" in cell for cell in cells)  # the role change names the person it changed
    # only the owner reads the trail
    admin = UserFactory()
    Membership.objects.create(account=account, user=admin, role=Role.ADMINISTRATOR)
    admin_api = APIClient()
    admin_api.force_authenticate(admin)
    assert admin_api.get(url).status_code == 403


# -------------------------------------------------------------------------------------------------- 3. arrears


def test_arrears_block_buying_but_not_recharging(owner_api, account, owner):
    covered = WorkspaceFactory(account=account, name="Covered")
    spare = WorkspaceFactory(account=account, name="Spare")
    free = WorkspaceFactory(account=account, name="Free", free=True)
    package = _buy(owner_api, account, [covered], "buy-3")
    Workspace.objects.filter(pk=covered.pk).update(status=WorkspaceStatus.LOCKED, locked_at=timezone.now(),
                                                   countdown_started_at=timezone.now())
    base = _base(account)
    blocked = [
        owner_api.post(f"{base}/orders/", {"kind": "purchase", "plan": "startup", "workspaces": [spare.pk]},
                       format="json"),
        owner_api.post(f"{base}/packages/{package['id']}/renew/", {}, format="json"),
        owner_api.post(f"{base}/workspaces/", {"name": "Another"}, format="json"),
        owner_api.post(f"{base}/workspaces/{free.pk}/upgrade/", {}, format="json"),
    ]
    for answer in blocked:
        assert answer.status_code == 423, answer.content
        error = answer.json()["error"]
        assert error["code"] == "account_in_arrears" and "Recharge" in error["message"]
    assert not Workspace.objects.filter(account=account, name="Another").exists()
    recharge = owner_api.post(f"{base}/recharges/", {"method": "offline", "amount": "100.00",
                                                     "transfer_reference": "BANK-7"}, format="json",
                              HTTP_IDEMPOTENCY_KEY="recharge-7")
    assert recharge.status_code == 201, recharge.content
    wallet = owner_api.get(f"{base}/wallet/")
    assert wallet.status_code == 200
    # unlocked (the arrears paid), buying works again at once
    workspace_services.workspaces_unlock(account_ids=[account.pk])
    created = owner_api.post(f"{base}/workspaces/", {"name": "Another"}, format="json")
    assert created.status_code == 201, created.content
    assert json.loads(created.content)["name"] == "Another"
