"""Reads of the notifications app, scoped to an account."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import AlertEvent, AlertRule
from workspaces.models import Account, Membership


def alert_rule_list(*, account: Account) -> QuerySet:
    return (
        AlertRule.objects.for_account(account)
        .select_related("workspace", "billing_item")
        .prefetch_related("recipients__user")
        .order_by("workspace__name", "billing_item__sort_order", "pk")
    )


def alert_event_list(*, account: Account) -> QuerySet:
    """The alerts sent, newest first (the page shows them a page at a time)."""
    return (AlertEvent.objects.filter(account=account).select_related("workspace", "billing_item")
            .order_by("-day", "-pk"))


def member_choices(*, account: Account) -> QuerySet:
    return Membership.objects.filter(account=account).select_related("user").order_by("user__username")
