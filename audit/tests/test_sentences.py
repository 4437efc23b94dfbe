"""The trail reads as sentences in the reader's language, ids named, secrets never shown (RULES-audit.md)."""

import datetime

import pghistory
import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from audit import selectors
from notifications.models import AlertRule
from orders.packages import package_reorder_workspaces
from orders.tests.factories import paid_package
from plans.models import BillingItem, StoragePolicy
from tests.factories import MembershipFactory, WorkspaceFactory
from workspaces import people
from workspaces.models import Membership, Role, WorkspacePlan
from workspaces.services import workspace_storage_policy_set

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 12, 6, 8, 0, tzinfo=datetime.UTC)


def _sentences(account, language, kind=None):
    with translation.override(language):
        return [r.sentence for r in selectors.rows(selectors.audit_event_list(account=account, kind=kind),
                                                   account=account)]


@time_machine.travel(NOW, tick=False)
def test_a_storage_policy_change_names_item_workspace_days_and_the_day(account, owner):
    workspace = WorkspaceFactory(account=account, name="Workspace A", plan=WorkspacePlan.COMMERCIAL)
    log = BillingItem.objects.get(code="log")
    default = StoragePolicy.objects.get(billing_item=log, is_default=True)
    longer = StoragePolicy.objects.filter(billing_item=log, retention_days__gt=default.retention_days).first()
    with pghistory.context(user=owner.pk):
        change = workspace_storage_policy_set(workspace=workspace, billing_item=log, storage_policy=longer)
    day = f"{change.valid_from:%Y-%m-%d}"
    assert _sentences(account, "en", "storage_policy") == [
        f"{owner.username} changed Log data retention of Workspace A from {default.retention_days} days to "
        f"{longer.retention_days} days, from {day}"
    ]
    assert _sentences(account, "zh-hans", "storage_policy") == [
        f"{owner.username} 将 Workspace A 的日志类数据保存期从 {default.retention_days} 天改为 "
        f"{longer.retention_days} 天，自 {day} 起"  # noqa: RUF001
    ]


def test_a_role_change_reads_from_old_to_new(account, owner):
    colleague = MembershipFactory(account=account, role=Role.MEMBER)
    with pghistory.context(user=owner.pk):
        Membership.objects.filter(pk=colleague.pk).update(role=Role.ADMINISTRATOR)
    name = colleague.user.username
    assert _sentences(account, "en", "people")[0] == (
        f"{owner.username} changed the role of {name} from Member to Administrator")
    assert _sentences(account, "zh-hans", "people")[0] == f"{owner.username} 将 {name} 的角色从成员改为管理员"


def test_an_invitation_names_the_address_and_never_the_token(account, owner):
    with pghistory.context(user=owner.pk):
        invitation = people.invitation_create(account=account, email="new@example.com", role=Role.MEMBER,
                                              invited_by=owner)
    [english] = [s for s in _sentences(account, "en", "people") if "new@example.com" in s]
    assert english.startswith(f"{owner.username} invited new@example.com as Member (the link expires on ")
    assert invitation.token_hash not in english
    rows = selectors.rows(selectors.audit_event_list(account=account, kind="people"), account=account)
    assert all("token_hash" not in (r.after or {}) and "token" not in (r.after or {}) for r in rows)
    [chinese] = [s for s in _sentences(account, "zh-hans", "people") if "new@example.com" in s]
    assert chinese.startswith(f"{owner.username} 邀请 new@example.com 成为成员（链接于 ")  # noqa: RUF001


def test_an_alert_rule_threshold_change(account, owner):
    workspace = WorkspaceFactory(account=account, name="Workspace A")
    with pghistory.context(user=owner.pk):
        rule = AlertRule.objects.create(account=account, workspace=workspace, threshold=500, created_by=owner)
        AlertRule.objects.filter(pk=rule.pk).update(threshold=800)
    assert _sentences(account, "en", "alert") == [
        f"{owner.username} changed the threshold of the alert on Workspace A from ¥500.00 to ¥800.00",
        f"{owner.username} added the alert on Workspace A with a daily threshold of ¥500.00",
    ]
    assert _sentences(account, "zh-hans", "alert")[0] == (
        f"{owner.username} 将 Workspace A 的消费预警阈值从 ¥500.00 改为 ¥800.00")


def test_the_workspace_order_of_a_package(account, owner):
    first = WorkspaceFactory(account=account, name="First")
    second = WorkspaceFactory(account=account, name="Second")
    package = paid_package(account, owner, workspaces=[first, second])
    with pghistory.context(user=owner.pk):
        package_reorder_workspaces(package=package, workspaces=[second, first], actor=owner)
    english = _sentences(account, "en", "workspace_order")
    assert f"{owner.username} put Second in package Startup Acceleration #{package.pk} at position 1, from " in (
        "\n".join(english))
    chinese = _sentences(account, "zh-hans", "workspace_order")
    with translation.override("zh-hans"):
        plan = translation.gettext("Startup Acceleration")
    assert f"{owner.username} 将 Second 放入套餐 {plan} #{package.pk} 的第 1 位，自 " in "\n".join(chinese)  # noqa: RUF001


def test_the_page_shows_sentences_not_json(owner_client, owner, account):
    workspace = WorkspaceFactory(account=account, name="Workspace A")
    with pghistory.context(user=owner.pk):
        AlertRule.objects.create(account=account, workspace=workspace, threshold=500, created_by=owner)
    content = owner_client.get(reverse("audit-trail", args=[account.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "added the alert on Workspace A with a daily threshold of ¥500.00" in content
    assert "workspace_id" not in content
