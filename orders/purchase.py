"""Creating unpaid orders: a purchase (a new package), an upgrade or added traffic (a change to a live
package). Prices come from orders/pricing.py; the order is paid at the cashier (orders/payment.py)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.days import account_today
from core.exceptions import ApplicationError, Conflict, Unprocessable
from core.models import FinanceSettings
from core.money import ZERO, quantize
from orders.error_codes import OrdersErrorCode as Code
from orders.models import Order, OrderKind, OrderLine, OrderLineKind, OrderWorkspace, Package
from orders.pricing import (
    LIVE_PACKAGE_STATUSES,
    TrafficPrice,
    change_window,
    order_figures,
    paid_plan_price,
    plan_version_on_sale,
    traffic_price,
    upgrade_option,
)
from orders.validation import (
    TrafficSpec,
    check_total,
    require_not_in_arrears,
    validate_plan,
    validate_traffic,
    validate_workspaces,
)
from plans.models import Plan
from workspaces.models import Account, Workspace


def _expires_at(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(minutes=FinanceSettings.load().order_payment_minutes)


def _new_order(*, account: Account, kind: str, actor: Any, **fields: Any) -> Order:
    """The order in memory, with its id and number (FC<day>-<id>) already drawn; _finish_order writes it with
    its lines once they are priced, in one INSERT. `catalogue_day`: the day whose figures priced the order
    (default: the account's today)."""
    now = timezone.now()
    today = account_today(account, now=now)
    fields.setdefault("catalogue_day", today)
    pk = _next_order_id()
    return Order(
        pk=pk, account=account, kind=kind, number=f"FC{today:%Y%m%d}-{pk:06d}", created_by=actor,
        expires_at=_expires_at(now), total=ZERO, **fields,
    )


def _next_order_id() -> int:
    """The next id of the orders table's own sequence (the number shows it, so it is known before the INSERT)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Order._meta.db_table])
        return int(cursor.fetchone()[0])


def _traffic_lines(order: Order, priced: list[TrafficPrice]) -> list[OrderLine]:
    return [
        OrderLine(
            order=order, kind=OrderLineKind.TRAFFIC,
            description=_("Traffic package %(name)s: %(capacity)s per day for %(days)s days")
            % {"name": p.traffic_package, "capacity": f"{p.capacity:,}", "days": p.days},
            traffic_package=p.traffic_package, traffic_version=p.version, capacity=p.capacity, days=p.days,
            unit_price=p.unit_price,
            discount_percent=p.discount_percent, amount=p.amount,
        )
        for p in priced
    ]


def _finish_order(order: Order, lines: list[OrderLine]) -> Order:
    order.total = quantize(sum((line.amount for line in lines), ZERO))
    check_total(order.total)
    for line in lines:
        if line.amount <= ZERO:
            raise Unprocessable(_("%(line)s would cost nothing.") % {"line": line.description}, code=Code.LINE_ZERO)
    order.save(force_insert=True)
    OrderLine.objects.bulk_create(lines)
    return order


def _keep_written(order: Order, *, lines: list[OrderLine], workspaces: list[OrderWorkspace]) -> None:
    """Cache what was just written on the order as orders.selectors.order_prefetch_details would read it, so
    the answer to the request is serialised without reading those rows back."""
    cache: dict[str, QuerySet[Any]] = {}
    for name, model, rows in (("lines", OrderLine, lines), ("workspaces", OrderWorkspace, workspaces)):
        queryset: QuerySet[Any] = model.objects.filter(order=order)  # as Django's prefetch stores it
        # Django's private prefetch state (filter() would read again): not in the stubs
        queryset._result_cache, queryset._prefetch_done = list(rows), True  # type: ignore[attr-defined]
        cache[name] = queryset
    order._prefetched_objects_cache = cache  # type: ignore[attr-defined]  # Django's private prefetch cache


@transaction.atomic
def order_create_purchase(
    *,
    account: Account,
    plan: Plan,
    workspaces: Sequence[Workspace],
    traffic: Iterable[TrafficSpec] = (),
    actor: Any,
) -> Order:
    """An unpaid purchase order for `plan` covering `workspaces` in that order (first consumes first), with
    optional traffic packages for the whole validity. The package is created when the order is paid."""
    return create_purchase(account=account, plan=plan, workspaces=workspaces, traffic=traffic, actor=actor)


def create_purchase(
    *, account: Account, plan: Plan, workspaces: Sequence[Workspace], traffic: Iterable[TrafficSpec], actor: Any
) -> Order:
    """order_create_purchase inside the caller's transaction (orders.payment.order_checkout)."""
    require_not_in_arrears(account)
    validate_plan(plan)
    figures = order_figures(account)
    version = plan_version_on_sale(plan, figures)
    traffic = validate_traffic(traffic, figures)
    workspaces = validate_workspaces(account, workspaces)
    priced = [traffic_price(tp, capacity, plan.validity_days, figures) for tp, capacity in traffic]
    order = _new_order(account=account, kind=OrderKind.PURCHASE, actor=actor, plan=plan, catalogue_day=figures.day)
    lines = [
        OrderLine(
            order=order, kind=OrderLineKind.PLAN,
            description=_("%(plan)s, %(days)s days") % {"plan": str(plan), "days": plan.validity_days},
            plan=plan, plan_version=version, days=plan.validity_days, unit_price=version.price,
            amount=quantize(version.price),
        ),
        *_traffic_lines(order, priced),
    ]
    _finish_order(order, lines)
    rows = [OrderWorkspace(order=order, workspace=ws, position=i) for i, ws in enumerate(workspaces, start=1)]
    OrderWorkspace.objects.bulk_create(rows)
    _keep_written(order, lines=lines, workspaces=rows)
    return order


@transaction.atomic
def order_create_upgrade(*, package: Package, target_plan: Plan, actor: Any) -> Order:
    """An unpaid order upgrading `package` to a bigger plan from the next billing day; same end date;
    priced (new plan's price today - price paid for the current plan) x remaining days / total days."""
    validate_plan(target_plan)
    package = Package.objects.select_related("plan", "plan_version", "account").get(pk=package.pk)
    require_not_in_arrears(package.account)
    window = change_window(package)
    current = package.plan
    if target_plan.rank <= current.rank:
        raise ApplicationError(
            _("%(target)s is not bigger than the current %(current)s; a package can only be upgraded.")
            % {"target": str(target_plan), "current": str(current)},
            code=Code.NOT_AN_UPGRADE, fields={"plan": [_("Choose a bigger package.")]},
        )
    figures = order_figures(package.account)
    option = upgrade_option(package, target_plan, window, figures)
    current_price = paid_plan_price(package)
    order = _new_order(
        account=package.account, kind=OrderKind.UPGRADE, actor=actor, plan=target_plan, package=package,
        effective_on=window.effective, previous_plan=current, catalogue_day=figures.day,
    )
    line = OrderLine(
        order=order, kind=OrderLineKind.UPGRADE,
        description=_("Upgrade %(old)s to %(new)s from %(day)s: %(remaining)s of %(total)s days")
        % {"old": str(current), "new": str(target_plan), "day": window.effective.isoformat(),
           "remaining": window.remaining_days, "total": window.total_days},
        plan=target_plan, plan_version=option.version, days=window.remaining_days,
        unit_price=option.version.price - current_price, amount=option.price,
    )
    _finish_order(order, [line])
    _keep_written(order, lines=[line], workspaces=[])
    return order


@transaction.atomic
def order_create_traffic(*, package: Package, traffic: Iterable[TrafficSpec], actor: Any) -> Order:
    """An unpaid order adding traffic packages to `package` from the next billing day to its end."""
    package = Package.objects.select_related("account").get(pk=package.pk)
    require_not_in_arrears(package.account)
    figures = order_figures(package.account)
    traffic = validate_traffic(traffic, figures)
    if not traffic:
        raise ApplicationError(
            _("Choose at least one traffic package."), code=Code.NO_TRAFFIC, fields={"traffic": [_("Required.")]}
        )
    window = change_window(package)
    priced = [traffic_price(tp, capacity, window.remaining_days, figures) for tp, capacity in traffic]
    order = _new_order(
        account=package.account, kind=OrderKind.TRAFFIC, actor=actor, package=package, effective_on=window.effective,
        catalogue_day=figures.day,
    )
    lines = _traffic_lines(order, priced)
    _finish_order(order, lines)
    _keep_written(order, lines=lines, workspaces=[])
    return order


def active_package_for_traffic(*, account: Account) -> Package:
    """The package a traffic order without an explicit package goes to: the account's live package that
    ends last, or a clear error when the account has none."""
    package = (
        Package.objects.for_account(account).filter(status__in=LIVE_PACKAGE_STATUSES).order_by("-ends_on", "-pk")
        .first()
    )
    if package is None:
        raise Conflict(
            _("A traffic package needs an active plan package; buy a plan package first."),
            code=Code.NO_ACTIVE_PACKAGE,
        )
    return package
