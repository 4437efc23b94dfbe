"""Real concurrency on PostgreSQL: threads with their own connections."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from orders.models import Order, OrderStatus, PackageWorkspace
from orders.tests.factories import fund_cash, purchase_order
from payments.models import Payment, Wallet
from tests.concurrency import run_together
from tests.factories import AccountFactory, MembershipFactory, WorkspaceFactory
from workspaces.models import Role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded_data")]


def _setup():
    account = AccountFactory()
    owner = MembershipFactory(account=account, role=Role.OWNER).user
    return account, owner


def _pay(owner, account, order_id, key):
    client = APIClient()
    client.force_authenticate(owner)
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/v1/accounts/{account.id}/orders/{order_id}/pay/",
                       {"tenders": [{"kind": "cash", "amount": "42000.00"}]}, format="json", **headers)


def test_double_submitted_payment_with_one_key_pays_once():
    account, owner = _setup()
    order = purchase_order(account, owner, workspaces=[WorkspaceFactory(account=account)])
    fund_cash(account, "84000.00")
    responses = run_together([lambda: _pay(owner, account, order.pk, "same-key")] * 3)
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert all(r.json() == responses[0].json() for r in responses)
    assert Payment.objects.filter(purpose="order").count() == 1
    assert Wallet.objects.get(account=account).cash_balance == Decimal("42000.00")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_double_submitted_payment_without_key_pays_once_and_answers_409():
    account, owner = _setup()
    order = purchase_order(account, owner, workspaces=[WorkspaceFactory(account=account)])
    fund_cash(account, "84000.00")
    responses = run_together([lambda: _pay(owner, account, order.pk, None)] * 2)
    assert sorted(r.status_code for r in responses) == [200, 409]
    assert Payment.objects.filter(purpose="order").count() == 1


def test_two_orders_racing_for_one_workspace_one_wins():
    account, owner = _setup()
    workspace = WorkspaceFactory(account=account)
    first = purchase_order(account, owner, workspaces=[workspace])
    second = purchase_order(account, owner, workspaces=[workspace])
    fund_cash(account, "84000.00")
    responses = run_together([lambda: _pay(owner, account, first.pk, "k1"),
                               lambda: _pay(owner, account, second.pk, "k2")])
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409]
    loser = next(r for r in responses if r.status_code == 409)
    # the winner's payment cancelled the other order (superseded) before the loser got the wallet lock
    assert loser.json()["error"]["code"] == "order_cancelled"
    assert PackageWorkspace.objects.filter(workspace=workspace).count() == 1
    assert Payment.objects.filter(purpose="order").count() == 1
    assert Wallet.objects.get(account=account).cash_balance == Decimal("42000.00")
