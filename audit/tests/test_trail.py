"""Each tracked change records who, when, before and after; owners see only their account's; CSV; the event
tables are append-only."""

import csv
import io
from decimal import Decimal

import pghistory
import pytest
from django.db import connection, transaction
from django.db.utils import InternalError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import selectors
from audit.kinds import Kind
from audit.models import AlertRuleEvent, MembershipEvent, PackageWorkspaceEvent
from notifications.models import AlertRule
from orders.models import Order, Package, PackageWorkspace
from orders.packages import package_reorder_workspaces
from orders.payment import order_refund
from orders.tests.factories import paid_package
from payments.maintenance import wallet_adjust
from tests.factories import AccountFactory, MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.models import Membership, Role

pytestmark = pytest.mark.django_db


def _rows(account, **filters):
    return selectors.rows(selectors.audit_event_list(account=account, **filters))


def _alert_via_page(client, account, workspace, threshold="500.00"):
    url = reverse("alert-list", args=[account.pk])
    response = client.post(url, {"workspace": workspace.pk, "billing_item": "", "threshold": threshold})
    assert response.status_code == 302
    return AlertRule.objects.get(workspace=workspace)


def test_a_page_change_records_who_when_before_and_after(owner_client, owner, account):
    workspace = WorkspaceFactory(account=account)
    rule = _alert_via_page(owner_client, account, workspace)
    response = owner_client.post(reverse("alert-edit", args=[account.pk, rule.pk]),
                                 {"threshold": "800.00", "is_active": "on"})
    assert response.status_code == 302
    rows = [r for r in _rows(account, kind="alert") if r.model == "notifications.AlertRule"]
    assert [r.action for r in rows] == ["update", "insert"]
    update, insert = rows
    assert update.user_id == owner.pk and update.person == owner.get_username()
    assert update.url == reverse("alert-edit", args=[account.pk, rule.pk])
    assert update.before == {"threshold": "500.00"} or Decimal(str(update.before["threshold"])) == Decimal("500")
    assert Decimal(str(update.after["threshold"])) == Decimal("800")
    assert insert.before is None and insert.after["workspace_id"] == workspace.pk
    assert update.at >= insert.at


def test_a_write_that_bypasses_the_orm_is_recorded_too(account):
    workspace = WorkspaceFactory(account=account)
    creator = UserFactory()
    rule = AlertRule.objects.create(account=account, workspace=workspace, threshold=Decimal("10"), created_by=creator)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE notifications_alertrule SET is_active = false WHERE id = %s", [rule.pk])
    update = _rows(account, kind="alert")[0]
    assert update.action == "update" and update.before == {"is_active": True} and update.after == {"is_active": False}
    assert update.user_id is None  # no request: a system change


def test_roles_are_tracked_with_the_context_user(account, owner):
    person = MembershipFactory(account=account, role=Role.MEMBER)
    with pghistory.context(user=owner.pk, url="/a/role"):
        Membership.objects.filter(pk=person.pk).update(role=Role.ADMINISTRATOR)
    row = _rows(account, kind="people")[0]
    assert (row.action, row.before, row.after, row.user_id) == (
        "update", {"role": "member"}, {"role": "administrator"}, owner.pk)
    assert MembershipEvent.objects.filter(pgh_obj=person).count() == 2


def test_finance_adjustments_are_recorded_with_the_actor(account, owner):
    finance = UserFactory(is_staff=True)
    with pghistory.context(user=finance.pk, url="/admin/payments/wallet/"):
        wallet_adjust(account=account, amount="25.00", reason="goodwill", actor=finance)
    row = _rows(account, kind="adjustment")[0]
    assert row.action == "adjustment" and row.user_id == finance.pk
    assert Decimal(str(row.after["amount"])) == Decimal("25.00") and row.after["memo"]


def test_the_event_tables_are_append_only(account):
    workspace = WorkspaceFactory(account=account)
    AlertRule.objects.create(account=account, workspace=workspace, threshold=Decimal("10"), created_by=UserFactory())
    event = AlertRuleEvent.objects.get()
    for statement in ("UPDATE audit_alertruleevent SET threshold = 1", "DELETE FROM audit_alertruleevent"):
        with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AlertRuleEvent.objects.get().threshold == event.threshold


def test_every_event_is_scoped_to_its_account_through_the_tracked_rows_path(account):
    assert PackageWorkspaceEvent._meta.get_field("scope_account_id")
    other = AccountFactory()
    workspace = WorkspaceFactory(account=other)
    AlertRule.objects.create(account=other, workspace=workspace, threshold=Decimal("10"), created_by=UserFactory())
    assert _rows(account) == []
    assert len(_rows(other)) == 1
    assert PackageWorkspace  # the model is tracked (its scope is read through orders_package)


