"""Usage ingestion (service token) and the daily bills API."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from rest_framework.test import APIClient

from core.csv import header
from quota.exports import DAILY_COLUMNS
from quota.ingest import hash_key, service_token_create
from quota.models import ServiceToken, UsageRecord
from quota.night import night_run_chunk
from quota.tests import factories as f
from tests.factories import AccountFactory, WorkspaceFactory
from workspaces.models import Workspace, WorkspaceStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def service_client():
    _token, key = service_token_create(name="metering")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Service {key}")
    return client


@pytest.fixture
def ws(account):
    type(account).objects.filter(pk=account.pk).update(created_at=timezone.now() - timedelta(days=30))
    return WorkspaceFactory(account=account)


def yesterday():
    return (timezone.localdate() - timedelta(days=1)).isoformat()


def post(client, records):
    return client.post("/api/v1/usage/", {"records": records}, format="json")


def test_ingest_upserts_per_workspace_item_day(service_client, ws):
    response = post(service_client, [{"workspace_id": ws.pk, "item": "log", "day": yesterday(), "quantity": 5}])
    assert response.status_code == 200 and response.json() == {"accepted": 1, "refused": []}
    response = post(service_client, [
        {"workspace_id": ws.pk, "item": "log", "day": yesterday(), "quantity": 7},
        {"workspace_id": ws.pk, "item": "sms", "day": yesterday(), "quantity": 0},
    ])
    assert response.status_code == 200
    assert sorted(UsageRecord.objects.values_list("billing_item__code", "quantity")) == [("log", 7), ("sms", 0)]
    assert UsageRecord.objects.get(billing_item__code="log").account_id == ws.account_id


def test_ingest_requires_a_valid_service_token(ws, owner_api):
    record = [{"workspace_id": ws.pk, "item": "log", "day": yesterday(), "quantity": 5}]
    assert post(APIClient(), record).status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Service nope")
    assert post(bad, record).status_code == 401
    assert post(owner_api, record).status_code in (401, 403)  # a user session is not a service
    token, key = service_token_create(name="old")
    ServiceToken.objects.filter(pk=token.pk).update(is_active=False)
    inactive = APIClient()
    inactive.credentials(HTTP_AUTHORIZATION=f"Service {key}")
    assert post(inactive, record).status_code == 401
    assert not UsageRecord.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"workspace_id": 10**12}, "workspace_id"),
        ({"workspace_id": "1"}, "workspace_id"),
        ({"workspace_id": True}, "workspace_id"),
        ({"item": "nope"}, "item"),
        ({"item": 3}, "item"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": 1.5}, "quantity"),
        ({"quantity": "10"}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"quantity": 2**70}, "quantity"),
        ({"day": "2026-02-30"}, "day"),
        ({"day": "yesterday"}, "day"),
        ({"day": 20260101}, "day"),
        ({"extra": 1}, "extra"),
    ],
)
def test_every_bad_record_is_422_and_writes_nothing(service_client, ws, change, field):
    good = {"workspace_id": ws.pk, "item": "log", "day": yesterday(), "quantity": 5}
    bad = {**good, "item": "apm", **change}
    response = post(service_client, [good, bad])
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_usage"
    assert list(error["fields"]["records"]) == ["1"] and field in error["fields"]["records"]["1"]
    assert not UsageRecord.objects.exists()


def test_duplicates_unknown_workspaces_and_shapes_are_422(service_client, ws, account):
    good = {"workspace_id": ws.pk, "item": "log", "day": yesterday(), "quantity": 5}
    response = post(service_client, [good, {**good, "workspace_id": 10**9}, dict(good), "x"])
    records = response.json()["error"]["fields"]["records"]
    assert response.status_code == 422 and set(records) == {"1", "2", "3"}
    assert "Unknown" in records["1"]["workspace_id"][0] and "Duplicate" in records["2"]["non_field_errors"][0]
    for body in ({}, {"records": []}, {"records": "x"}, [1], {"records": [good] * 5001}):
        response = service_client.post("/api/v1/usage/", body, format="json")
        assert response.status_code == 422, body
    assert not UsageRecord.objects.exists()


def test_a_malformed_record_refuses_the_whole_batch_even_with_business_refusals(service_client, ws, account):
    """All-or-nothing for malformed batches: a locked workspace's record beside a malformed one changes nothing."""
    locked = WorkspaceFactory(account=account)
    Workspace.objects.filter(pk=locked.pk).update(status=WorkspaceStatus.LOCKED, locked_at=timezone.now())
    good = {"workspace_id": ws.pk, "item": "log", "day": yesterday(), "quantity": 5}
    bad = {**good, "item": "apm", "quantity": -1}
    response = post(service_client, [good, {**good, "workspace_id": locked.pk}, bad])
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]["records"]) == ["2"]
    assert not UsageRecord.objects.exists()


