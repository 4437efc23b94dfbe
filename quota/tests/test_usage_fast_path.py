"""The usage endpoint's fast path (issue 15): orjson parsing with the standard parser's answers kept, and the
COPY-based upsert usable more than once in one transaction."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from core import days
from quota import services
from quota.ingest import usage_ingest
from quota.models import UsageRecord
from tests.factories import AccountFactory, WorkspaceFactory
from workspaces.models import Account

pytestmark = pytest.mark.django_db


@pytest.fixture
def service_client():
    _token, key = services.service_token_create(name="metering-fast")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Service {key}")
    return client


@pytest.fixture
def workspace():
    account = AccountFactory()
    Account.objects.filter(pk=account.pk).update(created_at=timezone.now() - timedelta(days=60))
    return WorkspaceFactory(account=Account.objects.get(pk=account.pk))


def _day(workspace, back=1):
    return (days.account_today(workspace.account) - timedelta(days=back)).isoformat()


def test_a_body_deeper_than_orjson_allows_is_a_400_parse_error(service_client):
    body = '{"records": ' + "[" * 300 + "]" * 300 + "}"
    response = service_client.post("/api/v1/usage/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_a_body_deeper_than_the_project_limit_is_a_400_parse_error(service_client):
    body = '{"records": ' + "[" * 40 + "]" * 40 + "}"
    response = service_client.post("/api/v1/usage/", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "parse_error"


def test_what_orjson_refuses_gets_the_standard_answer(service_client, workspace):
    # an integer beyond 64 bits: orjson refuses it, the standard parser reads it, ingestion answers per record
    body = (f'{{"records": [{{"workspace_id": {workspace.pk}, "item": "log", "day": "{_day(workspace)}", '
            f'"quantity": {2**70}}}]}}')
    response = service_client.post("/api/v1/usage/", body, content_type="application/json")
    assert response.status_code == 422
    assert "quantity" in response.json()["error"]["fields"]["records"]["0"]
    assert service_client.post("/api/v1/usage/", "{nope", content_type="application/json").status_code == 400


def test_the_fast_path_stores_and_updates(service_client, workspace):
    record = {"workspace_id": workspace.pk, "item": "log", "day": _day(workspace), "quantity": 5}
    assert service_client.post("/api/v1/usage/", {"records": [record]}, format="json").json() == {
        "accepted": 1, "refused": []}
    record["quantity"] = 7
    assert service_client.post("/api/v1/usage/", {"records": [record]}, format="json").status_code == 200
    assert UsageRecord.objects.get(workspace=workspace).quantity == 7


def test_two_batches_in_one_transaction(workspace):
    with transaction.atomic():
        for quantity in (1, 2):
            usage_ingest(records=[{"workspace_id": workspace.pk, "item": "apm", "day": _day(workspace, 2),
                                   "quantity": quantity}])
    assert UsageRecord.objects.get(workspace=workspace).quantity == 2