def test_the_owner_sees_only_the_accounts_trail_with_filters_and_csv(owner_client, owner, account):
    workspace = WorkspaceFactory(account=account)
    _alert_via_page(owner_client, account, workspace)
    other = AccountFactory()
    AlertRule.objects.create(account=other, workspace=WorkspaceFactory(account=other), threshold=Decimal("77"),
                             created_by=UserFactory())
    url = reverse("audit-trail", args=[account.pk])
    response = owner_client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    marker = 'data-model="notifications.AlertRule"'
    assert marker in content and "77.00" not in content

    assert marker not in owner_client.get(url, {"kind": "people"}).content.decode()
    assert marker not in owner_client.get(url, {"date_to": "2000-01-01"}).content.decode()
    assert marker in owner_client.get(url, {"person": owner.pk}).content.decode()
    stranger = UserFactory()
    response = owner_client.get(url, {"person": stranger.pk})
    assert response.status_code == 200  # an unknown person is a form error, the page still answers

    response = owner_client.get(url, {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    alert_lines = [line for line in lines[1:] if line[2] == str(Kind.ALERT.label)]
    assert len(alert_lines) == 1 and alert_lines[0][1] == owner.get_username()
    assert "77.00" not in text  # not the other account's rule


def test_only_the_owner_opens_the_trail(client, account, administrator, member):
    url = reverse("audit-trail", args=[account.pk])
    for user in (administrator, member):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(MembershipFactory(account=AccountFactory(), role=Role.OWNER).user)
    assert client.get(url).status_code == 404


def test_the_list_page_runs_a_constant_number_of_queries(owner_client, account):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert owner_client.get(reverse("audit-trail", args=[account.pk])).status_code == 200
        return len(ctx)

    creators = [UserFactory() for _ in range(6)]
    with pghistory.context(user=creators[0].pk):
        AlertRule.objects.create(account=account, workspace=WorkspaceFactory(account=account), threshold=1,
                                 created_by=creators[0])
    count()  # warm up (session, caches)
    first = count()
    for creator in creators[1:]:  # five more changes by five more people
        with pghistory.context(user=creator.pk):
            AlertRule.objects.create(account=account, workspace=WorkspaceFactory(account=account), threshold=1,
                                     created_by=creator)
    assert count() == first


def test_api_lists_filters_and_exports(owner_api, owner, account):
    workspace = WorkspaceFactory(account=account)
    with pghistory.context(user=owner.pk, url="/x"):
        AlertRule.objects.create(account=account, workspace=workspace, threshold=Decimal("10"), created_by=owner)
    url = f"/api/v1/accounts/{account.pk}/audit/"
    body = owner_api.get(url, {"kind": "alert"}).json()
    assert body["count"] == 1
    event = body["results"][0]
    assert event["kind"] == "alert" and event["action"] == "insert" and event["user_id"] == owner.pk
    assert owner_api.get(url, {"kind": "refund"}).json()["count"] == 0
    assert owner_api.get(url, {"user": owner.pk, "kind": "alert"}).json()["count"] == 1
    bad = owner_api.get(url, {"date_from": "2026-13-01"})
    assert bad.status_code == 400 and bad.json()["error"]["fields"]["date_from"]
    csv_response = owner_api.get(url, {"format": "csv"})
    text = csv_response.content.decode("utf-8-sig")
    assert csv_response.status_code == 200 and workspace.name in text and "notifications.AlertRule" not in text



def test_workspace_order_renewal_setting_and_refund_are_in_the_accounts_trail(account, owner):

    first, second = WorkspaceFactory(account=account), WorkspaceFactory(account=account)
    package = paid_package(account, owner, workspaces=[first, second])
    with pghistory.context(user=owner.pk, url="/a/packages"):
        package_reorder_workspaces(package=package, workspaces=[second, first], actor=owner)
        Package.objects.filter(pk=package.pk).update(auto_renew=True)
    order_rows = _rows(account, kind="workspace_order")
    assert order_rows and all(r.model == "orders.PackageWorkspace" for r in order_rows)
    assert any(r.user_id == owner.pk for r in order_rows)
    renewal = _rows(account, kind="renewal")[0]
    assert (renewal.action, renewal.before, renewal.after) == ("update", {"auto_renew": False}, {"auto_renew": True})

    finance = UserFactory(is_staff=True)
    order = Order.objects.filter(package=package).first() or Order.objects.filter(account=account).first()
    with pghistory.context(user=finance.pk, url="/admin/orders/order/"):
        order_refund(order=order, actor=finance, reason="customer request")
    refunds = _rows(account, kind="refund")
    assert {r.model for r in refunds} >= {"orders.Order", "payments.Payment"}
    assert all(r.user_id == finance.pk for r in refunds)
    assert _rows(AccountFactory()) == []
