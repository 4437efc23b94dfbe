"""The demo's alert (`manage.py seed_demo`): on the purchase day the owner sets a high-spending alert on
Workspace A (total per day, 100.00, the administrator as extra recipient). The nights that follow evaluate it
(through `quota.signals.night_settled`), so the owner has received alerts for the expensive days."""

from __future__ import annotations

from notifications.services import alert_rule_create
from workspaces.models import Membership


def seed(context: dict) -> None:
    account, users = context["account"], context["users"]
    admin = Membership.objects.filter(account=account, user=users["admin"]).first()
    with context["clock"].at(context["purchase_day"], 11):
        alert_rule_create(
            account=account, actor=users["owner"], workspace_id=context["workspaces"]["Workspace A"].pk,
            billing_item_id=None, threshold="100.00", recipient_ids=[admin.pk] if admin else [],
        )
