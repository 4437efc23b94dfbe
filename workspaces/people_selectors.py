"""Reads for people and access, always scoped to an account."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from workspaces.models import Account, Membership, Role, Workspace
from workspaces.people_models import Invitation, OwnershipTransfer


def member_list(*, account: Account) -> QuerySet[Membership]:
    return Membership.objects.filter(account=account).select_related("user").order_by("id")


def invitation_list(*, account: Account, pending_only: bool = False) -> QuerySet[Invitation]:
    rows = Invitation.objects.for_account(account).select_related("invited_by").order_by("-id")
    if pending_only:
        rows = rows.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
    return rows


def pending_transfer(*, account: Account) -> OwnershipTransfer | None:
    return (
        OwnershipTransfer.objects.for_account(account).filter(accepted_at__isnull=True, cancelled_at__isnull=True)
        .select_related("from_user", "to_user").first()
    )


def owners(*, account: Account) -> list[Membership]:
    return list(member_list(account=account).filter(role=Role.OWNER))


def workspace_names(*, account: Account) -> list[str]:
    return list(Workspace.objects.for_account(account).order_by("name").values_list("name", flat=True))
