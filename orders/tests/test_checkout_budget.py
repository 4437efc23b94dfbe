"""Query budget of a checkout through the API (issue 15, BENCHMARKS.md "Where the time goes"): POST .../orders/
then POST .../orders/{id}/pay/, authenticated with a DRF token as the API's clients (and benchmarks/load.py) are.

The budget is per request and does not grow with the workspaces or traffic packages of the order (no N+1), and
the answers, serialised from the rows the services wrote, equal what GET .../orders/{id}/ reads back."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.models import FinanceSettings
from orders.models import Order, OrderStatus
from orders.tests.factories import fund_cash, give_card, give_voucher
from payments.models import LedgerEntry, PaymentTender, Wallet
from tests.factories import WorkspaceFactory, api_token_key

pytestmark = pytest.mark.django_db

# Statements a request may send, BEGIN/COMMIT (SAVEPOINT/RELEASE inside the test's transaction) included.
CREATE_BUDGET = 14  # token, membership, plan, workspaces, arrears, the plan's versions (its price: no capacities),
#                     covered, order id, settings,
#                     order, lines, order workspaces, transaction x2; no read-back of the order
PAY_CASH_BUDGET = 27  # token, membership, idempotency key (claim + answer: one INSERT ... ON CONFLICT, no
#                       savepoint), order, wallet lock, order lock, spend, arrears, lines, workspaces, covered,
#                       package, period, package workspaces (3), payment (the wallet already locked: no second
#                       lock, no savepoint), wallet update, tender, ledger, order update, stale orders cancelled,
#                       transactions (4)
PAY_MIXED_EXTRA = 4  # a card and a voucher: their locks and their balance updates
# Traffic packages cost the same few statements whatever their number: create reads the traffic packages,
# their versions and tiers (3); pay writes the package's traffic rows (1).
CREATE_TRAFFIC_EXTRA, PAY_TRAFFIC_EXTRA = 3, 1


def _token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(user)}")
    client.get("/api/v1/auth/tokens/")  # a token's first use notes last_used_at (then at most once a minute)
    return client


def _checkout(api, account, workspaces, traffic, tenders_for):
    url = f"/api/v1/accounts/{account.id}/orders/"
    with CaptureQueriesContext(connection) as create:
        response = api.post(url, {"kind": "purchase", "plan": "startup", "workspaces": [w.id for w in workspaces],
                                  "traffic": traffic}, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    with CaptureQueriesContext(connection) as pay:
        response = api.post(f"{url}{created['id']}/pay/", {"tenders": tenders_for(created["total"])}, format="json",
                            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
    assert response.status_code == 200, response.json()
    return created, response.json(), len(create.captured_queries), len(pay.captured_queries)


@pytest.fixture
def settings_row(db):
    FinanceSettings.load()  # exists in every real database (created once); not part of a checkout


@pytest.mark.parametrize(("n_workspaces", "traffic"), [
    (1, []),
    (4, [{"traffic_package": "log", "capacity": 2_000_000}, {"traffic_package": "datakit", "capacity": 20}]),
])
def test_cash_checkout_stays_within_its_query_budget(owner, account, settings_row, n_workspaces, traffic):
    fund_cash(account, "200000.00")
    workspaces = [WorkspaceFactory(account=account) for _ in range(n_workspaces)]
    api = _token_client(owner)
    created, paid, n_create, n_pay = _checkout(
        api, account, workspaces, traffic, lambda total: [{"kind": "cash", "amount": total}]
    )
    assert n_create <= CREATE_BUDGET + (CREATE_TRAFFIC_EXTRA if traffic else 0), n_create
    assert n_pay <= PAY_CASH_BUDGET + (PAY_TRAFFIC_EXTRA if traffic else 0), n_pay
    # the answers were serialised from what was written: they equal a fresh read of the order
    detail = api.get(f"/api/v1/accounts/{account.id}/orders/{created['id']}/").json()
    assert paid == detail
    assert {k: v for k, v in created.items() if k not in ("status", "package", "payment", "paid_at")} == {
        k: v for k, v in detail.items() if k not in ("status", "package", "payment", "paid_at")
    }
    assert [w["id"] for w in created["workspaces"]] == [w.id for w in workspaces]
    assert len(created["lines"]) == 1 + len(traffic)
    # every guarantee kept: paid once, one tender, one ledger entry, the wallet debited by exactly the total
    order = Order.objects.get(pk=created["id"])
    assert order.status == OrderStatus.PAID and order.package is not None
    assert PaymentTender.objects.filter(payment=order.payment).count() == 1
    entry = LedgerEntry.objects.get(payment=order.payment)
    wallet = Wallet.objects.get(account=account)
    assert entry.amount == -Decimal(created["total"]) and entry.balance_after == wallet.cash_balance
    assert wallet.cash_balance == Decimal("200000.00") - Decimal(created["total"])


def test_mixed_tender_checkout_stays_within_its_query_budget(owner, account, settings_row, ws_a):
    fund_cash(account, "50000.00")
    card = give_card(account, "1000.00")
    voucher = give_voucher(account, "500.00")
    api = _token_client(owner)

    def tenders(total):
        rest = Decimal(total) - Decimal("1500.00")
        return [{"kind": "voucher", "id": voucher.id, "amount": "500.00"},
                {"kind": "card", "id": card.id, "amount": "1000.00"}, {"kind": "cash", "amount": f"{rest:.2f}"}]

    created, paid, n_create, n_pay = _checkout(api, account, [ws_a], [], tenders)
    assert n_create <= CREATE_BUDGET, n_create
    assert n_pay <= PAY_CASH_BUDGET + PAY_MIXED_EXTRA, n_pay
    assert paid["status"] == "paid"
    order = Order.objects.get(pk=created["id"])
    assert LedgerEntry.objects.filter(payment=order.payment).count() == 3


def test_a_replayed_pay_answers_the_stored_body_without_paying_again(owner, account, settings_row, ws_a):
    fund_cash(account, "50000.00")
    api = _token_client(owner)
    url = f"/api/v1/accounts/{account.id}/orders/"
    created = api.post(url, {"kind": "purchase", "plan": "startup", "workspaces": [ws_a.id]}, format="json").json()
    body = {"tenders": [{"kind": "cash", "amount": created["total"]}]}
    first = api.post(f"{url}{created['id']}/pay/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post(f"{url}{created['id']}/pay/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert LedgerEntry.objects.filter(account=account, payment__isnull=False).count() == 1
