"""The usage endpoint's fast path (issue 15): orjson parsing with the standard parser's answers kept, and the
COPY-based upsert usable more than once in one transaction."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from core import days
from core.exceptions import Unprocessable
from plans.models import BillingItem
from plans.selectors import ingestion_bounds
from quota.ingest import _max_quantity, service_token_create, usage_ingest
from quota.models import UsageRecord
from tests.factories import AccountFactory, WorkspaceFactory
from workspaces.models import Account

pytestmark = pytest.mark.django_db


@pytest.fixture
def service_client():
    _token, key = service_token_create(name="metering-fast")
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


# The record fast path (quota/ingest.py) takes a well-formed record of a known workspace and item; anything
# else goes through the full path. Mixed batches must answer exactly as the rules say, whichever path a
# record took.

def _record(workspace, **fields):
    return {"workspace_id": workspace.pk, "item": "log", "day": _day(workspace), "quantity": 10, **fields}


@pytest.mark.parametrize(("odd", "field"), [
    ({"quantity": True}, "quantity"),  # a bool is not a whole number, although Python calls it an int
    ({"quantity": 1.0}, "quantity"),
    ({"quantity": -1}, "quantity"),
    ({"quantity": 2**62}, "quantity"),
    ({"workspace_id": True}, "workspace_id"),
    ({"workspace_id": "1"}, "workspace_id"),
    ({"item": "nope"}, "item"),
    ({"day": "2026-W48-1"}, "day"),
    ({"day": 20261201}, "day"),
    ({"extra": 1}, "extra"),
])
def test_one_odd_record_among_fast_ones_refuses_the_batch_and_names_it(workspace, odd, field):
    good = [_record(workspace, item=item) for item in ("log", "apm", "rum")]
    records = [*good[:2], {**_record(workspace, item="datakit"), **odd}, good[2]]
    with pytest.raises(Unprocessable) as raised:
        usage_ingest(records=records)
    assert raised.value.code == "invalid_usage"
    assert list(raised.value.fields["records"]) == ["2"] and field in raised.value.fields["records"]["2"]
    assert not UsageRecord.objects.exists()


def test_a_duplicate_is_named_whichever_path_each_copy_took(workspace):
    record = _record(workspace)
    with pytest.raises(Unprocessable) as raised:
        usage_ingest(records=[record, dict(record)])
    assert "Duplicate of record 0" in raised.value.fields["records"]["1"]["non_field_errors"][0]
    # the first copy on the full path (an int subclass is not the fast path's int), the second on the fast one
    class Quantity(int):
        pass

    with pytest.raises(Unprocessable) as raised:
        usage_ingest(records=[{**record, "quantity": Quantity(10)}, dict(record)])
    assert "Duplicate of record 0" in raised.value.fields["records"]["1"]["non_field_errors"][0]
    assert not UsageRecord.objects.exists()


def test_the_largest_quantity_is_the_same_on_both_paths(workspace):

    limit = _max_quantity(BillingItem.objects.get(code="log"), ingestion_bounds())
    assert usage_ingest(records=[_record(workspace, quantity=limit)]).accepted == 1
    with pytest.raises(Unprocessable) as raised:
        usage_ingest(records=[_record(workspace, quantity=limit + 1, day=_day(workspace, 2))])
    assert "quantity" in raised.value.fields["records"]["0"]


def test_refusals_and_acceptances_of_one_batch_on_the_fast_path(workspace):
    today = days.account_today(workspace.account)
    records = [_record(workspace, day=(today + timedelta(days=1)).isoformat()),
               _record(workspace, day=(today - timedelta(days=30)).isoformat()),
               _record(workspace), _record(workspace, item="apm")]
    result = usage_ingest(records=records)
    assert result.accepted == 2
    assert [(r.index, r.code) for r in result.refused] == [(0, "day_in_future"), (1, "day_outside_window")]
    assert set(UsageRecord.objects.values_list("billing_item__code", "quantity")) == {("log", 10), ("apm", 10)}
