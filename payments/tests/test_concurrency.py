"""Real parallel transactions on PostgreSQL: each thread has its own connection."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from core.exceptions import ApplicationError
from payments.gateways.sandbox import signed_payload
from payments.models import LedgerEntry, LedgerReason, Payment, PrepaidCard, Wallet
from payments.recharges import gateway_callback_handle, recharge_start_online
from payments.reconcile import check_balances
from payments.settlement import SettlementDemand, settle_demands
from payments.tenders import TenderSpec, payment_pay
from payments.tests.factories import fund_cash, give_card, give_voucher
from tests.concurrency import run_parallel
from tests.factories import AccountFactory, MembershipFactory
from workspaces.models import Role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded_data")]
D = Decimal


def test_twenty_payments_on_a_card_that_covers_ten():
    account = AccountFactory()
    card = give_card(account, "100")

    def pay(i):
        return payment_pay(account=account, amount=D("10"), tenders=[TenderSpec("card", D("10"), card.pk)],
                           purpose="order", source_type="order", source_id=i + 1, actor=None)

    results = run_parallel(20, pay)
    succeeded = [r for r in results if isinstance(r, Payment)]
    failed = [r for r in results if isinstance(r, ApplicationError)]
    assert len(succeeded) == 10 and len(failed) == 10, results
    assert all(error.code == "insufficient_balance" for error in failed)
    card.refresh_from_db()
    assert card.balance == 0 and card.status == "exhausted"
    assert LedgerEntry.objects.filter(card=card, reason=LedgerReason.ORDER_PAYMENT).count() == 10
    assert check_balances() == []


def test_same_idempotency_key_concurrently_one_effect_identical_answers():
    account = AccountFactory()
    owner = MembershipFactory(account=account, role=Role.OWNER).user
    fund_cash(account, "1000")

    def buy(_i):
        client = APIClient()
        client.force_authenticate(owner)
        response = client.post(f"/api/v1/accounts/{account.pk}/prepaid-cards/", {"face_value": "100"},
                               format="json", HTTP_IDEMPOTENCY_KEY="same-key")
        return response.status_code, response.json()

    results = run_parallel(8, buy)
    assert all(not isinstance(r, Exception) for r in results), results
    assert {status for status, _body in results} == {201}
    assert all(body == results[0][1] for _status, body in results)
    assert PrepaidCard.objects.count() == 1
    assert Wallet.objects.get(account=account).cash_balance == D("900")
    assert check_balances() == []


def test_concurrent_callback_replays_credit_once():
    account = AccountFactory()
    owner = MembershipFactory(account=account, role=Role.OWNER).user
    recharge, _url = recharge_start_online(account=account, amount="77.00", actor=owner)
    payload = signed_payload(reference=recharge.gateway_reference, status="succeeded", amount="77.00")

    def callback(_i):
        client = APIClient()
        return client.post("/api/v1/payments/gateway/sandbox/callback/", payload, format="json").status_code

    results = run_parallel(10, callback)
    assert results == [200] * 10
    assert Wallet.objects.get(account=account).cash_balance == D("77")
    assert LedgerEntry.objects.filter(reason=LedgerReason.RECHARGE).count() == 1
    assert check_balances() == []


def test_settlement_and_payments_race_without_deadlock():
    accounts = [AccountFactory() for _ in range(4)]
    cards = {}
    for account in accounts:
        fund_cash(account, "100")
        cards[account.pk] = give_card(account, "100")
        give_voucher(account, "50")

    def work(i):
        if i % 2 == 0:
            demands = [SettlementDemand(a.pk, D("30"), D("20"), "bill", 1000 * i + a.pk) for a in reversed(accounts)]
            return settle_demands(demands=demands)
        account = accounts[i % 4]
        return payment_pay(account=account, amount=D("15"), tenders=[
            TenderSpec("cash", D("5")), TenderSpec("card", D("10"), cards[account.pk].pk)],
            purpose="order", source_type="order", source_id=i, actor=None)

    results = run_parallel(8, work)
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, ApplicationError)], results
    assert check_balances() == []


def test_gateway_callback_service_replay_in_threads_direct():
    account = AccountFactory()
    owner = MembershipFactory(account=account, role=Role.OWNER).user
    recharge, _url = recharge_start_online(account=account, amount="5.00", actor=owner)
    payloads = [signed_payload(reference=recharge.gateway_reference, status="succeeded", amount="5.00")
                for _ in range(6)]  # distinct nonces: duplicates, not replays
    outcomes = run_parallel(6, lambda i: gateway_callback_handle(provider="sandbox", data=payloads[i]).outcome)
    assert sorted(outcomes) == ["duplicate"] * 5 + ["succeeded"]
    assert Wallet.objects.get(account=account).cash_balance == D("5")
