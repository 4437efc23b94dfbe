"""The notifications part of `seed_demo` (add "notifications.demo" to DEMO_STEPS after "statements.demo"): a
high-spending alert on Workspace A (total per day, low threshold, the administrator as extra recipient),
evaluated for the days already billed, so the owner has received an alert."""

from __future__ import annotations

from notifications.models import AlertRule
from notifications.services import alert_rule_create, alerts_evaluate_day
from quota.models import Bill
from workspaces.models import Membership


def seed(context: dict) -> None:
    account = context.get("account")
    workspaces = context.get("workspaces") or {}
    users = context.get("users") or {}
    workspace = workspaces.get("Workspace A")
    if account is None or workspace is None or "owner" not in users:
        return
    if AlertRule.objects.filter(workspace=workspace, billing_item__isnull=True).exists():
        return
    admin = Membership.objects.filter(account=account, user=users.get("admin")).first()
    alert_rule_create(
        account=account, actor=users["owner"], workspace_id=workspace.pk, billing_item_id=None, threshold="100.00",
        recipient_ids=[admin.pk] if admin else [],
    )


def after_commit(context: dict) -> None:
    account = context.get("account")
    if account is None:
        return
    for day in Bill.objects.filter(account=account).order_by("day").values_list("day", flat=True)[:40]:
        alerts_evaluate_day(day=day, account_ids=[account.pk])
