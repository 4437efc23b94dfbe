"""Web security: CSRF on every unsafe form and session-authenticated endpoint, session rotation at login,
production cookie and header flags, login throttling (django-axes), mass assignment, `check --deploy`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from payments.tests.factories import fund_cash
from tests.factories import AccountFactory, MembershipFactory, UserFactory, WorkspaceFactory, api_token_key
from tests.isolation.fingerprint import fingerprint
from tests.urls import walk_patterns
from workspaces.models import Role, Workspace, WorkspacePlan

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PARAM = re.compile(r"<(?:(?P<conv>[a-z_]+):)?(?P<name>[a-z_]+)>")
UNSAFE = ("post", "put", "patch", "delete")

# Unsafe endpoints that are deliberately not session-authenticated, so CSRF does not apply, and why.
CSRF_EXEMPT_BY_DESIGN = {
    "api/v1/payments/gateway/<str:provider>/callback/": "server-to-server, authenticated by its HMAC signature",
    "api/v1/payments/gateway/<slug:provider>/callback/": "server-to-server, authenticated by its HMAC signature",
    "api/v1/usage/": "metering pipeline, authenticated by a service token (no cookies)",
    "api/v1/auth/token/": "exchanges a password for a token; takes no session, sets no cookie",
}


def unsafe_routes():
    routes = []
    for route, _ in walk_patterns():
        if route.startswith(("admin/", "static/", "media/", "^")) or route in CSRF_EXEMPT_BY_DESIGN:
            continue
        if route.startswith(("api/v1/schema", "api/v1/docs", "api/v1/catalogue", "catalogue", "health")):
            continue  # read-only
        routes.append(route)
    return sorted(set(routes))


def _fill(route: str, account_id: int, workspace_id: int) -> str:
    def value(match):
        name = match.group("name")
        if name == "account_id":
            return str(account_id)
        if name == "workspace_id":
            return str(workspace_id)
        return "1" if match.group("conv") in ("id", "int") else "x"

    return "/" + PARAM.sub(value, route)


# ---------------------------------------------------------------------------------------------------- CSRF
@pytest.mark.parametrize("route", unsafe_routes())
def test_csrf_is_enforced_on_every_unsafe_method(csrf_client, sec_owner, route):
    """A logged-in owner's browser, tricked into a cross-site POST without the token: 403, nothing changes."""
    path = _fill(route, sec_owner["account"].pk, sec_owner["workspace"].pk)
    for method in UNSAFE:
        if method == "post":
            response = csrf_client.post(path, {"name": "csrf-made-this"})
        else:
            response = getattr(csrf_client, method)(path, data="{}", content_type="application/json")
        assert response.status_code == 403, f"{method.upper()} {path} without a CSRF token: {response.status_code}"
    assert not Workspace.objects.filter(name="csrf-made-this").exists()
    sec_owner["workspace"].refresh_from_db()
    assert sec_owner["workspace"].plan == WorkspacePlan.FREE


