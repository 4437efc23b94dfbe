"""Issue 10: the sandbox gateway is off unless enabled; gateway callbacks are bounded and rejected ones
throttled per provider; code activation has one limit on the page and the API (docs/RULES-payments.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from payments.gateways import default_provider, get_gateway, online_payment_available
from payments.gateways.base import STORED_PAYLOAD_BYTES, stored_callback_payload
from payments.gateways.sandbox import signed_payload
from payments.models import GatewayCallback, LedgerEntry, Recharge, RechargeStatus, Voucher, Wallet
from payments.recharges import recharge_start_online
from payments.vouchers import voucher_batch_generate
from tests.factories import MembershipFactory
from workspaces.models import Role

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
CALLBACK = "/api/v1/payments/gateway/sandbox/callback/"


@pytest.fixture
def sandbox_off(settings):
    settings.FEE_CENTER = {**settings.FEE_CENTER, "PAYMENT_SANDBOX_ENABLED": False}


def login(user):
    client = Client()
    client.force_login(user)
    return client


def cash(account):
    return Wallet.objects.get(account=account).cash_balance


# ------------------------------------------------------------------------------------------- configuration
@pytest.mark.production  # production settings in a subprocess: the production tier
def test_sandbox_is_off_by_default_in_settings():
    """The setting itself defaults to off (the suite's conftest turns it on only for the tests)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAYMENT_SANDBOX", "PAYMENT_GATEWAYS"))}
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.FEE_CENTER['PAYMENT_SANDBOX_ENABLED'], settings.FEE_CENTER['PAYMENT_GATEWAYS'])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False,
                            env={**env, "DJANGO_SETTINGS_MODULE": "billing_center.settings"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False {}"


def test_only_the_demo_enables_the_sandbox():
    makefile = (ROOT / "Makefile").read_text()
    assert "demo: export PAYMENT_SANDBOX_ENABLED = true" in makefile
    assert "PAYMENT_SANDBOX_ENABLED" not in (ROOT / "docker-compose.yml").read_text()
    assert "PAYMENT_SANDBOX_ENABLED=false" in (ROOT / ".env.example").read_text()


def test_registry_follows_the_setting_at_call_time(settings):
    assert default_provider() == "sandbox" and online_payment_available()
    settings.FEE_CENTER = {**settings.FEE_CENTER, "PAYMENT_SANDBOX_ENABLED": False}
    assert default_provider() is None and not online_payment_available()
    assert get_gateway("sandbox") is None
    # Naming the sandbox in PAYMENT_GATEWAYS does not switch it on.
    settings.FEE_CENTER = {**settings.FEE_CENTER,
                           "PAYMENT_GATEWAYS": {"sandbox": "payments.gateways.sandbox.SandboxGateway",
                                                "bank": "payments.gateways.sandbox.SandboxGateway"}}
    assert not online_payment_available() and get_gateway("bank") is None


def _check_deploy(**extra):
    env = {k: v for k, v in os.environ.items() if k != "PAYMENT_SANDBOX_ENABLED"}
    env.update({"DJANGO_SETTINGS_MODULE": "billing_center.settings_production", "SECRET_KEY": "prod-" + "k" * 60,
                "PAYMENT_GATEWAY_SECRET": "gw-" + "s" * 40, **extra})
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy"], capture_output=True, text=True,
                          env=env, cwd=ROOT, check=False)


@pytest.mark.production  # production settings in a subprocess: the production tier
def test_check_deploy_fails_with_an_error_when_the_sandbox_is_enabled():
    result = _check_deploy(PAYMENT_SANDBOX_ENABLED="true")
    output = result.stdout + result.stderr
    # Default fail level is ERROR: a non-zero exit here means an Error, not a Warning.
    assert result.returncode != 0 and "fee_center.E001" in output, output
    assert "ERRORS:" in output


@pytest.mark.production  # production settings in a subprocess: the production tier
def test_check_deploy_passes_the_sandbox_check_when_off():
    result = _check_deploy()
    assert "fee_center.E001" not in result.stdout + result.stderr
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------------------- sandbox switched off
def test_sandbox_page_is_404_when_off(settings, account, owner):
    client = login(owner)
    _recharge, url = recharge_start_online(account=account, amount="42.00", actor=owner)
    settings.FEE_CENTER = {**settings.FEE_CENTER, "PAYMENT_SANDBOX_ENABLED": False}
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "pay"}).status_code == 404
    assert cash(account) == 0 and not LedgerEntry.objects.exists()


