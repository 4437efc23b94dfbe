"""Renewals: a package continued by a new package that starts the day after it ends (no day in between).

A renewal is an order of kind `renewal`, priced like a purchase (the plan's price for its whole validity and
traffic packages for that validity), created unpaid and paid at the cashier like any order
(orders/payment.py calls `apply_renewal`). It names the package it renews (`Order.renewal_of`); when paid, it
creates the new package (`Package.renewal_of`) from old.ends_on + 1 for the plan's validity days, with the
workspaces in the order chosen (by default the old package's current order) and the traffic packages chosen.
The plan is the same or a bigger one (rank >=). A package is renewed at most once (a refunded renewal no
longer counts), before its end day has passed.

The old package's open workspace rows are closed on its end day when the renewal is paid, so the renewal's
rows can start the day after: a workspace is in at most one package on any day (orders.models)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.days import account_today
from core.exceptions import ApplicationError, Conflict
from core.money import quantize
from orders.error_codes import OrdersErrorCode as Code
from orders.locks import lock_package
from orders.models import (
    Order,
    OrderKind,
    OrderLine,
    OrderLineKind,
    OrderWorkspace,
    Package,
    PackagePlanPeriod,
    PackageStatus,
    PackageTraffic,
    PackageWorkspace,
)
from orders.pricing import (
    LIVE_PACKAGE_STATUSES,
    order_figures,
    plan_version_on_sale,
    sold_plan_version,
    traffic_price,
)
from orders.purchase import _finish_order, _new_order, _traffic_lines
from orders.validation import (
    TrafficSpec,
    current_rows_q,
    require_not_in_arrears,
    require_spend,
    require_still_coverable,
    validate_plan,
    validate_traffic,
    validate_workspaces,
)
from plans import selectors as plan_selectors
from plans.models import Plan, TrafficPackage
from workspaces.models import Workspace

ONE_DAY = datetime.timedelta(days=1)


def renewal_dates(package: Package, plan: Plan) -> tuple[datetime.date, datetime.date]:
    """The renewal of `package` to `plan` runs from the day after its end for the plan's validity days."""
    starts_on = package.ends_on + ONE_DAY
    return starts_on, package.ends_on + datetime.timedelta(days=plan.validity_days)


def existing_renewal(package: Package) -> Package | None:
    """The package's renewal (pending or active), if it has one."""
    return Package.objects.filter(renewal_of=package).exclude(status=PackageStatus.REFUNDED).first()


def renewable_plans(package: Package) -> list[Plan]:
    """The plans on sale on the account's today (the day a renewal order is priced) a package can be renewed
    to: its own plan or a bigger one."""
    day = account_today(package.account)
    return [plan for plan in plan_selectors.plan_list(day=day) if plan.rank >= package.plan.rank]


def current_workspaces_in_order(package: Package) -> list[Workspace]:
    rows = PackageWorkspace.objects.filter(current_rows_q(), package=package).select_related("workspace")
    return [row.workspace for row in rows.order_by("position", "pk")]


def traffic_at_end(package: Package) -> list[TrafficSpec]:
    """The traffic packages in force on the package's last day (one capacity per traffic package, summed),
    the ones an automatic renewal keeps."""
    totals: dict[int, int] = {}
    for row in PackageTraffic.objects.filter(package=package, valid_until__gte=package.ends_on):
        totals[row.traffic_package_id] = totals.get(row.traffic_package_id, 0) + row.capacity
    packages = TrafficPackage.objects.select_related("billing_item").in_bulk(
        list(totals)
    )
    return [(packages[tp_id], capacity) for tp_id, capacity in sorted(totals.items()) if tp_id in packages]


def check_renewable(package: Package, *, today: datetime.date | None = None) -> None:
    """A Conflict when `package` cannot be renewed now (ended, refunded, or renewed already)."""
    today = today or account_today(package.account)
    if package.status not in LIVE_PACKAGE_STATUSES or package.ends_on < today:
        raise Conflict(
            _("This package has ended; buy a new package instead of renewing it."), code=Code.PACKAGE_ENDED
        )
    if existing_renewal(package) is not None:
        raise Conflict(_("This package is already renewed."), code=Code.ALREADY_RENEWED)


def check_renewal_plan(package: Package, plan: Plan) -> None:
    validate_plan(plan)
    if plan.rank < package.plan.rank:
        raise ApplicationError(
            _("A package is renewed to the same plan or a bigger one; %(plan)s is smaller than %(current)s.")
            % {"plan": str(plan), "current": str(package.plan)},
            code=Code.RENEWAL_PLAN_SMALLER, fields={"plan": [_("Choose the same plan or a bigger one.")]},
        )


