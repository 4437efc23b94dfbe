"""A workspace's storage-policy history: changes from the next billing day, pending changes replaced and
cancelled, who may change it, the API and the Fee Center page with their validation errors."""

from datetime import UTC, date, datetime

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.exceptions import ApplicationError
from plans.models import BillingItem, StoragePolicy
from tests.factories import MembershipFactory, WorkspaceFactory
from workspaces import selectors
from workspaces.admin import StoragePolicyInline
from workspaces.models import Role, Workspace, WorkspaceStoragePolicy
from workspaces.services import workspace_storage_policy_set

pytestmark = pytest.mark.django_db

# 2026-03-10 20:00 in Shanghai: today is the 10th, the next billing day the 11th (in UTC it is still noon).
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
NEXT = date(2026, 3, 11)


def policy(code: str, retention_days: int | None) -> StoragePolicy:
    return StoragePolicy.objects.get(billing_item__code=code, retention_days=retention_days)


def choose(ws, code, retention_days, now=NOW):
    sp = policy(code, retention_days)
    return workspace_storage_policy_set(workspace=ws, billing_item=sp.billing_item, storage_policy=sp, now=now)


def history(ws):
    return list(WorkspaceStoragePolicy.objects.filter(workspace=ws).values_list(
        "storage_policy__retention_days", "valid_from"))


@pytest.fixture
def ws(account):
    return WorkspaceFactory(account=account)


def test_a_change_applies_from_the_next_billing_day_in_the_account_time_zone(ws):
    change = choose(ws, "log", 30)
    assert (change.outcome, change.valid_from, change.in_force.retention_days) == ("scheduled", NEXT, 14)
    assert history(ws) == [(30, NEXT)]
    new_york = WorkspaceFactory(account__time_zone="America/New_York")  # 08:00 on the 10th there
    assert choose(new_york, "log", 30).valid_from == NEXT
    late = datetime(2026, 3, 10, 17, tzinfo=UTC)  # already the 11th in Shanghai
    other = WorkspaceFactory(account=ws.account)
    assert choose(other, "log", 30, now=late).valid_from == date(2026, 3, 12)


def test_a_second_change_replaces_the_pending_one_and_the_policy_in_force_cancels_it(ws):
    choose(ws, "log", 30)
    assert choose(ws, "log", 60).outcome == "scheduled"
    assert history(ws) == [(60, NEXT)]
    assert choose(ws, "log", 14).outcome == "cancelled"  # 14 days is the default, in force today
    assert history(ws) == []
    assert choose(ws, "log", 14).outcome == "unchanged"


def test_history_is_kept_and_the_policy_in_force_follows_it(ws, account):
    choose(ws, "log", 30, now=datetime(2026, 3, 1, 12, tzinfo=UTC))  # from 2026-03-02
    change = choose(ws, "log", 3)  # from 2026-03-11
    assert change.in_force.retention_days == 30
    assert history(ws) == [(30, date(2026, 3, 2)), (3, NEXT)]
    assert choose(ws, "log", 30).outcome == "cancelled"
    assert history(ws) == [(30, date(2026, 3, 2))]  # the day already begun keeps its row
    [log] = [e for e in selectors.workspace_storage_policies(account=account, workspace=ws, now=NOW)
             if e.item.code == "log"]
    assert log.in_force.retention_days == 30 and log.pending is None


def test_a_policy_of_another_item_is_refused(ws):
    with pytest.raises(ApplicationError) as error:
        workspace_storage_policy_set(
            workspace=ws, billing_item=BillingItem.objects.get(code="log"), storage_policy=policy("apm", 30), now=NOW
        )
    assert error.value.code == "unknown_storage_policy" and "storage_policy_id" in error.value.fields
    assert history(ws) == []


# --- API ----------------------------------------------------------------------------------------------