def test_sandbox_callback_is_404_json_when_off(settings, account, owner, api_client):
    recharge, _url = recharge_start_online(account=account, amount="42.00", actor=owner)
    settings.FEE_CENTER = {**settings.FEE_CENTER, "PAYMENT_SANDBOX_ENABLED": False}
    payload = signed_payload(reference=recharge.gateway_reference, status="succeeded", amount="42.00")
    response = api_client.post(CALLBACK, payload, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_provider"
    recharge.refresh_from_db()
    assert recharge.status == RechargeStatus.PENDING and cash(account) == 0
    assert not GatewayCallback.objects.exists()  # an unknown provider stores nothing


def test_online_recharge_api_says_unavailable_when_off(sandbox_off, owner_api, account):
    url = f"/api/v1/accounts/{account.id}/recharges/"
    response = owner_api.post(url, {"method": "online", "amount": "100000000.00"}, format="json",
                              HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "online_payment_unavailable" and "not configured" in error["message"]
    assert "method" in error["fields"]
    assert not Recharge.objects.exists()
    # Offline remittance still works.
    response = owner_api.post(url, {"method": "offline", "amount": "50", "transfer_reference": "BOC-1"},
                              format="json")
    assert response.status_code == 201 and Recharge.objects.get().status == RechargeStatus.PENDING


def test_online_recharge_page_says_unavailable_when_off(sandbox_off, account, owner):
    client = login(owner)
    page = client.get(f"/a/{account.id}/wallet/recharge/").content.decode()
    assert 'id="recharge-online"' in page and "<fieldset disabled" in page
    assert "Online payment is not configured" in page or "在线支付" in page
    response = client.post(f"/a/{account.id}/wallet/recharge/",
                           {"method": "online", "amount": "100000000.00", "idempotency_key": "k1"})
    assert response.status_code == 409
    assert response.context["online_error"]
    assert 'role="alert"' in response.content.decode()
    assert not Recharge.objects.exists() and cash(account) == 0
    # Offline remittance still works on the page.
    response = client.post(f"/a/{account.id}/wallet/recharge/",
                           {"method": "offline", "amount": "10", "transfer_reference": "T-1", "idempotency_key": "k2"})
    assert response.status_code == 302 and Recharge.objects.get().method == "offline"


def test_online_recharge_works_when_on(account, owner):
    client = login(owner)
    page = client.get(f"/a/{account.id}/wallet/recharge/").content.decode()
    assert "<fieldset disabled" not in page
    response = client.post(f"/a/{account.id}/wallet/recharge/", {"method": "online", "amount": "5",
                                                                   "idempotency_key": "on-1"})
    assert response.status_code == 302 and "/sandbox-gateway/pay/" in response["Location"]


# ------------------------------------------------------------------------------------------ callback bounds
def test_stored_payload_is_bounded():
    small = {"reference": "R1", "status": "succeeded"}
    assert stored_callback_payload(small) == small
    big = {f"k{i}": "x" * 500 for i in range(50)}
    stored = stored_callback_payload(big)
    assert len(json.dumps(stored)) < STORED_PAYLOAD_BYTES + 200
    assert stored["_bytes"] > 25000 and len(stored["_sha256"]) == 64


def test_oversized_callback_body_is_413_json(api_client):
    body = json.dumps({"reference": "R" + "x" * 20000})
    response = api_client.generic("POST", CALLBACK, body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert not GatewayCallback.objects.exists()


def test_form_encoded_callbacks_are_answered_not_a_500(api_client):
    """The NUL guard reads form bodies first; the size check must not then read the raw body again (500)."""
    for content_type, body in [
        ("multipart/form-data; boundary=BoUnDaRy",
         '--BoUnDaRy\r\nContent-Disposition: form-data; name="reference"\r\n\r\nR1\r\n--BoUnDaRy--\r\n'),
        ("application/x-www-form-urlencoded", "reference=R1&status=succeeded"),
    ]:
        response = api_client.generic("POST", CALLBACK, body, content_type=content_type)
        assert response.status_code < 500, (content_type, response.content)


# The rejections are counted per calendar minute: the clock stands still so that 300 requests on a loaded machine
# never straddle two minutes (a new minute's bucket would answer 400 again).
@time_machine.travel(datetime(2026, 12, 1, 10, 0, 5, tzinfo=UTC), tick=False)
def test_forged_callbacks_are_bounded_and_throttled(settings, account, owner, api_client):
    """300 forged callbacks of ~12 KB: a bounded number of bounded rows, then 429; signed ones still pass."""
    limit = settings.FEE_CENTER["GATEWAY_CALLBACK_REJECTIONS_PER_MINUTE"]
    recharge, _url = recharge_start_online(account=account, amount="10.00", actor=owner)
    forged = {**signed_payload(reference=recharge.gateway_reference, status="succeeded", amount="10.00"),
              "signature": "0" * 64}
    forged.update({f"pad{i}": "z" * 480 for i in range(25)})  # ~12 KB, under the body cap
    statuses = []
    for _ in range(300):
        response = api_client.post(CALLBACK, forged, format="json")
        statuses.append(response.status_code)
    assert statuses[:limit] == [400] * limit
    assert set(statuses[limit:]) == {429}
    assert api_client.post(CALLBACK, forged, format="json").json()["error"]["code"] == "too_many_rejected_callbacks"
    assert GatewayCallback.objects.count() == limit
    total = sum(len(json.dumps(row.payload)) for row in GatewayCallback.objects.all())
    assert total <= limit * (STORED_PAYLOAD_BYTES + 200)
    # Rotating the client address does not reset the bucket.
    response = api_client.post(CALLBACK, forged, format="json", REMOTE_ADDR="203.0.113.9",
                               HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 429
    # The real gateway's signed callback (and its retries) still succeed after the limit is hit.
    good = signed_payload(reference=recharge.gateway_reference, status="succeeded", amount="10.00")
    response = api_client.post(CALLBACK, good, format="json")
    assert response.status_code == 200 and response.json()["outcome"] == "succeeded"
    for _ in range(limit + 5):
        retry = api_client.post(CALLBACK, good, format="json")
        assert retry.status_code == 200 and retry.json()["outcome"] == "duplicate"
    assert cash(account) == Decimal("10.00")
    assert Recharge.objects.get().status == RechargeStatus.SUCCEEDED
    assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == Decimal("10.00")


def test_signed_callbacks_are_never_counted(settings, account, owner, api_client):
    """Many signed callbacks (successes, retries, stale ones) leave the rejection bucket empty."""
    settings.FEE_CENTER = {**settings.FEE_CENTER, "GATEWAY_CALLBACK_REJECTIONS_PER_MINUTE": 3}
    recharge, _url = recharge_start_online(account=account, amount="7.00", actor=owner)
    ref = recharge.gateway_reference
    for _ in range(10):
        stale = signed_payload(reference=ref, status="succeeded", amount="7.00", timestamp=1)
        assert api_client.post(CALLBACK, stale, format="json").status_code == 400  # signed, stale: not counted
    for _ in range(10):
        response = api_client.post(CALLBACK, signed_payload(reference=ref, status="succeeded", amount="7.00"),
                                   format="json")
        assert response.status_code == 200
    # The bucket is still empty: the first three forged callbacks are answered 400, the fourth 429.
    forged = {**signed_payload(reference=ref, status="succeeded", amount="7.00"), "signature": "f" * 64}
    assert [api_client.post(CALLBACK, forged, format="json").status_code for _ in range(4)] == [400, 400, 400, 429]


# ---------------------------------------------------------------------------------------- code activation
def _codes(owner, n=2):
    batch = voucher_batch_generate(name="b", face_value="80", quantity=n,
                                   valid_until=timezone.now() + timedelta(days=3), actor=owner)
    return list(batch.vouchers.values_list("code", flat=True))


def test_page_activation_is_throttled_like_the_api(settings, account, owner):
    settings.FEE_CENTER = {**settings.FEE_CENTER, "VOUCHER_ACTIVATE_RATE": "5/min"}
    (code,) = _codes(owner, 1)
    client = login(owner)
    url = f"/a/{account.id}/wallet/vouchers/"
    statuses = [client.post(url, {"code": f"WRONG{i}", "idempotency_key": f"w{i}"}).status_code for i in range(5)]
    assert statuses == [302] * 5
    response = client.post(url, {"code": code, "idempotency_key": "right"})
    assert response.status_code == 429
    assert "激活尝试次数过多" in response.context["code_error"]  # the page's language (Simplified Chinese here)
    assert 'id="code-error"' in response.content.decode()
    assert Voucher.objects.get(code=code).account_id is None  # nothing activated
    # The page and the API share the bucket of this user and account.

    api = APIClient()
    api.force_authenticate(owner)
    assert api.post(f"/api/v1/accounts/{account.id}/vouchers/activate/", {"code": code},
                    format="json").status_code == 429


def test_api_activation_limit_is_per_user_and_account(settings, account, owner, other_account):

    settings.FEE_CENTER = {**settings.FEE_CENTER, "VOUCHER_ACTIVATE_RATE": "3/min"}
    MembershipFactory(account=other_account, user=owner, role=Role.OWNER)
    api = APIClient()
    api.force_authenticate(owner)
    url = f"/api/v1/accounts/{account.id}/vouchers/activate/"
    statuses = [api.post(url, {"code": f"WRONG{i}"}, format="json").status_code for i in range(4)]
    assert statuses == [404, 404, 404, 429]
    assert api.post(url, {"code": "X"}, format="json").json()["error"]["code"]
    # Another account of the same user has its own bucket.
    other = f"/api/v1/accounts/{other_account.id}/vouchers/activate/"
    assert api.post(other, {"code": "WRONG"}, format="json").status_code == 404
    # And the page refuses this account too: one limit.
    response = login(owner).post(f"/a/{account.id}/wallet/vouchers/", {"code": "WRONG", "idempotency_key": "p"})
    assert response.status_code == 429
