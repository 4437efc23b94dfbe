"""Usage refused per record, not per batch (docs/RULES-quota.md "Usage"): a well-formed batch stores what can
be billed and lists the rest; one tenant's locked workspace never fails another tenant's records."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core import days
from quota import night
from quota.ingest import service_token_create
from quota.models import Bill, NightMark, UsageRecord
from tests.clock import FIXED_NOW
from tests.factories import AccountFactory, WorkspaceFactory
from workspaces.models import Account, Workspace, WorkspaceStatus
from workspaces.services import workspace_create, workspace_upgrade_to_commercial

pytestmark = pytest.mark.django_db


@pytest.fixture
def service_client():
    _token, key = service_token_create(name="metering")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Service {key}")
    return client


def post(client, records):
    return client.post("/api/v1/usage/", {"records": records}, format="json")


def tenant(**kwargs) -> Account:
    account = AccountFactory(**kwargs)
    Account.objects.filter(pk=account.pk).update(created_at=timezone.now() - timedelta(days=60))
    account.refresh_from_db()
    return account


def ago(account, n: int) -> str:
    return (days.account_today(account) - timedelta(days=n)).isoformat()


def test_a_mixed_batch_across_tenants_stores_every_billable_record(service_client):
    a, b, c = tenant(), tenant(time_zone="America/New_York"), tenant()
    ws_a, ws_b = WorkspaceFactory(account=a), WorkspaceFactory(account=b)
    locked = WorkspaceFactory(account=c)
    Workspace.objects.filter(pk=locked.pk).update(status=WorkspaceStatus.LOCKED, locked_at=timezone.now())
    free = WorkspaceFactory(account=c, free=True)
    countdown = WorkspaceFactory(account=c)
    Workspace.objects.filter(pk=countdown.pk).update(status=WorkspaceStatus.COUNTDOWN,
                                                     countdown_started_at=timezone.now())
    records = [
        {"workspace_id": ws_a.pk, "item": "log", "day": ago(a, 1), "quantity": 10},
        {"workspace_id": locked.pk, "item": "log", "day": ago(c, 1), "quantity": 10},
        {"workspace_id": ws_b.pk, "item": "apm", "day": ago(b, 1), "quantity": 20},
        {"workspace_id": free.pk, "item": "log", "day": ago(c, 1), "quantity": 10},
        {"workspace_id": countdown.pk, "item": "log", "day": ago(c, 1), "quantity": 30},  # still billed
        {"workspace_id": ws_a.pk, "item": "log", "day": ago(a, -1), "quantity": 10},
        {"workspace_id": ws_b.pk, "item": "log", "day": ago(b, night.USAGE_WINDOW_DAYS + 1), "quantity": 10},
    ]
    response = post(service_client, records)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] == 3
    assert [(r["index"], r["code"]) for r in body["refused"]] == [
        (1, "workspace_locked"), (3, "workspace_free"), (5, "day_in_future"), (6, "day_outside_window"),
    ]
    assert all(r["message"] for r in body["refused"])
    stored = sorted(UsageRecord.objects.values_list("workspace_id", "quantity"))
    assert stored == sorted([(ws_a.pk, 10), (ws_b.pk, 20), (countdown.pk, 30)])


@pytest.mark.time_machine(FIXED_NOW)
def test_the_window_edges_are_the_rerun_window(service_client):
    account = tenant()
    ws = WorkspaceFactory(account=account)
    window = night.USAGE_WINDOW_DAYS
    response = post(service_client, [
        {"workspace_id": ws.pk, "item": "log", "day": ago(account, 0), "quantity": 1},
        {"workspace_id": ws.pk, "item": "apm", "day": ago(account, window), "quantity": 1},
        {"workspace_id": ws.pk, "item": "rum", "day": ago(account, window + 1), "quantity": 1},
    ])
    assert response.json()["accepted"] == 2
    assert [(r["index"], r["code"]) for r in response.json()["refused"]] == [(2, "day_outside_window")]
    # the oldest accepted day is one the hourly beat still catches up or re-runs
    oldest = days.account_today(account) - timedelta(days=window)
    assert min(night.nights_due()) == oldest  # caught up, but not a day further back
    NightMark.objects.create(account=account, last_day=days.account_today(account) - timedelta(days=1))
    assert night.late_usage_reruns() == {oldest: [account.pk]}  # the night ran without its usage: re-run


@pytest.mark.time_machine(FIXED_NOW)
def test_a_workspace_created_today_refuses_last_week(service_client):
    """The issue's example: a workspace created and upgraded today, usage posted for last week."""
    account = tenant()
    ws = workspace_upgrade_to_commercial(workspace=workspace_create(account=account, name="new"))
    response = post(service_client, [
        {"workspace_id": ws.pk, "item": "log", "day": ago(account, n), "quantity": 500_000_000} for n in range(0, 7)
    ])
    body = response.json()
    assert response.status_code == 200 and body["accepted"] == 1  # today only
    assert {r["code"] for r in body["refused"]} == {"day_before_commercial"}
    assert [r["index"] for r in body["refused"]] == [1, 2, 3, 4, 5, 6]
    assert list(UsageRecord.objects.values_list("day", flat=True)) == [days.account_today(account)]
    yesterday = days.account_yesterday(account)
    night.night_run(day=yesterday, account_ids=[account.pk])
    assert not Bill.objects.filter(account=account, day=yesterday).exists()


def test_commercial_since_is_the_account_day(service_client):
    """The first billable day is the account's local day of the moment the workspace became Commercial."""
    account = tenant()
    ws = WorkspaceFactory(account=account)
    upgraded = timezone.now() - timedelta(days=2)
    Workspace.objects.filter(pk=ws.pk).update(commercial_since=upgraded)
    first = days.local_date(upgraded, account)
    response = post(service_client, [
        {"workspace_id": ws.pk, "item": "log", "day": (first - timedelta(days=1)).isoformat(), "quantity": 1},
        {"workspace_id": ws.pk, "item": "log", "day": first.isoformat(), "quantity": 1},
    ])
    assert response.json()["accepted"] == 1
    assert [(r["index"], r["code"]) for r in response.json()["refused"]] == [(0, "day_before_commercial")]


def test_nothing_is_stored_when_every_record_is_refused(service_client):
    account = tenant()
    free = WorkspaceFactory(account=account, free=True)
    response = post(service_client, [{"workspace_id": free.pk, "item": "log", "day": ago(account, 1), "quantity": 1}])
    assert response.status_code == 200
    assert response.json() == {"accepted": 0, "refused": [
        {"index": 0, "code": "workspace_free", "message": response.json()["refused"][0]["message"]}]}
    assert not UsageRecord.objects.exists()


def test_the_schema_documents_refusals_with_examples(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "day_before_commercial" in schema and "day_outside_window" in schema
    assert "Stored, one refused" in schema and "Malformed batch" in schema
