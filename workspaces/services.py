"""Writes for accounts, members and workspaces."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import ApplicationError, Conflict
from workspaces.models import Account, Membership, Role, Workspace, WorkspacePlan

try:
    from zoneinfo import ZoneInfo, available_timezones
except ImportError:  # pragma: no cover
    raise


@transaction.atomic
def account_create(*, name: str, owner: AbstractBaseUser, time_zone: str = "Asia/Shanghai") -> Account:
    """A new tenant with its owner and an empty wallet."""
    from payments.models import Wallet

    name = (name or "").strip()
    if not name:
        raise ApplicationError("The account needs a name.", code="invalid", fields={"name": ["Required."]})
    if time_zone not in available_timezones():
        raise ApplicationError(f"Unknown time zone {time_zone!r}.", fields={"time_zone": ["Unknown time zone."]})
    ZoneInfo(time_zone)
    account = Account.objects.create(name=name, time_zone=time_zone)
    Membership.objects.create(account=account, user=owner, role=Role.OWNER)
    Wallet.objects.create(account=account)
    return account


@transaction.atomic
def membership_set(*, account: Account, user: AbstractBaseUser, role: str) -> Membership:
    if role not in Role.values:
        raise ApplicationError(f"Unknown role {role!r}.", fields={"role": ["Unknown role."]})
    membership, _created = Membership.objects.update_or_create(account=account, user=user, defaults={"role": role})
    return membership


def workspace_create(*, account: Account, name: str) -> Workspace:
    name = (name or "").strip()
    if not name.isprintable():
        raise ApplicationError(
            "A workspace name cannot contain control characters.", fields={"name": ["Control characters."]}
        )
    if not name or len(name) > 200:
        raise ApplicationError(
            "A workspace needs a name of 1 to 200 characters.", fields={"name": ["1 to 200 characters."]}
        )
    try:
        with transaction.atomic():
            return Workspace.objects.create(account=account, name=name)
    except IntegrityError:
        raise Conflict(
            f"A workspace named {name!r} already exists in this account.",
            code="duplicate_workspace",
            fields={"name": ["Already used."]},
        ) from None


@transaction.atomic
def workspace_upgrade_to_commercial(*, workspace: Workspace) -> Workspace:
    """Free to Commercial: from now on the workspace is billed and can be covered by a package."""
    workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
    if workspace.plan == WorkspacePlan.COMMERCIAL:
        raise Conflict("This workspace is already on the Commercial plan.", code="already_commercial")
    workspace.plan = WorkspacePlan.COMMERCIAL
    workspace.commercial_since = timezone.now()
    workspace.save(update_fields=["plan", "commercial_since"])
    return workspace