def test_csrf_token_from_the_page_is_accepted(csrf_client, sec_owner):
    """Positive control: the same form with the page's token works (so the 403s above are CSRF's)."""
    account = sec_owner["account"]
    page = csrf_client.get(f"/a/{account.pk}/workspaces/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()
    response = csrf_client.post(f"/a/{account.pk}/workspaces/", {"name": "with-token", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Workspace.objects.filter(account=account, name="with-token").exists()


def test_api_with_session_needs_csrf_but_token_auth_does_not(csrf_client, sec_owner):
    account = sec_owner["account"]
    path = f"/api/v1/accounts/{account.pk}/workspaces/"
    response = csrf_client.post(path, {"name": "via-session"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    token = api_token_key(sec_owner["user"])
    anonymous = Client(enforce_csrf_checks=True)
    response = anonymous.post(path, {"name": "via-token"}, content_type="application/json",
                              HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 201, response.content
    assert list(Workspace.objects.filter(account=account, name__startswith="via-").values_list("name", flat=True)) \
        == ["via-token"]


def test_login_form_needs_csrf(db):
    UserFactory(username="csrf-login")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "csrf-login", "password": "correct-horse-battery"})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


# ------------------------------------------------------------------------------------------------ sessions
def test_session_key_rotates_at_login_and_is_flushed_at_logout(client):
    UserFactory(username="rotating")
    session = client.session
    session["pre-login"] = "planted"
    session.save()
    planted = session.session_key
    client.cookies["sessionid"] = planted
    response = client.post("/login/", {"username": "rotating", "password": "correct-horse-battery"})
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after and after != planted, "session fixation: the pre-login session key survived the login"

    assert not Session.objects.filter(session_key=planted).exists()
    client.post("/logout/")
    assert not Session.objects.filter(session_key=after).exists()


# ------------------------------------------------------------------------------------- production settings
def _production(*names: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {list(names)!r}}}, default=str))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "billing_center.settings_production",
           "SECRET_KEY": "prod-" + "k" * 60}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                            check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.production  # production settings in a subprocess: the production tier
def test_production_cookie_and_transport_flags():
    values = _production(
        "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER", "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS",
        "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE",
    )
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True and values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True and values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True and values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert values["CSRF_COOKIE_SAMESITE"] in ("Lax", "Strict")


@pytest.mark.production  # production settings in a subprocess: the production tier
def test_check_deploy_is_clean():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "billing_center.settings_production",
           "SECRET_KEY": "prod-" + "k" * 60, "PAYMENT_GATEWAY_SECRET": "gw-" + "s" * 40}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pages_cannot_be_framed_and_are_not_sniffed(owner_client, account):
    response = owner_client.get(f"/a/{account.pk}/")
    assert response["X-Frame-Options"] in ("DENY", "SAMEORIGIN")
    assert response["X-Content-Type-Options"] == "nosniff"


# ------------------------------------------------------------------------------------------ login throttle
def test_login_is_throttled_after_repeated_failures(settings, client):
    settings.AXES_ENABLED = True  # the shared conftest turns axes off for every test; this one needs it
    UserFactory(username="bruteforced")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/login/", {"username": "bruteforced", "password": "guess"})
        assert "_auth_user_id" not in client.session
    response = client.post("/login/", {"username": "bruteforced", "password": "correct-horse-battery"})
    assert response.status_code in (403, 429), response.status_code
    assert "_auth_user_id" not in client.session, "locked out, yet the right password logged in"
    # Another username from the same address is not locked (the lock is per username and IP).
    UserFactory(username="innocent")
    response = client.post("/login/", {"username": "innocent", "password": "correct-horse-battery"})
    assert response.status_code == 302


def test_token_endpoint_is_throttled_too(settings, api_client):
    """The API's password-for-token exchange must not be a way around the login lockout."""
    settings.AXES_ENABLED = True
    UserFactory(username="token-bruteforced")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api_client.post("/api/v1/auth/token/", {"username": "token-bruteforced", "password": "guess"}, format="json")
    response = api_client.post("/api/v1/auth/token/",
                               {"username": "token-bruteforced", "password": "correct-horse-battery"}, format="json")
    assert response.status_code in (400, 403, 429), response.status_code
    assert "token" not in response.json()


# ---------------------------------------------------------------------------------------- mass assignment
FORBIDDEN = {
    "balance": "99999999.00", "cash_balance": "99999999.00", "account": None, "account_id": None,
    "status": "locked", "total": "0.01", "price": "0.01", "amount_paid": "99999999.00", "paid_at": "2020-01-01",
    "plan": "commercial", "id": 987654321, "owner": None, "role": "owner", "face_value": "99999999.00",
}
def _order_body(account):
    return {"kind": "purchase", "plan": "startup", "workspaces": [WorkspaceFactory(account=account).pk]}


