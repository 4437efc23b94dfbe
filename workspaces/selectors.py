"""Reads for accounts and workspaces, always scoped to an account."""

from __future__ import annotations

from django.db.models import QuerySet

from workspaces.models import Account, Membership, Workspace


def memberships_of(*, user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("account").order_by("account_id")


def workspace_list(*, account: Account) -> QuerySet[Workspace]:
    return Workspace.objects.for_account(account).order_by("id")
