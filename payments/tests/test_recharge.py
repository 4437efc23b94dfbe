"""Recharges: the gateway interface, the sandbox's signed callback, offline remittances."""

import time
from decimal import Decimal

import pytest
from django.test import Client

from core.exceptions import ApplicationError
from payments.gateways import get_gateway
from payments.gateways.sandbox import signed_payload
from payments.models import GatewayCallback, LedgerEntry, LedgerReason, RechargeStatus, Wallet
from payments.recharges import (
    gateway_callback_handle,
    recharge_confirm,
    recharge_reject,
    recharge_start_online,
    recharge_submit_offline,
)
from payments.settlement import SettlementDemand, settle_demands

pytestmark = pytest.mark.django_db
D = Decimal
CALLBACK = "/api/v1/payments/gateway/sandbox/callback/"


def cash(account):
    return Wallet.objects.get(account=account).cash_balance


def test_gateway_registry():
    assert get_gateway("sandbox").name == "sandbox"
    assert get_gateway("nope") is None


def test_online_recharge_through_signed_callback(account, owner, api_client, ledger_clean):
    recharge, url = recharge_start_online(account=account, amount="250.00", actor=owner)
    assert url == f"/sandbox-gateway/pay/{recharge.gateway_reference}/"
    payload = signed_payload(reference=recharge.gateway_reference, status="succeeded", amount="250.00")
    response = api_client.post(CALLBACK, payload, format="json")
    assert response.status_code == 200 and response.json()["outcome"] == "succeeded"
    recharge.refresh_from_db()
    assert recharge.status == RechargeStatus.SUCCEEDED and recharge.completed_at
    assert cash(account) == D("250")
    # replay of the same signed callback: nothing more
    response = api_client.post(CALLBACK, payload, format="json")
    assert response.status_code == 200 and response.json()["outcome"] == "duplicate"
    assert cash(account) == D("250")
    assert LedgerEntry.objects.filter(reason=LedgerReason.RECHARGE).count() == 1


def _tampered(payload, **changes):
    return {**payload, **changes}


@pytest.mark.parametrize("case", ["bad_signature", "amount_tampered", "stale", "unknown_reference", "missing",
                                  "wrong_amount_signed"])