def _card_body(account):
    fund_cash(account, "1000.00")
    return {"face_value": "100", "quantity": 1}


# Valid minimal bodies per create endpoint, so the forbidden fields ride on a request that succeeds, and what
# the created object must then say (whatever the request claimed).
VALID_BODIES = {
    "/api/v1/accounts/{account_id}/workspaces/": lambda account: {"name": "mass-assigned"},
    "/api/v1/accounts/{account_id}/orders/": _order_body,
    "/api/v1/accounts/{account_id}/prepaid-cards/": _card_body,
    "/api/v1/accounts/{account_id}/recharges/": lambda account: {
        "method": "offline", "amount": "100.00", "transfer_reference": "MASS-1"},
}
EXPECTED_AFTER = {
    "/api/v1/accounts/{account_id}/orders/": {"total": "42000.00", "status": "pending_payment"},
}


def _create_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(p for p, ops in schema["paths"].items() if "post" in ops and p.startswith("/api/v1/accounts/"))


@pytest.mark.parametrize("path", _create_operations())
def test_mass_assignment_is_ignored_or_rejected(path, owner_api, account, other_account):
    body = {**FORBIDDEN, "account": other_account.pk, "account_id": other_account.pk}
    if path in VALID_BODIES:
        body.update(VALID_BODIES[path](account))
    concrete = path.replace("{account_id}", str(account.pk))
    concrete = re.sub(r"\{[a-z_]+\}", "1", concrete)
    other_rows = Workspace.objects.filter(account=other_account).count()
    before = fingerprint()
    response = owner_api.post(concrete, body, format="json", HTTP_IDEMPOTENCY_KEY=f"mass-{path}")
    assert response.status_code < 500, response.content
    if path in VALID_BODIES:
        assert response.status_code < 400 or (response.status_code == 400 and set(
            response.json()["error"]["fields"]) & set(FORBIDDEN)), f"{path}: {response.status_code} {response.content}"
    assert Workspace.objects.filter(account=other_account).count() == other_rows
    if response.status_code >= 400:
        assert before == fingerprint(), f"{path}: a refused request wrote"
        return
    data = response.json()
    if isinstance(data, dict) and isinstance(data.get("cards"), list) and data["cards"]:
        data = data["cards"][0]  # a card purchase answers with the cards bought
    for key, value in EXPECTED_AFTER.get(path, {}).items():
        assert data.get(key) == value, f"{path}: {key}={data.get(key)!r}"
    for key in ("balance", "cash_balance", "amount_paid", "face_value"):
        assert data.get(key) != FORBIDDEN[key], f"{path}: {key} was assigned from the request"
    assert data.get("account") in (None, account.pk) and data.get("account_id") in (None, account.pk)
    assert data.get("id") != FORBIDDEN["id"]
    if path == "/api/v1/accounts/{account_id}/workspaces/":
        created = Workspace.objects.get(pk=data["id"])
        assert created.account_id == account.pk and created.plan == WorkspacePlan.FREE
        assert created.status == "active"


def test_an_owner_cannot_give_himself_another_account_through_the_accounts_list(owner_api, account, other_account):
    response = owner_api.post("/api/v1/accounts/", {"id": other_account.pk, "role": "owner"}, format="json")
    assert response.status_code in (403, 405)
    assert not MembershipFactory._meta.model.objects.filter(account=other_account).exists()


def test_administrator_cannot_escalate_through_any_post(api_client):
    account = AccountFactory()
    admin = MembershipFactory(account=account, role=Role.ADMINISTRATOR).user
    api_client.force_authenticate(admin)
    response = api_client.post(f"/api/v1/accounts/{account.pk}/workspaces/", {"name": "ok", "role": "owner"},
                               format="json")
    assert response.status_code in (201, 400)
    assert MembershipFactory._meta.model.objects.get(user=admin).role == Role.ADMINISTRATOR
