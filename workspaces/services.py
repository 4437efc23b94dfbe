"""Writes for accounts, members and workspaces, including every write of a workspace's arrears status
(countdown, reminder, lock, unlock): the apps above (quota's night and arrears sweep) decide WHO, these
functions are the only ones that write the status columns, each as one set-based UPDATE."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.days import DEFAULT_TIME_ZONE, UnknownTimeZone, validate_time_zone
from core.exceptions import ApplicationError, Conflict
from workspaces.models import Account, Membership, Role, Workspace, WorkspacePlan, WorkspaceStatus
from workspaces.signals import account_created


@transaction.atomic
def account_create(*, name: str, owner: AbstractBaseUser, time_zone: str = DEFAULT_TIME_ZONE) -> Account:
    """A new tenant with its owner; `account_created` is sent in the same transaction (payments opens the
    empty wallet on it, so workspaces never imports the apps above it)."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError("The account needs a name.", code="invalid", fields={"name": ["Required."]})
    try:
        validate_time_zone(time_zone)
    except UnknownTimeZone:
        raise ApplicationError(
            f"Unknown time zone {time_zone!r}.", fields={"time_zone": ["Unknown time zone."]}
        ) from None
    account = Account.objects.create(name=name, time_zone=time_zone)
    Membership.objects.create(account=account, user=owner, role=Role.OWNER)
    account_created.send(sender=Account, account=account)
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


# --- arrears status (set-based; the callers hold the wallet locks of these accounts) -------------------------


def _grouped(rows: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    """(account id, workspace id) rows -> {account id: [workspace ids ascending]}, accounts ascending."""
    grouped: dict[int, list[int]] = {}
    for account_id, workspace_id in sorted(rows):
        grouped.setdefault(account_id, []).append(workspace_id)
    return grouped


def workspaces_start_countdown(*, account_ids: Iterable[int]) -> dict[int, list[int]]:
    """The arrears countdown starts for every ACTIVE COMMERCIAL workspace of these accounts (the caller passes
    the accounts in arrears). Workspaces already counting down or locked keep their dates, so a re-run of a
    night restarts nothing. The start is the transaction's time. Returns the workspaces that started."""
    ids = sorted({int(a) for a in account_ids})
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE workspaces_workspace
            SET status = %(countdown)s, countdown_started_at = now(), countdown_reminded_at = NULL
            WHERE account_id = ANY(%(accounts)s::bigint[]) AND plan = %(commercial)s AND status = %(active)s
            RETURNING account_id, id
            """,
            {
                "accounts": ids, "countdown": WorkspaceStatus.COUNTDOWN.value,
                "commercial": WorkspacePlan.COMMERCIAL.value, "active": WorkspaceStatus.ACTIVE.value,
            },
        )
        return _grouped(cursor.fetchall())


def workspaces_mark_reminded(*, workspace_ids: Iterable[int], at: datetime) -> dict[int, list[int]]:
    """The near-end reminder went out for these workspaces (still counting down). Returns them by account."""
    return _update_returning(
        workspace_ids, {"countdown_reminded_at": at}, status=WorkspaceStatus.COUNTDOWN.value
    )


def workspaces_lock(*, workspace_ids: Iterable[int], at: datetime) -> dict[int, list[int]]:
    """The countdown of these workspaces is over: locked (their usage is refused). Only workspaces still
    counting down are locked (one unlocked meanwhile by a payment stays active). Returns them by account."""
    return _update_returning(
        workspace_ids, {"status": WorkspaceStatus.LOCKED.value, "locked_at": at}, status=WorkspaceStatus.COUNTDOWN.value
    )


def workspaces_unlock(*, account_ids: Iterable[int]) -> int:
    """Arrears paid: every workspace of these accounts in countdown or locked is active again, at once, with
    its arrears dates cleared. Returns the number of workspaces unlocked."""
    ids = sorted({int(a) for a in account_ids})
    if not ids:
        return 0
    return Workspace.objects.filter(
        account_id__in=ids, status__in=[WorkspaceStatus.COUNTDOWN, WorkspaceStatus.LOCKED]
    ).update(status=WorkspaceStatus.ACTIVE, countdown_started_at=None, countdown_reminded_at=None, locked_at=None)


def _update_returning(
    workspace_ids: Iterable[int], values: dict[str, object], *, status: str
) -> dict[int, list[int]]:
    ids = sorted({int(w) for w in workspace_ids})
    if not ids:
        return {}
    columns = ", ".join(f"{column} = %({column})s" for column in values)  # column names are ours, not input
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE workspaces_workspace SET {columns}
            WHERE id = ANY(%(_ids)s::bigint[]) AND status = %(_current_status)s
            RETURNING account_id, id
            """,
            {**values, "_ids": ids, "_current_status": status},
        )
        return _grouped(cursor.fetchall())