def test_bad_callbacks_change_nothing(account, owner, api_client, case):
    recharge, _url = recharge_start_online(account=account, amount="100.00", actor=owner)
    ref = recharge.gateway_reference
    good = signed_payload(reference=ref, status="succeeded", amount="100.00")
    payload = {
        "bad_signature": _tampered(good, signature="0" * 64),
        "amount_tampered": _tampered(good, amount="1000.00"),
        "stale": signed_payload(reference=ref, status="succeeded", amount="100.00", timestamp=int(time.time()) - 3600),
        "unknown_reference": signed_payload(reference="Rnope", status="succeeded", amount="100.00"),
        "missing": {"reference": ref},
        "wrong_amount_signed": signed_payload(reference=ref, status="succeeded", amount="99.00"),
    }[case]
    response = api_client.post(CALLBACK, payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"]
    recharge.refresh_from_db()
    assert recharge.status == RechargeStatus.PENDING
    assert cash(account) == 0 and not LedgerEntry.objects.exists()
    assert GatewayCallback.objects.count() == 1


def test_callback_is_csrf_exempt_and_needs_no_login(account, owner, client):
    csrf_client = Client(enforce_csrf_checks=True)
    recharge, _url = recharge_start_online(account=account, amount="10.00", actor=owner)
    payload = signed_payload(reference=recharge.gateway_reference, status="succeeded", amount="10.00")
    response = csrf_client.post(CALLBACK, payload, content_type="application/json")
    assert response.status_code == 200
    assert client.post("/api/v1/payments/gateway/unknown/callback/", {}, content_type="application/json"
                       ).status_code == 404


def test_failed_payment_then_late_success_is_credited_once(account, owner):
    """The bank may report a failure and later take the money on a retry: the success is credited, once."""
    recharge, _url = recharge_start_online(account=account, amount="10.00", actor=owner)
    ref = recharge.gateway_reference
    assert gateway_callback_handle(provider="sandbox", data=signed_payload(
        reference=ref, status="failed", amount="10.00")).outcome == "failed"
    result = gateway_callback_handle(provider="sandbox", data=signed_payload(
        reference=ref, status="succeeded", amount="10.00"))
    assert result.status_code == 200 and result.outcome == "succeeded"
    assert cash(account) == Decimal("10.00")
    again = gateway_callback_handle(provider="sandbox", data=signed_payload(
        reference=ref, status="succeeded", amount="10.00"))
    assert again.outcome == "duplicate" and cash(account) == Decimal("10.00")
    late_failure = gateway_callback_handle(provider="sandbox", data=signed_payload(
        reference=ref, status="failed", amount="10.00"))
    assert late_failure.outcome == "conflicting" and cash(account) == Decimal("10.00")


def test_recharge_repays_arrears_first(account, owner, ledger_clean):
    settle_demands(demands=[SettlementDemand(account.pk, D("30"), D("0"), "bill", 1)])
    recharge, _url = recharge_start_online(account=account, amount="100.00", actor=owner)
    gateway_callback_handle(provider="sandbox", data=signed_payload(
        reference=recharge.gateway_reference, status="succeeded", amount="100.00"))
    wallet = Wallet.objects.get(account=account)
    assert wallet.arrears == 0 and wallet.cash_balance == D("70")


def test_offline_remittance_confirm_once_and_reject(account, owner, ledger_clean):
    remittance = recharge_submit_offline(account=account, amount="500", transfer_reference="ICBC-123", actor=owner)
    assert remittance.status == RechargeStatus.PENDING and cash(account) == 0
    recharge_confirm(recharge=remittance, actor=owner)
    assert cash(account) == D("500")
    with pytest.raises(ApplicationError) as exc:
        recharge_confirm(recharge=remittance, actor=owner)
    assert exc.value.code == "already_decided"
    assert cash(account) == D("500")
    other = recharge_submit_offline(account=account, amount="20", transfer_reference="X", actor=owner)
    with pytest.raises(ApplicationError):
        recharge_reject(recharge=other, actor=owner, note="")
    recharge_reject(recharge=other, actor=owner, note="not received")
    with pytest.raises(ApplicationError):
        recharge_confirm(recharge=other, actor=owner)
    assert cash(account) == D("500")


@pytest.mark.parametrize("amount", ["0", "-5", "1.234", "x", None])
def test_recharge_bad_amounts(account, owner, amount):
    with pytest.raises(ApplicationError):
        recharge_start_online(account=account, amount=amount, actor=owner)
    with pytest.raises(ApplicationError):
        recharge_submit_offline(account=account, amount=amount, transfer_reference="x", actor=owner)
    with pytest.raises(ApplicationError):
        recharge_submit_offline(account=account, amount="1", transfer_reference=" ", actor=owner)


def test_sandbox_page_pay_and_fail(account, owner, owner_client, other_owner, ledger_clean):
    client = Client()
    _recharge, url = recharge_start_online(account=account, amount="42.00", actor=owner)
    page = owner_client.get(url)
    assert page.status_code == 200 and b"42.00" in page.content
    response = owner_client.post(url, {"action": "pay"})
    assert response.status_code == 302 and response["Location"] == f"/a/{account.pk}/wallet/recharge/"
    assert cash(account) == D("42")
    # a stranger cannot see or use another account's payment page
    client.force_login(other_owner)
    failed, url2 = recharge_start_online(account=account, amount="5.00", actor=owner)
    assert client.get(url2).status_code == 404
    assert client.post(url2, {"action": "pay"}).status_code == 404
    owner_client.post(url2, {"action": "fail"})
    failed.refresh_from_db()
    assert failed.status == RechargeStatus.FAILED and cash(account) == D("42")


def test_garbage_callback_is_logged_not_500(api_client):
    raw = '{"\\u0000x": "\\ud8a9", "reference": "a\\u0000b", "nested": {"k": [1, null]}}'
    response = api_client.generic("POST", "/api/v1/payments/gateway/sandbox/callback/", raw,
                                  content_type="application/json")
    assert response.status_code == 400
    assert GatewayCallback.objects.get().outcome == "malformed"
