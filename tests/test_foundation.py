import os
import subprocess
import sys
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.formatting import format_cny
from core.money import parse_amount, quantize
from orders.models import Order
from payments.models import LedgerEntry
from quota.models import Bill
from statements.models import MonthlyBill
from tests.factories import MembershipFactory, WorkspaceFactory
from workspaces.models import Account, Role, WorkspacePlan

pytestmark = pytest.mark.django_db


def test_quantize_rounds_half_up_to_cents():
    assert quantize(Decimal("1.005")) == Decimal("1.01")
    assert quantize(Decimal("1.0049")) == Decimal("1.00")
    assert quantize(Decimal("-1.005")) == Decimal("-1.01")
    with pytest.raises(TypeError):
        quantize(1.5)


@pytest.mark.parametrize("raw", ["-1", "0", "abc", "1.001", None, 1.5, True, "NaN", "Infinity", "1e400"])
def test_parse_amount_rejects(raw):
    with pytest.raises(ValueError):
        parse_amount(raw)


def test_format_cny():
    assert format_cny(Decimal("42000")) == "¥42,000.00"
    assert format_cny(Decimal("-12.5")) == "-¥12.50"


def test_accounts_api_lists_callers_accounts_and_roles(owner_api, account, other_account):
    response = owner_api.get("/api/v1/accounts/")
    assert response.status_code == 200
    assert [(a["id"], a["role"]) for a in response.json()["results"]] == [(account.id, "owner")]


def test_unauthenticated_api_error_envelope(api_client, account):
    response = api_client.get(f"/api/v1/accounts/{account.id}/workspaces/")
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] in ("not_authenticated", "authentication_failed")


def test_foreign_account_is_404_with_envelope(owner_api, other_account):
    response = owner_api.get(f"/api/v1/accounts/{other_account.id}/workspaces/")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found" and error["message"] and error["fields"] == {}
    assert set(response.json()) == {"error"}


@pytest.mark.parametrize("path", ["/api/v1/accounts/99999999999999999999/workspaces/", "/api/v1/nope/"])
def test_unknown_and_malformed_ids_are_json_404(owner_api, path):
    response = owner_api.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_validation_error_envelope(owner_api, account):
    response = owner_api.post(f"/api/v1/accounts/{account.id}/workspaces/", {"name": ""}, format="json")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid" and "name" in body["fields"]


