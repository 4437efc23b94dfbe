"""Writes for accounts, members and workspaces, including every write of a workspace's arrears status
(countdown, reminder, lock, unlock): the apps above (quota's night and arrears sweep) decide WHO, these
functions are the only ones that write the status columns, each as one set-based UPDATE."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core import days
from core.days import DEFAULT_TIME_ZONE, UnknownTimeZone, validate_time_zone
from core.exceptions import ApplicationError, Conflict, Locked
from core.parsing import parse_id
from plans.models import BillingItem, StoragePolicy
from workspaces.error_codes import WorkspaceErrorCode
from workspaces.models import (
    Account,
    Membership,
    Role,
    Workspace,
    WorkspacePlan,
    WorkspaceStatus,
    WorkspaceStoragePolicy,
)
from workspaces.signals import account_created


@transaction.atomic
def account_create(*, name: str, owner: User, time_zone: str = DEFAULT_TIME_ZONE) -> Account:
    """A new tenant with its owner; `account_created` is sent in the same transaction (payments opens the
    empty wallet on it, so workspaces never imports the apps above it)."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError("The account needs a name.", code=WorkspaceErrorCode.INVALID,
                               fields={"name": ["Required."]})
    try:
        validate_time_zone(time_zone)
    except UnknownTimeZone:
        raise ApplicationError(
            f"Unknown time zone {time_zone!r}.", code=WorkspaceErrorCode.INVALID,
            fields={"time_zone": ["Unknown time zone."]},
        ) from None
    account = Account.objects.create(name=name, time_zone=time_zone)
    Membership.objects.create(account=account, user=owner, role=Role.OWNER)
    account_created.send(sender=Account, account=account)
    return account


@transaction.atomic
def membership_set(*, account: Account, user: User, role: str) -> Membership:
    if role not in Role.values:
        raise ApplicationError(f"Unknown role {role!r}.", code=WorkspaceErrorCode.INVALID,
                               fields={"role": ["Unknown role."]})
    membership, _created = Membership.objects.update_or_create(account=account, user=user, defaults={"role": role})
    return membership


def require_account_not_in_arrears(*, account_id: int) -> None:
    """While any workspace of the account is locked for arrears, the account cannot buy packages, create
    workspaces or upgrade them to Commercial (423 `account_in_arrears`). Recharging and paying the arrears
    always remain possible; paying them unlocks the workspaces and lifts this at once."""
    if Workspace.objects.filter(account_id=account_id, status=WorkspaceStatus.LOCKED).exists():
        raise Locked(
            gettext("This account has workspaces locked for arrears. Recharge your cash balance to pay the "
                    "arrears: the workspaces are unlocked at once and this is possible again."),
            code=WorkspaceErrorCode.ACCOUNT_IN_ARREARS,
        )


def workspace_create(*, account: Account, name: str) -> Workspace:
    require_account_not_in_arrears(account_id=account.pk)
    name = (name or "").strip()
    if not name.isprintable():
        raise ApplicationError(
            "A workspace name cannot contain control characters.", code=WorkspaceErrorCode.INVALID,
            fields={"name": ["Control characters."]},
        )
    if not name or len(name) > 200:
        raise ApplicationError(
            "A workspace needs a name of 1 to 200 characters.", code=WorkspaceErrorCode.INVALID,
            fields={"name": ["1 to 200 characters."]},
        )
    try:
        with transaction.atomic():
            return Workspace.objects.create(account=account, name=name)
    except IntegrityError:
        raise Conflict(
            f"A workspace named {name!r} already exists in this account.",
            code=WorkspaceErrorCode.DUPLICATE_WORKSPACE,
            fields={"name": ["Already used."]},
        ) from None


