"""Reads for orders and packages, scoped to an account (or to one workspace/package the caller already holds).

For the nightly deduction (quota app) a package applies to day D when its status is pending, active or
expired (never refunded) and starts_on <= D <= ends_on; on D it covers the workspaces of the
PackageWorkspace rows with valid_from <= D and (valid_until is null or valid_until >= D), in `position`
order; its plan is the PackagePlanPeriod with the latest valid_from <= D; its traffic packages are the
PackageTraffic rows with valid_from <= D <= valid_until. The night applies this rule in SQL
(quota/engine.py), the one place it is written as code."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from orders.models import (
    Order,
    OrderLine,
    OrderWorkspace,
    Package,
    PackagePlanPeriod,
    PackageStatus,
    PackageTraffic,
    PackageWorkspace,
)
from workspaces.models import Account, Workspace


def order_list(*, account: Account, status: str | None = None, kind: str | None = None) -> QuerySet[Order]:
    queryset = (
        Order.objects.for_account(account)
        .select_related("plan", "package__plan")
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


def order_get(*, account: Account, order_id: int) -> Order | None:
    return order_list(account=account).filter(pk=order_id).first()


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
        )
        .order_by("-starts_on", "-id")
    )


def live_packages(*, account: Account) -> QuerySet[Package]:
    return package_list(account=account).filter(status__in=[PackageStatus.PENDING, PackageStatus.ACTIVE])


def current_workspaces(package: Package) -> list[PackageWorkspace]:
    """The package's open workspace rows in order (uses the prefetch of package_list)."""
    rows = [row for row in package.package_workspaces.all() if row.valid_until is None]
    return sorted(rows, key=lambda row: row.position)


def coverable_workspaces(*, account: Account) -> QuerySet[Workspace]:
    """Commercial workspaces of the account that no package covers now (open rows)."""
    covered = PackageWorkspace.objects.filter(valid_until__isnull=True).values("workspace_id")
    return Workspace.objects.for_account(account).commercial().exclude(pk__in=covered).order_by("name", "id")