def test_malformed_json_is_400_envelope(owner_api, account):
    response = owner_api.generic(
        "POST", f"/api/v1/accounts/{account.id}/workspaces/", "{nope", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_owner_upgrades_workspace_to_commercial(owner_api, account):
    ws = WorkspaceFactory(account=account, free=True)
    response = owner_api.post(f"/api/v1/accounts/{account.id}/workspaces/{ws.id}/upgrade/")
    assert response.status_code == 200
    ws.refresh_from_db()
    assert ws.plan == WorkspacePlan.COMMERCIAL and ws.commercial_since
    again = owner_api.post(f"/api/v1/accounts/{account.id}/workspaces/{ws.id}/upgrade/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_commercial"


def test_administrator_cannot_upgrade_and_member_sees_nothing(api_client, account, administrator, member):
    ws = WorkspaceFactory(account=account, free=True)
    api_client.force_authenticate(administrator)
    assert api_client.get(f"/api/v1/accounts/{account.id}/workspaces/").status_code == 200
    response = api_client.post(f"/api/v1/accounts/{account.id}/workspaces/{ws.id}/upgrade/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    api_client.force_authenticate(member)
    assert api_client.get(f"/api/v1/accounts/{account.id}/workspaces/").status_code == 403
    ws.refresh_from_db()
    assert ws.plan == WorkspacePlan.FREE


def test_foreign_workspace_upgrade_is_404_and_changes_nothing(owner_api, other_account):
    ws = WorkspaceFactory(account=other_account, free=True)
    response = owner_api.post(f"/api/v1/accounts/{other_account.id}/workspaces/{ws.id}/upgrade/")
    assert response.status_code == 404
    ws.refresh_from_db()
    assert ws.plan == WorkspacePlan.FREE


def test_own_account_with_foreign_workspace_id_is_404(owner_api, account, other_account):
    ws = WorkspaceFactory(account=other_account, free=True)
    response = owner_api.post(f"/api/v1/accounts/{account.id}/workspaces/{ws.id}/upgrade/")
    assert response.status_code == 404


def test_login_switch_accounts_and_upgrade_in_pages(client, user_factory):
    user = user_factory(username="newowner")
    first = MembershipFactory(user=user, role=Role.OWNER).account
    second = MembershipFactory(user=user, role=Role.ADMINISTRATOR).account
    ws = WorkspaceFactory(account=first, free=True, name="Alpha")
    response = client.post(reverse("login"), {"username": "newowner", "password": "correct-horse-battery"})
    assert response.status_code == 302
    home = client.get("/", follow=True)
    assert home.status_code == 200 and first.name in home.content.decode()
    page = client.get(reverse("account-home", args=[second.id]))
    assert page.status_code == 200 and second.name in page.content.decode()
    listing = client.get(reverse("workspace-list", args=[first.id]))
    assert "Upgrade to Commercial" in listing.content.decode() or "升级" in listing.content.decode()
    response = client.post(reverse("workspace-upgrade", args=[first.id, ws.id]), follow=True)
    assert response.status_code == 200
    ws.refresh_from_db()
    assert ws.plan == WorkspacePlan.COMMERCIAL


def test_administrator_page_has_no_upgrade_button(client, account, administrator):
    WorkspaceFactory(account=account, free=True)
    client.force_login(administrator)
    content = client.get(reverse("workspace-list", args=[account.id])).content.decode()
    assert "workspace-upgrade" not in content and "/upgrade/" not in content


def test_member_lands_on_the_member_page_and_gets_403_on_billing(client, account, member):
    client.force_login(member)
    home = client.get(reverse("account-home", args=[account.id]))
    assert home.status_code == 200 and 'id="member-home"' in home.content.decode()
    assert client.get(reverse("workspace-list", args=[account.id])).status_code == 403


@pytest.mark.production  # production settings in a subprocess: the production tier
def test_check_deploy_is_clean_under_production_settings(settings, monkeypatch):

    env = {
        "DJANGO_SETTINGS_MODULE": "billing_center.settings_production",
        "SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
        "PAYMENT_GATEWAY_SECRET": "gateway-secret-" + "g" * 40,
        "PATH": "/usr/bin:/bin",
    }

    env = {**os.environ, **env}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True, text=True, env=env, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _demo_rows() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in (Account, Order, LedgerEntry, Bill, MonthlyBill)}


def test_seed_demo_runs_twice(db):
    first, second = StringIO(), StringIO()
    call_command("seed_demo", stdout=first)
    seeded = _demo_rows()
    call_command("seed_demo", stdout=second)
    assert "Demo ready" in first.getvalue()
    assert "already seeded; nothing changed" in second.getvalue()
    assert all(seeded.values()), seeded  # the story made accounts, orders, ledger entries and bills
    assert _demo_rows() == seeded


def test_obtain_token_and_use_it(api_client, owner, account):
    response = api_client.post("/api/v1/auth/token/", {"username": owner.username, "password": "correct-horse-battery"})
    assert response.status_code == 201
    token = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get(f"/api/v1/accounts/{account.id}/workspaces/").status_code == 200


def test_obtain_token_with_bad_password_is_400_envelope(api_client, owner):
    response = api_client.post("/api/v1/auth/token/", {"username": owner.username, "password": "nope"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("name", ["bad\x00name", "tab\tname", "x" * 201, "   "])
def test_workspace_names_are_validated(owner_api, account, name):
    response = owner_api.post(f"/api/v1/accounts/{account.id}/workspaces/", {"name": name}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]


@pytest.mark.production  # production settings in a subprocess: the production tier
def test_check_deploy_refuses_the_default_gateway_secret():

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "billing_center.settings_production",
           "SECRET_KEY": "y" * 60, "PAYMENT_GATEWAY_SECRET": "sandbox-secret-change-me"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            capture_output=True, text=True, env=env, check=False)
    assert result.returncode != 0 and "fee_center.W001" in result.stdout + result.stderr