@transaction.atomic
def workspace_upgrade_to_commercial(*, workspace: Workspace) -> Workspace:
    """Free to Commercial: from now on the workspace is billed and can be covered by a package."""
    workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
    if workspace.plan == WorkspacePlan.COMMERCIAL:
        raise Conflict("This workspace is already on the Commercial plan.", code=WorkspaceErrorCode.ALREADY_COMMERCIAL)
    require_account_not_in_arrears(account_id=workspace.account_id)
    workspace.plan = WorkspacePlan.COMMERCIAL
    workspace.commercial_since = timezone.now()
    workspace.save(update_fields=["plan", "commercial_since"])
    return workspace


# --- storage policies (a history; docs/RULES-quota.md "Storage policies") ------------------------------------


@dataclass(frozen=True, slots=True)
class StoragePolicyChange:
    """What a change did: `scheduled` (applies from `valid_from`), `cancelled` (the policy chosen is already
    in force: any pending change was dropped) or `unchanged` (already in force, nothing pending)."""

    outcome: str
    billing_item: BillingItem
    in_force: StoragePolicy
    pending: StoragePolicy | None
    valid_from: date | None


def storage_policy_resolve(*, item_code: Any, storage_policy_id: Any) -> tuple[BillingItem, StoragePolicy]:
    """The billing item and the policy a person or program named; ApplicationError (400) with the field
    otherwise. A policy of another item is refused like an unknown one."""
    item = BillingItem.objects.filter(code=item_code).first() if isinstance(item_code, str) and item_code else None
    if item is None:
        raise ApplicationError(
            f"Unknown billing item {item_code!r}.", code=WorkspaceErrorCode.UNKNOWN_BILLING_ITEM,
            fields={"item": ["Unknown billing item."]},
        )
    policy_id = parse_id(storage_policy_id)
    policy = StoragePolicy.objects.filter(pk=policy_id, billing_item=item).first() if policy_id else None
    if policy is None:
        raise ApplicationError(
            f"This storage policy is not one of {item.name}'s.", code=WorkspaceErrorCode.UNKNOWN_STORAGE_POLICY,
            fields={"storage_policy_id": [f"Choose one of {item.name}'s storage policies."]},
        )
    return item, policy


@transaction.atomic
def workspace_storage_policy_set(
    *, workspace: Workspace, billing_item: BillingItem, storage_policy: StoragePolicy, now: datetime | None = None
) -> StoragePolicyChange:
    """Choose the workspace's storage policy for an item. It applies from the account's next billing day (a
    day already begun keeps its policy, so no bill changes when re-run). A second change before then replaces
    the pending one; choosing the policy in force today cancels a pending change."""
    if storage_policy.billing_item_id != billing_item.pk:
        raise ApplicationError(
            f"This storage policy is not one of {billing_item.name}'s.",
            code=WorkspaceErrorCode.UNKNOWN_STORAGE_POLICY,
            fields={"storage_policy_id": [f"Choose one of {billing_item.name}'s storage policies."]},
        )
    workspace = Workspace.objects.select_for_update().select_related("account").get(pk=workspace.pk)
    if workspace.plan != WorkspacePlan.COMMERCIAL:
        raise Conflict(
            "A Free workspace is not billed: upgrade it to Commercial before choosing a storage policy.",
            code=WorkspaceErrorCode.FREE_WORKSPACE,
        )
    account = workspace.account
    today = days.account_today(account, now=now)
    start = days.next_billing_day(account, now=now)
    rows = WorkspaceStoragePolicy.objects.filter(workspace=workspace, billing_item=billing_item)
    current = rows.filter(valid_from__lte=today).order_by("-valid_from").first()
    in_force = current.storage_policy if current else billing_item.storage_policies.get(is_default=True)
    dropped, _by_model = rows.filter(valid_from__gt=today).delete()
    if storage_policy.pk == in_force.pk:
        outcome = "cancelled" if dropped else "unchanged"
        return StoragePolicyChange(outcome, billing_item, in_force, None, None)
    WorkspaceStoragePolicy.objects.create(
        workspace=workspace, billing_item=billing_item, storage_policy=storage_policy, valid_from=start
    )
    return StoragePolicyChange("scheduled", billing_item, in_force, storage_policy, start)


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
    workspace_ids: Iterable[int], values: dict[str, Any], *, status: str
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