@transaction.atomic
def order_create_renewal(
    *,
    package: Package,
    plan: Plan | None = None,
    workspaces: Sequence[Workspace] | None = None,
    traffic: Iterable[TrafficSpec] | None = None,
    keep_traffic: bool = False,
    actor: Any,
) -> Order:
    """An unpaid renewal order of `package` to `plan` (same or bigger; default: its plan) covering `workspaces`
    in that order (default: its current workspaces in order), with traffic packages for the renewal's whole
    validity (default: none, or with `keep_traffic` those in force on its last day). Paid at the cashier."""
    package = Package.objects.select_related("plan", "account").get(pk=package.pk)
    plan = plan if plan is not None else package.plan
    if workspaces is None:
        workspaces = current_workspaces_in_order(package)
    if traffic is None:
        traffic = traffic_at_end(package) if keep_traffic else []
    require_not_in_arrears(package.account)
    check_renewable(package)
    check_renewal_plan(package, plan)
    figures = order_figures(package.account)
    version = plan_version_on_sale(plan, figures)
    traffic = validate_traffic(traffic, figures)
    workspaces = validate_workspaces(package.account, workspaces, except_package_id=package.pk)
    starts_on, _ends_on = renewal_dates(package, plan)
    priced = [traffic_price(tp, capacity, plan.validity_days, figures) for tp, capacity in traffic]
    order = _new_order(
        account=package.account, kind=OrderKind.RENEWAL, actor=actor, plan=plan, renewal_of=package,
        effective_on=starts_on, catalogue_day=figures.day,
    )
    lines = [
        OrderLine(
            order=order, kind=OrderLineKind.PLAN,
            description=_("Renewal: %(plan)s, %(days)s days from %(day)s")
            % {"plan": str(plan), "days": plan.validity_days, "day": starts_on.isoformat()},
            plan=plan, plan_version=version, days=plan.validity_days, unit_price=version.price,
            amount=quantize(version.price),
        ),
        *_traffic_lines(order, priced),
    ]
    _finish_order(order, lines)
    OrderWorkspace.objects.bulk_create(
        [OrderWorkspace(order=order, workspace=ws, position=i) for i, ws in enumerate(workspaces, start=1)]
    )
    return order


def apply_renewal(order: Order, today: datetime.date) -> Package:
    """Paying a renewal order (inside order_pay's transaction, wallet locked): check again, close the old
    package's open rows on its end day, create the renewal with its workspaces and traffic."""
    old = lock_package(cast(int, order.renewal_of_id), related=("plan", "account"))  # a renewal order has both
    check_renewable(old, today=today)
    plan = cast(Plan, order.plan)
    if plan.rank < old.plan.rank:
        raise Conflict(
            _("The package's plan changed since this renewal was priced. Create a new order."), code=Code.ORDER_STALE
        )
    ordered = list(order.workspaces.select_related("workspace").order_by("position"))
    require_still_coverable([row.workspace for row in ordered], except_package_id=old.pk)
    starts_on, ends_on = renewal_dates(old, plan)
    PackageWorkspace.objects.filter(package=old, valid_until__isnull=True).update(valid_until=old.ends_on)
    version = sold_plan_version(order)
    renewal = Package.objects.create(
        account_id=old.account_id, plan=plan, plan_version=version, catalogue_day=order.catalogue_day,
        status=PackageStatus.PENDING, starts_on=starts_on, ends_on=ends_on, renewal_of=old,
        auto_renew=old.auto_renew,
    )
    PackagePlanPeriod.objects.create(package=renewal, plan=plan, plan_version=version, valid_from=starts_on,
                                     order=order)
    try:
        with transaction.atomic():
            PackageWorkspace.objects.bulk_create(
                [PackageWorkspace(package=renewal, workspace_id=row.workspace_id, position=row.position,
                                  valid_from=starts_on) for row in ordered]
            )
    except IntegrityError:
        raise Conflict(
            _("One of the workspaces was just covered by another package. Nothing was charged."),
            code=Code.WORKSPACE_ALREADY_COVERED,
        ) from None
    PackageTraffic.objects.bulk_create(
        [
            # a traffic line has its traffic package and capacity
            PackageTraffic(package=renewal, traffic_package_id=cast(int, line.traffic_package_id),
                           capacity=cast(int, line.capacity), valid_from=starts_on, valid_until=ends_on, order=order)
            for line in order.lines.filter(kind=OrderLineKind.TRAFFIC)
        ]
    )
    return renewal


@transaction.atomic
def package_set_auto_renew(*, package: Package, enabled: bool, actor: Any) -> Package:
    """The owner opts a live package in or out of automatic renewal (charged from the wallet
    FinanceSettings.auto_renew_days_before days before its end)."""
    package = lock_package(package.pk, related=("account", "plan"))
    require_spend(package.account_id, actor)
    if enabled and (package.status not in LIVE_PACKAGE_STATUSES
                    or package.ends_on < account_today(package.account)):
        raise Conflict(_("This package has ended; it cannot renew any more."), code=Code.PACKAGE_ENDED)
    if package.auto_renew != bool(enabled):
        package.auto_renew = bool(enabled)
        package.save(update_fields=["auto_renew"])
    return package
