"""Checkout in one call: POST .../orders/ with `tenders` creates the order and pays it in one transaction
(docs/INTERFACES.md). Either it is paid, its package created and the wallet debited through the ledger, or
nothing at all is written; a replay with the same Idempotency-Key answers the stored body."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.models import FinanceSettings
from orders.models import Order, OrderStatus, Package, PackageTraffic, PackageWorkspace
from orders.tests.factories import fund_cash, give_card, give_voucher, paid_package
from payments.models import LedgerEntry, Payment, Wallet
from tests.concurrency import run_together
from tests.factories import AccountFactory, MembershipFactory, WorkspaceFactory, api_token_key
from workspaces.models import Role

# Statements of the whole call, transaction and savepoints included: token, membership, idempotency key (claim
# and answer), plan, workspaces, wallet lock, spend, arrears, plan versions, covered, order id, settings, order,
# lines, order workspaces, package, period, package workspaces (with its savepoint), payment, wallet update,
# tender, ledger, order update, stale orders cancelled, and the transaction's own statements. A create and a pay
# take 14 + 27.
ONE_CALL_BUDGET = 31
TRAFFIC_EXTRA = 4  # the traffic packages, their versions and tiers (3); the package's traffic rows (1)
MIXED_EXTRA = 4  # a card and a voucher: their locks and their balance updates


def _api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(user)}")
    return client


def _body(workspaces, tenders, **extra):
    return {"kind": "purchase", "plan": "startup", "workspaces": [w.id for w in workspaces], "tenders": tenders,
            **extra}


def _cash(amount="42000.00"):
    return [{"kind": "cash", "amount": amount}]


@pytest.mark.django_db
class TestOneCallCheckout:
    @pytest.fixture(autouse=True)
    def _settings_row(self, db):
        FinanceSettings.load()

    @pytest.mark.parametrize(("n_workspaces", "traffic"), [(1, []), (4, [
        {"traffic_package": "log", "capacity": 2_000_000}, {"traffic_package": "datakit", "capacity": 20}])])
    def test_created_paid_and_debited_within_one_budget(self, owner, account, n_workspaces, traffic):
        fund_cash(account, "200000.00")
        workspaces = [WorkspaceFactory(account=account) for _ in range(n_workspaces)]
        api = _api(owner)
        url = f"/api/v1/accounts/{account.id}/orders/"
        total = api.post(url, {"kind": "purchase", "plan": "startup", "workspaces": [w.id for w in workspaces],
                               "traffic": traffic}, format="json").json()["total"]
        Order.objects.all().delete()  # that one only priced the order: the checkout below is a new one
        with CaptureQueriesContext(connection) as queries:
            response = api.post(url, _body(workspaces, _cash(total), traffic=traffic), format="json",
                                HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
        assert response.status_code == 201, response.json()
        assert len(queries.captured_queries) <= ONE_CALL_BUDGET + (TRAFFIC_EXTRA if traffic else 0), \
            len(queries.captured_queries)
        paid = response.json()
        assert paid["status"] == "paid" and paid["package"] and paid["payment"]
        assert paid == api.get(f"{url}{paid['id']}/").json()  # the answer is what a fresh read says
        order = Order.objects.get(pk=paid["id"])
        assert order.number == f"FC{order.catalogue_day:%Y%m%d}-{order.pk:06d}"
        assert list(PackageWorkspace.objects.filter(package=order.package).order_by("position")
                    .values_list("workspace_id", flat=True)) == [w.id for w in workspaces]
        assert PackageTraffic.objects.filter(package=order.package).count() == len(traffic)
        entry = LedgerEntry.objects.get(payment=order.payment)
        wallet = Wallet.objects.get(account=account)
        assert entry.amount == -Decimal(total) and entry.balance_after == wallet.cash_balance
        assert wallet.cash_balance == Decimal("200000.00") - Decimal(total)

    def test_mixed_tenders(self, owner, account, ws_a):
        fund_cash(account, "50000.00")
        card, voucher = give_card(account, "1000.00"), give_voucher(account, "500.00")
        tenders = [{"kind": "voucher", "id": voucher.id, "amount": "500.00"},
                   {"kind": "card", "id": card.id, "amount": "1000.00"}, {"kind": "cash", "amount": "40500.00"}]
        api = _api(owner)
        api.get(f"/api/v1/accounts/{account.id}/wallet/")  # a token's first use notes its last use: not measured
        with CaptureQueriesContext(connection) as queries:
            response = api.post(f"/api/v1/accounts/{account.id}/orders/", _body([ws_a], tenders), format="json")
        assert response.status_code == 201, response.json()
        assert len(queries.captured_queries) <= ONE_CALL_BUDGET + MIXED_EXTRA
        assert LedgerEntry.objects.filter(payment_id=response.json()["payment"]).count() == 3

    @pytest.mark.parametrize(("tenders", "code"), [
        (_cash("41999.99"), "insufficient_tenders"),
        (_cash("42000.01"), "tenders_exceed_total"),
        (_cash("90000.00"), "tenders_exceed_total"),
        ([{"kind": "cash", "amount": "abc"}], "invalid"),
        ([{"kind": "card", "id": 999999, "amount": "42000.00"}], "unknown_tender"),
        ([], "invalid"),
    ])
    def test_bad_tenders_write_nothing(self, owner, account, ws_a, tenders, code):
        fund_cash(account, "50000.00")
        ledger_before = LedgerEntry.objects.count()
        response = _api(owner).post(f"/api/v1/accounts/{account.id}/orders/", _body([ws_a], tenders),
                                    format="json")
        assert 400 <= response.status_code < 500, response.status_code
        error = response.json()["error"]
        assert error["code"] == code, error
        assert not Order.objects.exists() and not Package.objects.exists() and not Payment.objects.exists()
        assert Wallet.objects.get(account=account).cash_balance == Decimal("50000.00")
        assert LedgerEntry.objects.count() == ledger_before

    def test_short_of_cash_writes_nothing(self, owner, account, ws_a):
        fund_cash(account, "100.00")
        response = _api(owner).post(f"/api/v1/accounts/{account.id}/orders/", _body([ws_a], _cash()),
                                    format="json")
        assert response.status_code == 422 and response.json()["error"]["code"] == "insufficient_balance"
        assert not Order.objects.exists() and not Package.objects.exists()

    def test_a_covered_workspace_is_refused_and_nothing_charged(self, owner, account, ws_a):
        fund_cash(account, "100000.00")
        api = _api(owner)
        assert api.post(f"/api/v1/accounts/{account.id}/orders/", _body([ws_a], _cash()),
                        format="json").status_code == 201
        again = api.post(f"/api/v1/accounts/{account.id}/orders/", _body([ws_a], _cash()), format="json")
        assert again.status_code in (409, 422) and again.json()["error"]["code"] == "workspace_already_covered"
        assert Order.objects.count() == 1
        assert Wallet.objects.get(account=account).cash_balance == Decimal("58000.00")

    def test_replay_with_one_key_pays_once_and_another_body_is_refused(self, owner, account, ws_a):
        fund_cash(account, "100000.00")
        api = _api(owner)
        url = f"/api/v1/accounts/{account.id}/orders/"
        first = api.post(url, _body([ws_a], _cash()), format="json", HTTP_IDEMPOTENCY_KEY="one-call")
        again = api.post(url, _body([ws_a], _cash()), format="json", HTTP_IDEMPOTENCY_KEY="one-call")
        assert first.status_code == again.status_code == 201 and first.json() == again.json()
        other = api.post(url, _body([ws_a], _cash("1.00")), format="json", HTTP_IDEMPOTENCY_KEY="one-call")
        assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
        assert Order.objects.count() == Payment.objects.count() == 1

    def test_a_member_who_may_not_spend_is_refused(self, account, ws_a):
        viewer = MembershipFactory(account=account, role=Role.MEMBER).user
        fund_cash(account, "100000.00")
        response = _api(viewer).post(f"/api/v1/accounts/{account.id}/orders/", _body([ws_a], _cash()),
                                     format="json")
        assert response.status_code == 403
        assert not Order.objects.exists()

    def test_another_kind_is_created_and_paid_in_one_call(self, owner, account, ws_a):
        fund_cash(account, "100000.00")
        package = paid_package(account, owner, workspaces=[ws_a])
        api = _api(owner)
        response = api.post(
            f"/api/v1/accounts/{account.id}/orders/",
            {"kind": "traffic", "package": package.id, "traffic": [{"traffic_package": "log", "capacity": 1_000_000}],
             "tenders": _cash("1.00")}, format="json")
        # the exact total is not known in advance: a wrong one refuses the whole call, and nothing is created
        assert response.status_code == 422 and response.json()["error"]["code"] in (
            "insufficient_tenders", "tenders_exceed_total")
        assert Order.objects.filter(kind="traffic").count() == 0
        priced = api.post(
            f"/api/v1/accounts/{account.id}/orders/",
            {"kind": "traffic", "package": package.id, "traffic": [{"traffic_package": "log", "capacity": 1_000_000}]},
            format="json").json()
        response = api.post(
            f"/api/v1/accounts/{account.id}/orders/",
            {"kind": "traffic", "package": package.id, "traffic": [{"traffic_package": "log", "capacity": 1_000_000}],
             "tenders": _cash(priced["total"])}, format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["status"] == "paid"
        assert PackageTraffic.objects.filter(package=package).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_data")
def test_concurrent_one_call_checkouts_of_one_workspace_pay_once():
    account = AccountFactory()
    owner = MembershipFactory(account=account, role=Role.OWNER).user
    workspace = WorkspaceFactory(account=account)
    fund_cash(account, "200000.00")
    FinanceSettings.load()

    def checkout():
        client = APIClient()
        client.force_authenticate(owner)
        return client.post(f"/api/v1/accounts/{account.id}/orders/", _body([workspace], _cash()), format="json",
                           HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)

    responses = run_together([checkout] * 4)
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 1, [r.json() for r in responses]
    assert all(r.json()["error"]["code"] == "workspace_already_covered" for r in responses if r.status_code != 201)
    assert Order.objects.count() == Payment.objects.count() == Package.objects.count() == 1
    assert Order.objects.get().status == OrderStatus.PAID
    wallet = Wallet.objects.get(account=account)
    assert wallet.cash_balance == Decimal("158000.00")
    assert LedgerEntry.objects.filter(account=account).order_by("pk").last().balance_after == wallet.cash_balance
