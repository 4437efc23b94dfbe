"""Checks every order and package write makes before it writes (no writes here). Pages' forms call the same
checks so a person sees the service's message next to their input."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, cast

from django.db.models import F, Q
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, Conflict, Unprocessable
from core.formatting import format_cny
from core.money import MAX_REQUEST_AMOUNT, ZERO
from orders.error_codes import OrdersErrorCode as Code
from orders.models import PackageStatus, PackageWorkspace
from plans import selectors as plan_selectors
from plans.models import Plan, TrafficPackage
from plans.selectors import Figures
from workspaces.models import Account, Capability, Membership, Workspace
from workspaces.services import require_account_not_in_arrears

MAX_WORKSPACES_PER_PACKAGE = 100
MAX_TRAFFIC_CAPACITY = 10**15

TrafficSpec = tuple[TrafficPackage, int]


def validate_plan(plan: Plan) -> None:
    if not isinstance(plan, Plan) or not plan.is_active:
        raise ApplicationError(
            _("This plan package is not on sale."), code=Code.PLAN_NOT_ON_SALE, fields={"plan": [_("Not on sale.")]}
        )


def validate_traffic(traffic: Iterable[TrafficSpec], figures: Figures | None = None) -> list[TrafficSpec]:
    """Each traffic package on sale once, with a capacity of at least the minimum in force in `figures`
    (the order's catalogue day; the vendor's today when not given) and a multiple of its basic unit."""
    figures = figures if figures is not None else plan_selectors.figures_on(plan_selectors.catalogue_today())
    result: list[TrafficSpec] = []
    seen: set[int] = set()
    for traffic_package, capacity in traffic:
        if not isinstance(traffic_package, TrafficPackage) or not traffic_package.is_active:
            raise ApplicationError(
                _("This traffic package is not on sale."), code=Code.TRAFFIC_NOT_ON_SALE,
                fields={"traffic": [_("Not on sale.")]},
            )
        name = str(traffic_package)
        if traffic_package.pk in seen:
            raise ApplicationError(
                _("The %(name)s traffic package is listed twice; give one capacity per traffic package.")
                % {"name": name},
                code=Code.DUPLICATE_TRAFFIC_PACKAGE, fields={"traffic": [_("Listed twice.")]},
            )
        seen.add(traffic_package.pk)
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity <= 0:
            raise ApplicationError(
                _("The capacity of %(name)s must be a positive whole number.") % {"name": name},
                code=Code.INVALID_CAPACITY, fields={"traffic": [_("Positive whole number.")]},
            )
        if capacity > MAX_TRAFFIC_CAPACITY:
            raise ApplicationError(
                _("The capacity of %(name)s is too large.") % {"name": name},
                code=Code.INVALID_CAPACITY, fields={"traffic": [_("Too large.")]},
            )
        version = figures.traffic(traffic_package.pk)
        if version is None:
            raise ApplicationError(
                _("This traffic package is not on sale."), code=Code.TRAFFIC_NOT_ON_SALE,
                fields={"traffic": [_("Not on sale.")]},
            )
        if capacity < version.minimum_capacity:
            raise ApplicationError(
                _("The %(name)s traffic package needs a daily capacity of at least %(minimum)s.")
                % {"name": name, "minimum": f"{version.minimum_capacity:,}"},
                code=Code.BELOW_MINIMUM_CAPACITY, fields={"traffic": [_("Below the minimum.")]},
            )
        if capacity % traffic_package.basic_unit:
            raise ApplicationError(
                _("The capacity of %(name)s must be a multiple of its basic unit %(unit)s.")
                % {"name": name, "unit": f"{traffic_package.basic_unit:,}"},
                code=Code.NOT_MULTIPLE_OF_BASIC_UNIT, fields={"traffic": [_("Not a multiple of the basic unit.")]},
            )
        result.append((traffic_package, capacity))
    return result


def current_rows_q(prefix: str = "") -> Q:
    """A package's current workspace rows: open, or (a renewed package's, closed on its end day so the
    renewal's rows can start the day after) valid until the package's end day while the package is live."""
    return Q(**{f"{prefix}valid_until__isnull": True}) | Q(
        **{f"{prefix}valid_until__gte": F(f"{prefix}package__ends_on"),
           f"{prefix}package__status__in": [PackageStatus.PENDING, PackageStatus.ACTIVE]}
    )


def covered_workspaces(workspace_ids: Sequence[int], *, except_package_id: int | None = None) -> list[str]:
    """Names of those workspaces that a package covers now (a current row), leaving out `except_package_id`
    (a renewal may keep the workspaces of the package it renews)."""
    rows = PackageWorkspace.objects.filter(current_rows_q(), workspace_id__in=workspace_ids)
    if except_package_id is not None:
        rows = rows.exclude(package_id=except_package_id)
    return sorted(set(rows.values_list("workspace__name", flat=True)))


def require_still_coverable(workspaces: Sequence[Workspace], *, except_package_id: int | None = None) -> None:
    """At payment time: every workspace of the order is still Commercial and no other package has covered it
    since the order was created (nothing is charged otherwise)."""
    for workspace in workspaces:
        if not workspace.is_commercial:
            raise ApplicationError(
                _("%(name)s is no longer on the Commercial plan.") % {"name": workspace.name},
                code=Code.WORKSPACE_NOT_COMMERCIAL,
            )
    covered = covered_workspaces([w.pk for w in workspaces], except_package_id=except_package_id)
    if covered:
        raise Conflict(
            _("Already covered by another package since this order was created: %(names)s. Nothing was charged; "
              "create a new order without them.") % {"names": ", ".join(covered)},
            code=Code.WORKSPACE_ALREADY_COVERED,
        )


def require_not_in_arrears(account: Account | int) -> None:
    """Buying (a purchase, a renewal, an upgrade, a traffic package) is refused while the account has a
    workspace locked for arrears; the rule lives in workspaces/services.py."""
    require_account_not_in_arrears(account_id=cast(int, getattr(account, "pk", account)))


def validate_workspaces(
    account: Account, workspaces: Sequence[Workspace], *, except_package_id: int | None = None
) -> list[Workspace]:
    workspaces = list(workspaces)
    if not workspaces:
        raise ApplicationError(
            _("Choose at least one commercial workspace for the package."),
            code=Code.NO_WORKSPACE, fields={"workspaces": [_("Choose at least one workspace.")]},
        )
    if len(workspaces) > MAX_WORKSPACES_PER_PACKAGE:
        raise ApplicationError(
            _("A package covers at most %(n)s workspaces.") % {"n": MAX_WORKSPACES_PER_PACKAGE},
            code=Code.TOO_MANY_WORKSPACES, fields={"workspaces": [_("Too many.")]},
        )
    ids = [ws.pk for ws in workspaces]
    if len(set(ids)) != len(ids):
        raise ApplicationError(
            _("Each workspace can appear only once in a package."),
            code=Code.DUPLICATE_WORKSPACE, fields={"workspaces": [_("Listed twice.")]},
        )
    for ws in workspaces:
        if not isinstance(ws, Workspace) or ws.account_id != account.pk:
            raise ApplicationError(
                _("Unknown workspace."), code=Code.UNKNOWN_WORKSPACE,
                fields={"workspaces": [_("Unknown workspace.")]},
            )
        if not ws.is_commercial:
            raise ApplicationError(
                _("%(name)s is on the Free plan; upgrade it to the Commercial plan before covering it with a "
                  "package.") % {"name": ws.name},
                code=Code.WORKSPACE_NOT_COMMERCIAL, fields={"workspaces": [_("On the Free plan.")]},
            )
    covered = covered_workspaces(ids, except_package_id=except_package_id)
    if covered:
        raise Conflict(
            _("Already covered by a package: %(names)s. A workspace can be in one package at a time.")
            % {"names": ", ".join(covered)},
            code=Code.WORKSPACE_ALREADY_COVERED, fields={"workspaces": [_("Already covered by a package.")]},
        )
    return workspaces


def check_total(total: Decimal) -> None:
    if total > MAX_REQUEST_AMOUNT:
        raise Unprocessable(
            _("The order total may not exceed %(max)s; split it into several orders.")
            % {"max": format_cny(MAX_REQUEST_AMOUNT)},
            code=Code.ORDER_TOO_LARGE,
        )
    if total <= ZERO:
        raise Unprocessable(_("The order total must be greater than zero."), code=Code.ORDER_TOTAL_ZERO)


def require_spend(account_id: int, actor: Any) -> None:
    user_pk: Any = getattr(actor, "pk", None)
    membership = Membership.objects.filter(account_id=account_id, user_id=user_pk).first()
    if membership is None or not membership.can(Capability.SPEND):
        raise ApplicationError(
            _("Only the account's owner can do this."), code=Code.PERMISSION_DENIED, status=403
        )
