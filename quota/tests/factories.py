"""Factories of the quota tests: packages built directly on the orders models (plan periods, workspaces in
order, traffic), usage rows, and wallet funding through the payments app's ledger helpers."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from orders.models import (
    Order,
    OrderKind,
    OrderStatus,
    Package,
    PackagePlanPeriod,
    PackageStatus,
    PackageTraffic,
    PackageWorkspace,
)
from payments.tests.factories import fund_cash, give_card, give_voucher  # noqa: F401  (re-exported)
from plans.models import BillingItem, Plan, StoragePolicy, TrafficPackage
from plans.selectors import figures_on
from plans.tests.factories import plan_version
from quota.models import UsageRecord
from tests.factories import UserFactory
from workspaces.models import WorkspaceStoragePolicy

_numbers = itertools.count(1)


def item(code: str) -> BillingItem:
    return BillingItem.objects.get(code=code)


def plan(code: str = "startup") -> Plan:
    return Plan.objects.get(code=code)


def _order(account, *, kind=OrderKind.PURCHASE, plan_obj=None, package=None) -> Order:
    user = UserFactory()
    return Order.objects.create(
        account=account, number=f"QT{next(_numbers):08d}", kind=kind, status=OrderStatus.PENDING_PAYMENT,
        catalogue_day=timezone.localdate(),
        plan=plan_obj, package=package, total=Decimal("1.00"), created_by=user,
        expires_at=timezone.now() + timedelta(days=1),
    )


def package(
    account, workspaces, *, plan_code: str = "startup", starts_on: date, ends_on: date | None = None,
    status: str = PackageStatus.ACTIVE, sold_on: date | None = None,
) -> Package:
    """An active package covering `workspaces` in that order from `starts_on`, sold on `sold_on` (default the
    day before it starts) with the catalogue figures of that day."""
    plan_obj = plan(plan_code)
    sold_on = sold_on or starts_on - timedelta(days=1)
    version = figures_on(sold_on).plan(plan_obj.pk)
    pkg = Package.objects.create(
        account=account, plan=plan_obj, plan_version=version, catalogue_day=sold_on, status=status,
        starts_on=starts_on, ends_on=ends_on or starts_on + timedelta(days=364),
    )
    order = _order(account, plan_obj=plan_obj)
    Order.objects.filter(pk=order.pk).update(package=pkg)
    PackagePlanPeriod.objects.create(
        package=pkg, plan=plan_obj, plan_version=version, valid_from=starts_on, order=order
    )
    for position, ws in enumerate(workspaces, start=1):
        PackageWorkspace.objects.create(package=pkg, workspace=ws, position=position, valid_from=starts_on)
    return pkg


def set_capacity(pkg: Package, item_code: str, capacity: int) -> None:
    """Give the package's plan an exact capacity for one item (tests only: a private copy of the plan with a
    version as old as the catalogue's first)."""
    base = pkg.plan_version
    rank = Plan.objects.order_by("-rank").values_list("rank", flat=True).first() + 1
    copy = Plan.objects.create(code=f"t{next(_numbers)}", name=f"Test {pkg.plan.name}", rank=rank)
    caps = {c.billing_item.code: c.daily_capacity for c in base.capacities.all()}
    version = plan_version(copy, date(2000, 1, 1), price=base.price, capacities={**caps, item_code: capacity})
    Package.objects.filter(pk=pkg.pk).update(plan=copy, plan_version=version)
    PackagePlanPeriod.objects.filter(package=pkg).update(plan=copy, plan_version=version)
    pkg.refresh_from_db()


def upgrade(pkg: Package, plan_code: str, valid_from: date) -> None:
    """An upgrade bought the day before `valid_from`, with the plan version in force that day."""
    plan_obj = plan(plan_code)
    version = figures_on(valid_from - timedelta(days=1)).plan(plan_obj.pk)
    order = _order(pkg.account, kind=OrderKind.UPGRADE, plan_obj=plan_obj, package=pkg)
    PackagePlanPeriod.objects.create(
        package=pkg, plan=plan_obj, plan_version=version, valid_from=valid_from, order=order
    )


def add_traffic(pkg: Package, item_code: str, capacity: int, valid_from: date) -> PackageTraffic:
    order = _order(pkg.account, kind=OrderKind.TRAFFIC, package=pkg)
    return PackageTraffic.objects.create(
        package=pkg, traffic_package=TrafficPackage.objects.get(billing_item__code=item_code), capacity=capacity,
        valid_from=valid_from, valid_until=pkg.ends_on, order=order,
    )


def reorder(pkg: Package, workspaces, valid_from: date) -> None:
    """A new workspace order from `valid_from` (the old rows end the day before)."""
    PackageWorkspace.objects.filter(package=pkg, valid_until__isnull=True).update(
        valid_until=valid_from - timedelta(days=1)
    )
    for position, ws in enumerate(workspaces, start=1):
        PackageWorkspace.objects.create(package=pkg, workspace=ws, position=position, valid_from=valid_from)


def policy(workspace, item_code: str, retention_days: int | None, valid_from: date = date(2000, 1, 1)) -> StoragePolicy:
    """The workspace's storage policy for the item from `valid_from` (default: since long ago)."""
    sp = StoragePolicy.objects.get(billing_item__code=item_code, retention_days=retention_days)
    WorkspaceStoragePolicy.objects.update_or_create(
        workspace=workspace, billing_item=sp.billing_item, valid_from=valid_from, defaults={"storage_policy": sp}
    )
    return sp


def usage(workspace, item_code: str, day: date, quantity: int) -> UsageRecord:
    record, _created = UsageRecord.objects.update_or_create(
        workspace=workspace, billing_item=item(item_code), day=day,
        defaults={"account_id": workspace.account_id, "quantity": quantity},
    )
    return record
