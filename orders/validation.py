"""Checks every order and package write makes before it writes (no writes here). Pages' forms call the same
checks so a person sees the service's message next to their input."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, Conflict, Unprocessable
from core.money import MAX_REQUEST_AMOUNT, ZERO, format_cny
from orders.error_codes import OrdersErrorCode as Code
from orders.models import PackageWorkspace
from plans.models import Plan, TrafficPackage
from workspaces.models import Account, Capability, Membership, Workspace

MAX_WORKSPACES_PER_PACKAGE = 100
MAX_TRAFFIC_CAPACITY = 10**15

TrafficSpec = tuple[TrafficPackage, int]


def validate_plan(plan: Plan) -> None:
    if not isinstance(plan, Plan) or not plan.is_active:
        raise ApplicationError(
            _("This plan package is not on sale."), code=Code.PLAN_NOT_ON_SALE, fields={"plan": [_("Not on sale.")]}
        )


def validate_traffic(traffic: Iterable[TrafficSpec]) -> list[TrafficSpec]:
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
        if capacity < traffic_package.minimum_capacity:
            raise ApplicationError(
                _("The %(name)s traffic package needs a daily capacity of at least %(minimum)s.")
                % {"name": name, "minimum": f"{traffic_package.minimum_capacity:,}"},
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


def covered_workspaces(workspace_ids: Sequence[int]) -> list[str]:
    """Names of those workspaces that a package covers now (an open row)."""
    rows = PackageWorkspace.objects.filter(workspace_id__in=workspace_ids, valid_until__isnull=True)
    return sorted(rows.values_list("workspace__name", flat=True))


def validate_workspaces(account: Account, workspaces: Sequence[Workspace]) -> list[Workspace]:
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
    covered = covered_workspaces(ids)
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
    membership = Membership.objects.filter(account_id=account_id, user_id=getattr(actor, "pk", None)).first()
    if membership is None or not membership.can(Capability.SPEND):
        raise ApplicationError(
            _("Only the account's owner can do this."), code=Code.PERMISSION_DENIED, status=403
        )