def test_future_day_uses_the_account_time_zone(service_client):
    kiritimati = AccountFactory(time_zone="Pacific/Kiritimati")  # UTC+14: its today may be our tomorrow
    type(kiritimati).objects.filter(pk=kiritimati.pk).update(created_at=timezone.now() - timedelta(days=3))
    ws = WorkspaceFactory(account=kiritimati)

    local_today = timezone.now().astimezone(ZoneInfo("Pacific/Kiritimati")).date()
    ok = post(service_client, [{"workspace_id": ws.pk, "item": "log", "day": local_today.isoformat(), "quantity": 1}])
    assert ok.status_code == 200 and ok.json()["accepted"] == 1
    tomorrow = (local_today + timedelta(days=1)).isoformat()
    late = post(service_client, [{"workspace_id": ws.pk, "item": "log", "day": tomorrow, "quantity": 1}])
    assert late.status_code == 200
    assert late.json()["accepted"] == 0 and late.json()["refused"][0]["code"] == "day_in_future"
    assert UsageRecord.objects.count() == 1


def test_locked_workspace_refuses_its_records_only(service_client, ws):
    Workspace.objects.filter(pk=ws.pk).update(status=WorkspaceStatus.LOCKED, locked_at=timezone.now())
    response = post(service_client, [{"workspace_id": ws.pk, "item": "log", "day": yesterday(), "quantity": 5}])
    assert response.status_code == 200
    [refusal] = response.json()["refused"]
    assert refusal["index"] == 0 and refusal["code"] == "workspace_locked" and "recharge" in refusal["message"]
    assert response.json()["accepted"] == 0
    assert not UsageRecord.objects.exists()


def test_create_service_token_command_prints_the_key_once(capsys):
    call_command("create_service_token", "pipeline")
    out = capsys.readouterr().out
    key = out.splitlines()[1].strip()
    assert ServiceToken.objects.get(name="pipeline").key_hash == hash_key(key)


def _bills(account, n, start=0):
    for i in range(start, start + n):
        ws = WorkspaceFactory(account=account)
        day = date(2026, 3, 1) + timedelta(days=i)
        f.usage(ws, "datakit", day, 1)
        f.usage(ws, "log", day, 2_000_000)
        night_run_chunk(day=day, account_ids=[account.pk])


def test_daily_bills_api_with_lines_filters_and_csv(owner_api, account, other_account):
    f.fund_cash(account, "100.00")
    _bills(account, 3)
    _bills(other_account, 1)
    url = f"/api/v1/accounts/{account.pk}/bills/daily/"
    body = owner_api.get(url).json()
    assert body["count"] == 3
    first = body["results"][0]
    assert first["day"] == "2026-03-03" and first["total"] == "6.00" and first["charged"] == "6.00"
    line = next(ln for ln in first["lines"] if ln["item"] == "log")
    assert line["usage"] == 2_000_000 and line["amount"] == "3.00" and line["unit_price"] == "1.5000"
    assert owner_api.get(url, {"date_from": "2026-03-02", "date_to": "2026-03-02"}).json()["count"] == 1
    assert owner_api.get(url, {"date_from": "nope"}).status_code == 400
    assert owner_api.get(url, {"date_from": "2026-03-03", "date_to": "2026-03-01"}).status_code == 400
    csv_response = owner_api.get(url, {"format": "csv"})
    assert csv_response.status_code == 200 and csv_response["Content-Type"].startswith("text/csv")
    content = b"".join(csv_response.streaming_content)  # streamed: a year of lines is never held in memory
    assert content.startswith("\ufeff".encode())  # UTF-8 with BOM, through core.csv
    text = content.decode("utf-8-sig")
    with translation.override("zh-hans"):  # the interface's language (the default here): one style, core.csv
        assert text.splitlines()[0] == ",".join(header(*DAILY_COLUMNS)) and len(text.splitlines()) == 7
    assert owner_api.get(f"/api/v1/accounts/{other_account.pk}/bills/daily/").status_code == 404


def test_member_cannot_see_bills(api_client, account, member):
    api_client.force_authenticate(member)
    assert api_client.get(f"/api/v1/accounts/{account.pk}/bills/daily/").status_code == 403


def test_bills_api_query_count_is_constant(owner_api, account, django_assert_max_num_queries):
    f.fund_cash(account, "100.00")
    _bills(account, 2)
    url = f"/api/v1/accounts/{account.pk}/bills/daily/"
    with django_assert_max_num_queries(8) as small:
        owner_api.get(url)
    _bills(account, 6, start=2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert owner_api.get(url).json()["count"] == 8
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_api.get(url, {"format": "csv"})


def test_an_absurd_quantity_is_refused_at_ingestion(service_client, account):
    ws = WorkspaceFactory(account=account)
    response = post(service_client, [{"workspace_id": ws.pk, "item": "sms", "day": yesterday(), "quantity": 10**12}])
    assert response.status_code == 422
    assert "quantity" in response.json()["error"]["fields"]["records"]["0"]
