"""One endpoint per kind of order (POST .../orders/purchase/, upgrade/, traffic/, renewal/), all going through the
table `orders.api.ORDER_OPERATIONS` that POST .../orders/ with `kind` uses too (docs/INTERFACES.md)."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from core.models import FinanceSettings
from orders.api import ORDER_OPERATIONS
from orders.models import Order, OrderKind, OrderStatus, Package
from orders.serializers import (
    PurchaseCreateSerializer,
    RenewalOrderCreateSerializer,
    TrafficCreateSerializer,
    UpgradeCreateSerializer,
)
from orders.tests.factories import fund_cash, paid_package
from orders.tests.test_checkout_one_call import ONE_CALL_BUDGET
from tests.factories import api_token_key

pytestmark = pytest.mark.django_db


def _url(account, kind: str = "") -> str:
    return f"/api/v1/accounts/{account.id}/orders/" + (f"{kind}/" if kind else "")


def test_each_kind_has_its_endpoint_and_the_kind_endpoint_answers_the_same(owner_api, owner, account, ws_a, ws_b):
    own = owner_api.post(_url(account, "purchase"), {"plan": "startup", "workspaces": [ws_a.id]}, format="json")
    legacy = owner_api.post(_url(account), {"kind": "purchase", "plan": "startup", "workspaces": [ws_b.id]},
                            format="json")
    assert own.status_code == legacy.status_code == 201, (own.json(), legacy.json())
    assert own.json()["kind"] == legacy.json()["kind"] == "purchase"
    assert own.json()["total"] == legacy.json()["total"] == "42000.00"

    package = paid_package(account, owner, workspaces=[ws_a])
    upgrade = owner_api.post(_url(account, "upgrade"), {"package": package.id, "plan": "growth"}, format="json")
    assert upgrade.status_code == 201 and upgrade.json()["kind"] == "upgrade"
    traffic = owner_api.post(_url(account, "traffic"),
                             {"traffic": [{"traffic_package": "log", "capacity": 1_000_000}]}, format="json")
    assert traffic.status_code == 201 and traffic.json()["package"] == package.id  # the live package ending last
    renewal = owner_api.post(_url(account, "renewal"), {"package": package.id}, format="json")
    body = renewal.json()
    assert renewal.status_code == 201 and body["kind"] == "renewal" and body["renewal_of"] == package.id
    assert [w["id"] for w in body["workspaces"]] == [ws_a.id]  # default: the package's current order


def _token_api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(user)}")
    return client


def test_one_call_checkout_on_a_kind_endpoint_with_an_idempotency_key(owner, account, ws_a, ws_b):
    FinanceSettings.load()
    fund_cash(account, "84000.00")
    api = _token_api(owner)
    key = str(uuid.uuid4())
    body = {"plan": "startup", "workspaces": [ws_a.id], "tenders": [{"kind": "cash", "amount": "42000.00"}]}
    with CaptureQueriesContext(connection) as own:
        first = api.post(_url(account, "purchase"), body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = api.post(_url(account, "purchase"), body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert first.json()["status"] == OrderStatus.PAID
    assert Package.objects.filter(account=account).count() == 1
    with CaptureQueriesContext(connection) as legacy:
        api.post(_url(account), {**body, "kind": "purchase", "workspaces": [ws_b.id]}, format="json",
                 HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    # the budget of orders/tests/test_checkout_one_call.py, the same through either path
    assert len(own) == len(legacy) <= ONE_CALL_BUDGET


def test_a_kind_endpoint_validates_its_own_fields_and_writes_nothing(owner_api, owner, account, ws_a):
    missing_plan = owner_api.post(_url(account, "purchase"), {"workspaces": [ws_a.id]}, format="json")
    assert missing_plan.status_code == 400 and "plan" in missing_plan.json()["error"]["fields"]
    missing_package = owner_api.post(_url(account, "upgrade"), {"plan": "growth"}, format="json")
    assert missing_package.status_code == 400 and "package" in missing_package.json()["error"]["fields"]
    legacy_renewal = owner_api.post(_url(account), {"kind": "renewal"}, format="json")
    assert legacy_renewal.status_code == 400 and "package" in legacy_renewal.json()["error"]["fields"]
    unknown_kind = owner_api.post(_url(account), {"kind": "gift"}, format="json")
    assert unknown_kind.status_code == 400 and "kind" in unknown_kind.json()["error"]["fields"]
    assert not Order.objects.filter(account=account).exists()


def test_the_table_and_the_schema_name_every_kind():
    assert {kind: op.serializer for kind, op in ORDER_OPERATIONS.items()} == {
        OrderKind.PURCHASE: PurchaseCreateSerializer, OrderKind.UPGRADE: UpgradeCreateSerializer,
        OrderKind.TRAFFIC: TrafficCreateSerializer, OrderKind.RENEWAL: RenewalOrderCreateSerializer,
    }
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for kind in ("purchase", "upgrade", "traffic", "renewal"):
        operation = paths[f"/api/v1/accounts/{{account_id}}/orders/{kind}/"]["post"]
        assert "201" in operation["responses"] and "requestBody" in operation