def url(ws):
    return f"/api/v1/accounts/{ws.account_id}/workspaces/{ws.pk}/storage-policies/"


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_lists_and_changes_a_policy(ws, administrator):
    client = api_as(administrator)
    response = client.get(url(ws))
    assert response.status_code == 200
    log = next(i for i in response.json() if i["item"] == "log")
    assert log["in_force"]["retention_days"] == 14 and log["pending"] is None
    assert {o["retention_days"] for o in log["options"]} == {3, 7, 14, 30, 60}
    assert all(i["item"] != "sms" for i in response.json())  # one policy only: nothing to choose
    thirty = policy("log", 30)
    response = client.post(url(ws), {"item": "log", "storage_policy_id": thirty.pk}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["outcome"] == "scheduled" and body["state"]["pending"]["id"] == thirty.pk
    assert body["state"]["pending"]["difference"] == "0.5000"  # 2.00 - 1.50
    assert body["valid_from"] == body["state"]["pending_from"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"item": "nope", "storage_policy_id": 1}, "item"),
        ({"item": "log", "storage_policy_id": "APM"}, "storage_policy_id"),
        ({"item": "log"}, "storage_policy_id"),
        ({"storage_policy_id": 1}, "item"),
        ({"item": "log", "storage_policy_id": 10**12}, "storage_policy_id"),
        ({"item": "log", "storage_policy_id": -3}, "storage_policy_id"),
    ],
)
def test_api_validation_errors_change_nothing(ws, owner, payload, field):
    response = api_as(owner).post(url(ws), payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert history(ws) == []


def test_api_refuses_a_policy_of_another_item(ws, owner):
    response = api_as(owner).post(url(ws), {"item": "log", "storage_policy_id": policy("apm", 30).pk}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_storage_policy"
    assert "storage_policy_id" in response.json()["error"]["fields"]
    assert history(ws) == []


def test_api_member_403_stranger_404(ws, member, other_owner, account):
    payload = {"item": "log", "storage_policy_id": policy("log", 30).pk}
    assert api_as(member).post(url(ws), payload, format="json").status_code == 403
    assert api_as(member).get(url(ws)).status_code == 403
    assert api_as(other_owner).post(url(ws), payload, format="json").status_code == 404
    assert api_as(other_owner).get(url(ws)).status_code == 404
    foreign = WorkspaceFactory()
    owner = MembershipFactory(account=account, role=Role.OWNER).user
    foreign_url = f"/api/v1/accounts/{account.pk}/workspaces/{foreign.pk}/storage-policies/"
    assert api_as(owner).post(foreign_url, payload, format="json").status_code == 404
    assert history(ws) == [] and history(foreign) == []


# --- the Fee Center page ------------------------------------------------------------------------------


def page(ws):
    return f"/a/{ws.account_id}/workspaces/{ws.pk}/storage-policies/"


def test_page_confirms_with_the_date_before_changing(client, ws, administrator):
    client.force_login(administrator)
    response = client.get(page(ws))
    assert response.status_code == 200
    applies_from = response.context["applies_from"].isoformat()
    thirty = policy("log", 30)
    review = client.get(page(ws), {"item": "log", "storage_policy_id": thirty.pk})
    assert review.status_code == 200
    text = review.content.decode()
    assert 'id="confirm-change"' in text and applies_from in text
    assert history(ws) == []  # nothing changes before the confirmation
    response = client.post(page(ws), {"item": "log", "storage_policy_id": thirty.pk})
    assert response.status_code == 302
    assert history(ws) == [(30, date.fromisoformat(applies_from))]
    shown = client.get(page(ws)).content.decode()
    assert 'id="pending-log"' in shown and applies_from in shown


def test_page_validation_errors_next_to_the_field(client, ws, owner):
    client.force_login(owner)
    response = client.get(page(ws), {"item": "log", "storage_policy_id": policy("apm", 30).pk})
    assert response.status_code == 400
    assert "is-invalid" in response.content.decode() and "invalid-feedback" in response.content.decode()
    response = client.post(page(ws), {"item": "nope", "storage_policy_id": "1"})
    assert response.status_code == 400 and 'id="policy-errors"' in response.content.decode()
    response = client.post(page(ws), {"item": "log", "storage_policy_id": "x"})
    assert response.status_code == 400 and "is-invalid" in response.content.decode()
    assert history(ws) == []


def test_page_member_403_stranger_404(client, ws, member, other_owner):
    client.force_login(member)
    assert client.post(page(ws), {"item": "log", "storage_policy_id": policy("log", 30).pk}).status_code == 403
    client.force_login(other_owner)
    assert client.get(page(ws)).status_code == 404
    assert history(ws) == []


def test_page_queries_do_not_grow_with_the_history(client, ws, owner):
    client.force_login(owner)
    client.get(page(ws))
    with CaptureQueriesContext(connection) as few:
        client.get(page(ws))
    for days_ in (3, 7, 30):
        choose(ws, "log", days_, now=datetime(2026, 1, days_, 12, tzinfo=UTC))
        choose(ws, "apm", 30, now=datetime(2026, 1, days_, 12, tzinfo=UTC))
    with CaptureQueriesContext(connection) as many:
        client.get(page(ws))
    assert len(many) == len(few)


def test_finance_admin_shows_the_history_read_only(rf, ws, admin_user):

    choose(ws, "log", 30)
    inline = StoragePolicyInline(Workspace, admin.site)
    request = rf.get("/")
    request.user = admin_user
    assert not inline.has_add_permission(request, ws)
    assert not inline.has_change_permission(request, ws) and not inline.has_delete_permission(request, ws)
    assert list(inline.get_queryset(request).filter(workspace=ws).values_list("valid_from", flat=True)) == [NEXT]
