"""Reads for orders and packages, scoped to an account (or to one workspace/package the caller already holds).

For the nightly deduction (quota app) a package applies to day D when its status is pending, active or
expired (never refunded) and starts_on <= D <= ends_on; on D it covers the workspaces of the
PackageWorkspace rows with valid_from <= D and (valid_until is null or valid_until >= D), in `position`
order; its plan is the PackagePlanPeriod with the latest valid_from <= D; its traffic packages are the
PackageTraffic rows with valid_from <= D <= valid_until. The night applies this rule in SQL
(quota/engine.py), the one place it is written as code."""

from __future__ import annotations

import datetime

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects

from orders.models import (
    AutoRenewAttempt,
    Order,
    OrderKind,
    OrderLine,
    OrderStatus,
    OrderWorkspace,
    Package,
    PackagePlanPeriod,
    PackageStatus,
    PackageTraffic,
    PackageWorkspace,
)
from orders.validation import current_rows_q
from workspaces.models import Account, Workspace, WorkspaceStatus


def order_list(*, account: Account, status: str | None = None, kind: str | None = None) -> QuerySet[Order]:
    queryset = (
        Order.objects.for_account(account)
        .select_related("plan", "package__plan", "previous_plan", "superseded_by")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("traffic_package__billing_item", "plan")),
            Prefetch("workspaces", queryset=OrderWorkspace.objects.select_related("workspace").order_by("position")),
        )
        .order_by("-created_at", "-id")
    )
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset


def unpaid_orders_naming(*, account: Account, workspace_ids: list[int], now: datetime.datetime) -> list[Order]:
    """The account's purchase orders still awaiting payment (not past their payment deadline) that name any of
    `workspace_ids`, newest first, each with `shared` (the names of those workspaces it names): the wizard
    warns before a second order for the same workspaces and offers to open the first (one query)."""
    if not workspace_ids:
        return []
    rows = (
        OrderWorkspace.objects.filter(
            order__account=account, order__kind=OrderKind.PURCHASE, order__status=OrderStatus.PENDING_PAYMENT,
            order__expires_at__gt=now, workspace_id__in=workspace_ids,
        )
        .select_related("order", "workspace")
        .order_by("-order__created_at", "-order_id", "position")
    )
    orders: dict[int, Order] = {}
    for row in rows:
        if row.order_id not in orders:
            orders[row.order_id] = row.order
            row.order.shared = []
        orders[row.order_id].shared.append(row.workspace.name)
    return list(orders.values())


def mark_payable(orders: list[Order], *, now: datetime.datetime) -> list[Order]:
    """Set `can_pay` on each order of a list: awaiting payment, before its deadline and, for a purchase, none
    of its workspaces covered by a package since (one query for the whole list). A page offers Pay only then."""
    waiting = [o.pk for o in orders if o.status == OrderStatus.PENDING_PAYMENT and o.expires_at > now]
    blocked: set[int] = set()
    if waiting:
        covered = PackageWorkspace.objects.filter(current_rows_q()).values("workspace_id")
        blocked = set(
            OrderWorkspace.objects.filter(order_id__in=waiting, order__kind=OrderKind.PURCHASE,
                                          workspace_id__in=covered).values_list("order_id", flat=True)
        )
    for order in orders:
        order.can_pay = order.pk in waiting and order.pk not in blocked
    return orders


def order_get(*, account: Account, order_id: int) -> Order | None:
    return order_list(account=account).filter(pk=order_id).first()


def order_prefetch_details(orders: list[Order]) -> None:
    """Fill the lines (with plan, plan version and traffic item) and the workspaces (in position order) of
    orders already in memory, as order_list prefetches them. A relation already cached on an order (by the
    service that just wrote it, or an earlier call) is not read again: a checkout answers from what it wrote."""
    prefetch_related_objects(
        orders,
        Prefetch("lines", queryset=OrderLine.objects.select_related("traffic_package__billing_item", "plan",
                                                                    "plan_version")),
        Prefetch("workspaces", queryset=OrderWorkspace.objects.select_related("workspace").order_by("position")),
    )


def package_list(*, account: Account) -> QuerySet[Package]:
    """Plan management: packages with their current plan, plan periods, workspaces (open rows, in order)
    and traffic packages, everything prefetched (constant query count)."""
    return (
        Package.objects.for_account(account)
        .select_related("plan")
        .prefetch_related(
            Prefetch("plan_periods", queryset=PackagePlanPeriod.objects.select_related("plan").order_by("valid_from")),
            Prefetch(
                "package_workspaces",
                queryset=PackageWorkspace.objects.select_related("workspace").order_by("valid_until", "position"),
            ),
            Prefetch(
                "traffic",
                queryset=PackageTraffic.objects.select_related("traffic_package__billing_item").order_by(
                    "valid_from", "id"
                ),
            ),
            Prefetch("renewals", queryset=Package.objects.exclude(status=PackageStatus.REFUNDED)
                     .select_related("plan").order_by("pk")),
        )
        .order_by("-starts_on", "-id")
    )


