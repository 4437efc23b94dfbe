"""Reads for accounts and workspaces, always scoped to an account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import QuerySet

from core import days
from plans.models import BillingItem, StoragePolicy
from plans.selectors import billing_item_list
from workspaces.models import Account, Membership, Workspace, WorkspaceStoragePolicy


def memberships_of(*, user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("account").order_by("account_id")


def workspace_list(*, account: Account) -> QuerySet[Workspace]:
    return Workspace.objects.for_account(account).order_by("id")


# --- storage policies: a history per (workspace, billing item) -------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicyOption:
    """A storage policy with its catalogue figures on the day a change would apply, and its PAYG price minus
    that of the policy in force (per pricing unit per day)."""

    policy: StoragePolicy
    price: Decimal | None
    conversion_factor: int | None
    difference: Decimal | None

    @property
    def id(self) -> int:
        return self.policy.pk

    @property
    def retention_days(self) -> int | None:
        return self.policy.retention_days

    @property
    def is_default(self) -> bool:
        return self.policy.is_default


@dataclass(frozen=True, slots=True)
class ItemPolicies:
    """One billing item of a workspace: its policies, the one in force today, any pending change."""

    item: BillingItem
    options: list[PolicyOption]
    in_force: PolicyOption
    pending: PolicyOption | None
    pending_from: date | None

    def option(self, policy: StoragePolicy) -> PolicyOption | None:
        return next((o for o in self.options if o.policy.pk == policy.pk), None)


def storage_policy_in_force(
    history: list[WorkspaceStoragePolicy], item: BillingItem, day: date
) -> StoragePolicy:
    """THE rule (Python side, for pages and the API; the night's SQL says the same in quota.engine): the row
    with the greatest valid_from <= day, else the item's default policy. `history` is sorted by valid_from;
    `item` has its storage_policies prefetched."""
    chosen = None
    for row in history:
        if row.billing_item_id == item.pk and row.valid_from <= day:
            chosen = row
    policies = list(item.storage_policies.all())
    if chosen is not None:
        return next(p for p in policies if p.pk == chosen.storage_policy_id)
    return next(p for p in policies if p.is_default)


def workspace_storage_policies(
    *, account: Account, workspace: Workspace, now: datetime | None = None
) -> list[ItemPolicies]:
    """The workspace's billing items that have more than one storage policy: the policy in force today
    (account's day), any pending change, and each option's figures on the next billing day (when a change
    would apply). A constant number of queries whatever the size."""
    today = days.account_today(account, now=now)
    start = days.next_billing_day(account, now=now)
    history = list(
        WorkspaceStoragePolicy.objects.for_account(account).filter(workspace=workspace).order_by("valid_from", "pk")
    )
    result = []
    for item in billing_item_list(day=start):
        if len(item.storage_policies.all()) < 2:
            continue
        in_force = storage_policy_in_force(history, item, today)
        figures = {p.pk: p.figures for p in item.policies}
        base = figures.get(in_force.pk)

        def option(policy: StoragePolicy, figures=figures, base=base) -> PolicyOption:
            current = figures.get(policy.pk)
            price = current.price if current is not None else None
            difference = price - base.price if price is not None and base is not None else None
            return PolicyOption(policy, price, current.conversion_factor if current else None, difference)

        pending_rows = [r for r in history if r.billing_item_id == item.pk and r.valid_from > today]
        pending = pending_rows[-1] if pending_rows else None
        by_id = {p.pk: p for p in item.storage_policies.all()}
        result.append(
            ItemPolicies(
                item=item,
                options=[option(p) for p in sorted(item.policies, key=lambda p: (p.retention_days or 0, p.pk))],
                in_force=option(in_force),
                pending=option(by_id[pending.storage_policy_id]) if pending else None,
                pending_from=pending.valid_from if pending else None,
            )
        )
    return result