def live_packages(*, account: Account) -> QuerySet[Package]:
    return package_list(account=account).filter(status__in=[PackageStatus.PENDING, PackageStatus.ACTIVE])


def current_workspaces(package: Package) -> list[PackageWorkspace]:
    """The package's current workspace rows in order: open, or, once renewed, closed on its end day (uses the
    prefetch of package_list)."""
    rows = [row for row in package.package_workspaces.all()
            if row.valid_until is None or row.valid_until >= package.ends_on]
    return sorted(rows, key=lambda row: row.position)


def workspace_coverage(*, account: Account, workspace: Workspace, today: datetime.date) -> list[PackageWorkspace]:
    """The rows of the live (pending or active) packages that cover `workspace` today or later, in time order."""
    return list(
        PackageWorkspace.objects.filter(
            package__account=account, workspace=workspace,
            package__status__in=[PackageStatus.PENDING, PackageStatus.ACTIVE],
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("package", "package__plan")
        .order_by("valid_from", "package_id")
    )


def renewal_of_package(package: Package) -> Package | None:
    """The package's renewal (not refunded), from the prefetch of package_list."""
    return next(iter(package.renewals.all()), None)


def package_chains(entries: list[dict]) -> list[list[dict]]:
    """Plan management's timelines: each package with its renewals (and theirs), oldest first, as one chain;
    the chains newest purchase first. `entries` are dicts with the package as "obj" (no query: renewal_of_id
    is on the rows; a refunded renewal stands alone)."""
    by_id = {entry["obj"].pk: entry for entry in entries}

    def parent(entry: dict) -> dict | None:
        package = entry["obj"]
        if package.status == PackageStatus.REFUNDED:
            return None
        return by_id.get(package.renewal_of_id) if package.renewal_of_id else None

    chains: dict[int, list[dict]] = {}
    for entry in entries:
        root = entry
        while (up := parent(root)) is not None:
            root = up
        chains.setdefault(root["obj"].pk, []).append(entry)
    ordered = [sorted(chain, key=lambda e: (e["obj"].starts_on, e["obj"].pk)) for chain in chains.values()]
    return sorted(ordered, key=lambda chain: (chain[0]["obj"].starts_on, chain[0]["obj"].pk), reverse=True)


def failed_auto_renewals(*, account: Account, packages: list[Package]) -> dict[int, AutoRenewAttempt]:
    """The latest automatic renewal attempt of each of the account's `packages` when it failed (one query):
    plan management shows it with the shortfall until the package is renewed."""
    latest: dict[int, AutoRenewAttempt] = {}
    attempts = AutoRenewAttempt.objects.filter(package__account=account, package__in=[p.pk for p in packages])
    for attempt in attempts.order_by("package_id", "day"):
        latest[attempt.package_id] = attempt
    return {pk: attempt for pk, attempt in latest.items() if not attempt.succeeded}


def coverable_workspaces(*, account: Account) -> QuerySet[Workspace]:
    """Commercial workspaces of the account that no package covers now (open rows)."""
    covered = PackageWorkspace.objects.filter(current_rows_q()).values("workspace_id")
    return Workspace.objects.for_account(account).commercial().exclude(pk__in=covered).order_by("name", "id")


def account_has_locked_workspaces(*, account: Account) -> bool:
    """Buying is blocked while this is true (workspaces.services.require_account_not_in_arrears)."""
    return Workspace.objects.for_account(account).filter(status=WorkspaceStatus.LOCKED).exists()


def packages_ended_unrenewed(*, account: Account, today, within_days: int = 30) -> list[Package]:
    """Packages that ended in the last `within_days` days without a renewal and none of whose workspaces a
    live package covers now: their workspaces are billed pay-as-you-go (the banner offers renewal)."""
    since = today - datetime.timedelta(days=within_days)
    renewed = Package.objects.filter(renewal_of=OuterRef("pk")).exclude(status=PackageStatus.REFUNDED)
    packages = list(
        Package.objects.for_account(account).select_related("plan")
        .filter(status=PackageStatus.EXPIRED, ends_on__gte=since, ends_on__lt=today).exclude(Exists(renewed))
        .order_by("-ends_on", "-pk")[:5]
    )
    if not packages:
        return []
    covered = set(PackageWorkspace.objects.filter(current_rows_q(), package__account=account)
                  .values_list("workspace_id", flat=True))
    last_rows: dict[int, set[int]] = {}
    for package_id, workspace_id in PackageWorkspace.objects.filter(
        package__in=packages, valid_until=F("package__ends_on")
    ).values_list("package_id", "workspace_id"):
        last_rows.setdefault(package_id, set()).add(workspace_id)
    return [p for p in packages if not last_rows.get(p.pk) or not last_rows[p.pk] <= covered]
