"""Writes for orders and packages. Every function is atomic and validates before it writes.

Lock order (docs/ARCHITECTURE.md): Wallet (by account id) -> PrepaidCard -> Voucher -> documents. Paying or
refunding an order locks the account's Wallet row first, then the order and its package; payment_pay and
payment_refund then take the wallet again (already held) and the cards and vouchers. Since every money
movement of an account holds its Wallet row, two payments of one account never interleave, so the order
row taken before the cards cannot deadlock with another payment. Services that move no money (cancel,
expire, package status, workspace order) lock only the document rows."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, Conflict, Unprocessable
from core.models import FinanceSettings
from core.money import MAX_REQUEST_AMOUNT, ZERO, format_cny, quantize
from orders.models import (
    Order,
    OrderKind,
    OrderLine,
    OrderLineKind,
    OrderStatus,
    OrderWorkspace,
    Package,
    PackagePlanPeriod,
    PackageStatus,
    PackageTraffic,
    PackageWorkspace,
)
from orders.pricing import (
    account_today,
    change_effective_on,
    inclusive_days,
    package_dates_if_paid_on,
    traffic_price,
    upgrade_price,
)
from plans.models import Plan, TrafficPackage
from workspaces.models import Account, Capability, Membership, Workspace

if TYPE_CHECKING:  # pragma: no cover
    from payments.services import TenderSpec

MAX_WORKSPACES_PER_PACKAGE = 100
MAX_TRAFFIC_CAPACITY = 10**15
LIVE_PACKAGE_STATUSES = (PackageStatus.PENDING, PackageStatus.ACTIVE)

TrafficSpec = tuple[TrafficPackage, int]


# --------------------------------------------------------------------------------------------- validation


def validate_plan(plan: Plan) -> None:
    if not isinstance(plan, Plan) or not plan.is_active:
        raise ApplicationError(
            _("This plan package is not on sale."), code="plan_not_on_sale", fields={"plan": [_("Not on sale.")]}
        )


def validate_traffic(traffic: Iterable[TrafficSpec]) -> list[TrafficSpec]:
    result: list[TrafficSpec] = []
    seen: set[int] = set()
    for traffic_package, capacity in traffic:
        if not isinstance(traffic_package, TrafficPackage) or not traffic_package.is_active:
            raise ApplicationError(
                _("This traffic package is not on sale."), code="traffic_not_on_sale",
                fields={"traffic": [_("Not on sale.")]},
            )
        name = str(traffic_package)
        if traffic_package.pk in seen:
            raise ApplicationError(
                _("The %(name)s traffic package is listed twice; give one capacity per traffic package.")
                % {"name": name},
                code="duplicate_traffic_package", fields={"traffic": [_("Listed twice.")]},
            )
        seen.add(traffic_package.pk)
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity <= 0:
            raise ApplicationError(
                _("The capacity of %(name)s must be a positive whole number.") % {"name": name},
                code="invalid_capacity", fields={"traffic": [_("Positive whole number.")]},
            )
        if capacity > MAX_TRAFFIC_CAPACITY:
            raise ApplicationError(
                _("The capacity of %(name)s is too large.") % {"name": name},
                code="invalid_capacity", fields={"traffic": [_("Too large.")]},
            )
        if capacity < traffic_package.minimum_capacity:
            raise ApplicationError(
                _("The %(name)s traffic package needs a daily capacity of at least %(minimum)s.")
                % {"name": name, "minimum": f"{traffic_package.minimum_capacity:,}"},
                code="below_minimum_capacity", fields={"traffic": [_("Below the minimum.")]},
            )
        if capacity % traffic_package.basic_unit:
            raise ApplicationError(
                _("The capacity of %(name)s must be a multiple of its basic unit %(unit)s.")
                % {"name": name, "unit": f"{traffic_package.basic_unit:,}"},
                code="not_multiple_of_basic_unit", fields={"traffic": [_("Not a multiple of the basic unit.")]},
            )
        result.append((traffic_package, capacity))
    return result


def _covered_workspaces(workspace_ids: Sequence[int]) -> list[str]:
    rows = PackageWorkspace.objects.filter(workspace_id__in=workspace_ids, valid_until__isnull=True)
    return sorted(rows.values_list("workspace__name", flat=True))


def validate_workspaces(account: Account, workspaces: Sequence[Workspace]) -> list[Workspace]:
    workspaces = list(workspaces)
    if not workspaces:
        raise ApplicationError(
            _("Choose at least one commercial workspace for the package."),
            code="no_workspace", fields={"workspaces": [_("Choose at least one workspace.")]},
        )
    if len(workspaces) > MAX_WORKSPACES_PER_PACKAGE:
        raise ApplicationError(
            _("A package covers at most %(n)s workspaces.") % {"n": MAX_WORKSPACES_PER_PACKAGE},
            code="too_many_workspaces", fields={"workspaces": [_("Too many.")]},
        )
    ids = [ws.pk for ws in workspaces]
    if len(set(ids)) != len(ids):
        raise ApplicationError(
            _("Each workspace can appear only once in a package."),
            code="duplicate_workspace", fields={"workspaces": [_("Listed twice.")]},
        )
    for ws in workspaces:
        if not isinstance(ws, Workspace) or ws.account_id != account.pk:
            raise ApplicationError(
                _("Unknown workspace."), code="unknown_workspace", fields={"workspaces": [_("Unknown workspace.")]}
            )
        if not ws.is_commercial:
            raise ApplicationError(
                _("%(name)s is on the Free plan; upgrade it to the Commercial plan before covering it with a "
                  "package.") % {"name": ws.name},
                code="workspace_not_commercial", fields={"workspaces": [_("On the Free plan.")]},
            )
    covered = _covered_workspaces(ids)
    if covered:
        raise Conflict(
            _("Already covered by a package: %(names)s. A workspace can be in one package at a time.")
            % {"names": ", ".join(covered)},
            code="workspace_already_covered", fields={"workspaces": [_("Already covered by a package.")]},
        )
    return workspaces


def _check_total(total: Decimal) -> None:
    if total > MAX_REQUEST_AMOUNT:
        raise Unprocessable(
            _("The order total may not exceed %(max)s; split it into several orders.")
            % {"max": format_cny(MAX_REQUEST_AMOUNT)},
            code="order_too_large",
        )
    if total <= ZERO:
        raise Unprocessable(_("The order total must be greater than zero."), code="order_total_zero")


def _require_spend(account_id: int, actor: Any) -> None:
    membership = Membership.objects.filter(account_id=account_id, user_id=getattr(actor, "pk", None)).first()
    if membership is None or not membership.can(Capability.SPEND):
        raise ApplicationError(
            _("Only the account's owner can do this."), code="permission_denied", status=403
        )


def live_package_effective_on(package: Package, today: datetime.date) -> datetime.date:
    """The day a change to this package takes effect; errors if the package cannot change any more."""
    if package.status not in LIVE_PACKAGE_STATUSES:
        raise Conflict(
            _("This package is %(status)s; only a pending or active package can be changed.")
            % {"status": package.get_status_display().lower()},
            code="package_not_active",
        )
    effective = change_effective_on(package, today)
    if effective > package.ends_on:
        raise Conflict(_("This package ends today; it can no longer be changed."), code="package_ending")
    return effective


# --------------------------------------------------------------------------------------------- creation


def _expires_at(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(minutes=FinanceSettings.load().order_payment_minutes)


def _new_order(*, account: Account, kind: str, actor: Any, **fields: Any) -> Order:
    now = timezone.now()
    order = Order.objects.create(
        account=account, kind=kind, number=f"TMP-{uuid.uuid4().hex[:24]}", created_by=actor,
        expires_at=_expires_at(now), total=Decimal("0.01"), **fields,
    )
    today = account_today(account, now=now)
    order.number = f"FC{today:%Y%m%d}-{order.pk:06d}"
    return order


def _traffic_lines(order: Order, priced: list) -> list[OrderLine]:
    return [
        OrderLine(
            order=order, kind=OrderLineKind.TRAFFIC,
            description=_("Traffic package %(name)s: %(capacity)s per day for %(days)s days")
            % {"name": p.traffic_package, "capacity": f"{p.capacity:,}", "days": p.days},
            traffic_package=p.traffic_package, capacity=p.capacity, days=p.days, unit_price=p.unit_price,
            discount_percent=p.discount_percent, amount=p.amount,
        )
        for p in priced
    ]


def _finish_order(order: Order, lines: list[OrderLine]) -> Order:
    order.total = quantize(sum((line.amount for line in lines), ZERO))
    _check_total(order.total)
    for line in lines:
        if line.amount <= ZERO:
            raise Unprocessable(_("%(line)s would cost nothing.") % {"line": line.description}, code="line_zero")
    order.save(update_fields=["number", "total"])
    OrderLine.objects.bulk_create(lines)
    return order


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
    validate_plan(plan)
    traffic = validate_traffic(traffic)
    workspaces = validate_workspaces(account, workspaces)
    priced = [traffic_price(tp, capacity, plan.validity_days) for tp, capacity in traffic]
    order = _new_order(account=account, kind=OrderKind.PURCHASE, actor=actor, plan=plan)
    lines = [
        OrderLine(
            order=order, kind=OrderLineKind.PLAN,
            description=_("%(plan)s, %(days)s days") % {"plan": plan.name, "days": plan.validity_days},
            plan=plan, days=plan.validity_days, unit_price=plan.price, amount=quantize(plan.price),
        ),
        *_traffic_lines(order, priced),
    ]
    _finish_order(order, lines)
    OrderWorkspace.objects.bulk_create(
        [OrderWorkspace(order=order, workspace=ws, position=i) for i, ws in enumerate(workspaces, start=1)]
    )
    return order


@transaction.atomic
def order_create_upgrade(*, package: Package, target_plan: Plan, actor: Any) -> Order:
    """An unpaid order upgrading `package` to a bigger plan from the next billing day; same end date;
    priced (new price - old price) x remaining days / total days."""
    validate_plan(target_plan)
    package = Package.objects.select_related("plan", "account").get(pk=package.pk)
    today = account_today(package.account)
    effective = live_package_effective_on(package, today)
    current = package.plan
    if target_plan.rank <= current.rank:
        raise ApplicationError(
            _("%(target)s is not bigger than the current %(current)s; a package can only be upgraded.")
            % {"target": target_plan.name, "current": current.name},
            code="not_an_upgrade", fields={"plan": [_("Choose a bigger package.")]},
        )
    remaining = inclusive_days(effective, package.ends_on)
    total_days = inclusive_days(package.starts_on, package.ends_on)
    amount = upgrade_price(old_plan=current, new_plan=target_plan, remaining_days=remaining, total_days=total_days)
    order = _new_order(
        account=package.account, kind=OrderKind.UPGRADE, actor=actor, plan=target_plan, package=package,
        effective_on=effective, previous_plan=current,
    )
    line = OrderLine(
        order=order, kind=OrderLineKind.UPGRADE,
        description=_("Upgrade %(old)s to %(new)s from %(day)s: %(remaining)s of %(total)s days")
        % {"old": current.name, "new": target_plan.name, "day": effective.isoformat(), "remaining": remaining,
           "total": total_days},
        plan=target_plan, days=remaining, unit_price=target_plan.price - current.price, amount=amount,
    )
    return _finish_order(order, [line])


@transaction.atomic
def order_create_traffic(*, package: Package, traffic: Iterable[TrafficSpec], actor: Any) -> Order:
    """An unpaid order adding traffic packages to `package` from the next billing day to its end."""
    package = Package.objects.select_related("account").get(pk=package.pk)
    traffic = validate_traffic(traffic)
    if not traffic:
        raise ApplicationError(
            _("Choose at least one traffic package."), code="no_traffic", fields={"traffic": [_("Required.")]}
        )
    today = account_today(package.account)
    effective = live_package_effective_on(package, today)
    days = inclusive_days(effective, package.ends_on)
    priced = [traffic_price(tp, capacity, days) for tp, capacity in traffic]
    order = _new_order(
        account=package.account, kind=OrderKind.TRAFFIC, actor=actor, package=package, effective_on=effective
    )
    return _finish_order(order, _traffic_lines(order, priced))


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
            code="no_active_package",
        )
    return package


# --------------------------------------------------------------------------------------------- paying


def _check_payable(order: Order, now: datetime.datetime) -> None:
    messages = {
        OrderStatus.PAID: (_("This order is already paid."), "order_already_paid"),
        OrderStatus.CANCELLED: (_("This order was cancelled; create a new one."), "order_cancelled"),
        OrderStatus.EXPIRED: (_("This order expired unpaid; create a new one."), "order_expired"),
        OrderStatus.REFUNDED: (_("This order was refunded."), "order_refunded"),
    }
    if order.status in messages:
        message, code = messages[order.status]
        raise Conflict(message, code=code)
    if order.expires_at <= now:
        raise Conflict(_("This order expired unpaid; create a new one."), code="order_expired")


def _check_tenders(order: Order, tenders: Sequence[TenderSpec]) -> None:
    if not tenders:
        raise Unprocessable(
            _("Choose how to pay %(total)s.") % {"total": format_cny(order.total)}, code="insufficient_tenders",
            fields={"tenders": [_("Required.")]},
        )
    paid = sum((Decimal(t.amount) for t in tenders), ZERO)
    if paid < order.total:
        raise Unprocessable(
            _("The tenders add up to %(paid)s, %(short)s short of the order total %(total)s.")
            % {"paid": format_cny(paid), "short": format_cny(order.total - paid), "total": format_cny(order.total)},
            code="insufficient_tenders", fields={"tenders": [_("Short by %s.") % format_cny(order.total - paid)]},
        )
    if paid > order.total:
        raise Unprocessable(
            _("The tenders add up to %(paid)s, %(over)s more than the order total %(total)s.")
            % {"paid": format_cny(paid), "over": format_cny(paid - order.total), "total": format_cny(order.total)},
            code="tenders_exceed_total", fields={"tenders": [_("Over by %s.") % format_cny(paid - order.total)]},
        )


def _voucher_payable_amount(order: Order) -> Decimal | None:
    """Lines for items vouchers may not pay (SMS) are excluded from what vouchers may cover."""
    excluded = sum(
        (
            line.amount
            for line in order.lines.select_related("traffic_package__billing_item")
            if line.traffic_package_id and not line.traffic_package.billing_item.voucher_payable
        ),
        ZERO,
    )
    return order.total - excluded if excluded else None


def _apply_purchase(order: Order, today: datetime.date) -> Package:
    plan = order.plan
    ordered = list(order.workspaces.select_related("workspace").order_by("position"))
    workspaces = [row.workspace for row in ordered]
    for ws in workspaces:  # still commercial and in the account (a workspace never changes account)
        if not ws.is_commercial:
            raise ApplicationError(
                _("%(name)s is no longer on the Commercial plan.") % {"name": ws.name},
                code="workspace_not_commercial",
            )
    covered = _covered_workspaces([ws.pk for ws in workspaces])
    if covered:
        raise Conflict(
            _("Already covered by another package since this order was created: %(names)s. Nothing was charged; "
              "create a new order without them.") % {"names": ", ".join(covered)},
            code="workspace_already_covered",
        )
    starts_on, ends_on = package_dates_if_paid_on(plan, today)
    package = Package.objects.create(
        account_id=order.account_id, plan=plan, status=PackageStatus.PENDING, starts_on=starts_on, ends_on=ends_on
    )
    PackagePlanPeriod.objects.create(package=package, plan=plan, valid_from=starts_on, order=order)
    try:
        with transaction.atomic():
            PackageWorkspace.objects.bulk_create(
                [
                    PackageWorkspace(
                        package=package, workspace=row.workspace, position=row.position, valid_from=starts_on
                    )
                    for row in ordered
                ]
            )
    except IntegrityError:
        raise Conflict(
            _("One of the workspaces was just covered by another package. Nothing was charged."),
            code="workspace_already_covered",
        ) from None
    PackageTraffic.objects.bulk_create(
        [
            PackageTraffic(
                package=package, traffic_package_id=line.traffic_package_id, capacity=line.capacity,
                valid_from=starts_on, valid_until=ends_on, order=order,
            )
            for line in order.lines.filter(kind=OrderLineKind.TRAFFIC)
        ]
    )
    return package


def _apply_change(order: Order, today: datetime.date) -> None:
    package = Package.objects.select_for_update(of=("self",)).select_related("plan").get(pk=order.package_id)
    effective = live_package_effective_on(package, today)
    if effective != order.effective_on:
        raise Conflict(
            _("This order was priced for a change from %(day)s; the remaining days have changed since. "
              "Create a new order.") % {"day": order.effective_on},
            code="order_stale",
        )
    if order.kind == OrderKind.UPGRADE:
        if package.plan_id != order.previous_plan_id:
            raise Conflict(
                _("The package's plan changed since this upgrade was priced. Create a new order."),
                code="order_stale",
            )
        # A second upgrade on the same day (or an upgrade before a pending package starts) replaces the
        # period starting on that day.
        PackagePlanPeriod.objects.update_or_create(
            package=package, valid_from=effective, defaults={"plan_id": order.plan_id, "order": order}
        )
        package.plan_id = order.plan_id
        package.save(update_fields=["plan"])
    else:
        PackageTraffic.objects.bulk_create(
            [
                PackageTraffic(
                    package=package, traffic_package_id=line.traffic_package_id, capacity=line.capacity,
                    valid_from=effective, valid_until=package.ends_on, order=order,
                )
                for line in order.lines.filter(kind=OrderLineKind.TRAFFIC)
            ]
        )


def _lock_wallet(account_id: int) -> None:
    from payments.models import Wallet

    list(Wallet.objects.select_for_update().filter(account_id=account_id).order_by("pk").values_list("pk"))


def order_pay(*, order: Order, tenders: Sequence[TenderSpec], actor: Any) -> Order:
    """Pay the order with exactly its total from the tenders (cash, prepaid cards, vouchers). Creates the
    package (purchase) or applies the change (upgrade, traffic). Any failure changes nothing."""
    from payments.services import payment_pay

    now = timezone.now()
    with transaction.atomic():
        _lock_wallet(order.account_id)
        order = Order.objects.select_for_update(of=("self",)).select_related("account", "plan").get(pk=order.pk)
        _require_spend(order.account_id, actor)
        _check_payable(order, now)
        _check_tenders(order, tenders)
        today = account_today(order.account, now=now)
        if order.kind == OrderKind.PURCHASE:
            order.package = _apply_purchase(order, today)
        else:
            _apply_change(order, today)
        payment = payment_pay(
            account=order.account, amount=order.total, tenders=tenders, purpose="order", source_type="order",
            source_id=order.pk, actor=actor, voucher_payable_amount=_voucher_payable_amount(order),
        )
        order.payment = payment
        order.status = OrderStatus.PAID
        order.paid_at = now
        order.save(update_fields=["package", "payment", "status", "paid_at"])
    return order


# --------------------------------------------------------------------------------------------- closing


@transaction.atomic
def order_cancel(*, order: Order, actor: Any) -> Order:
    """The owner cancels an unpaid order. Nothing was charged, nothing is refunded."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    _require_spend(order.account_id, actor)
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise Conflict(
            _("Only an unpaid order can be cancelled; this one is %(status)s.")
            % {"status": order.get_status_display().lower()},
            code="order_not_cancellable",
        )
    order.status = OrderStatus.CANCELLED
    order.closed_at = timezone.now()
    order.save(update_fields=["status", "closed_at"])
    return order


def order_expire_due(*, now: datetime.datetime | None = None) -> int:
    """Unpaid orders past their `expires_at` become expired (Celery beat). One UPDATE: it takes the row
    locks, so an order being paid right now is either paid first or refused as expired."""
    now = now or timezone.now()
    return Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, expires_at__lte=now).update(
        status=OrderStatus.EXPIRED, closed_at=now
    )


def order_refund(*, order: Order, actor: Any, reason: str) -> Order:
    """Finance refunds a paid purchase order whose package has not started: every paid order of that
    package goes back to the tenders it used (payment_refund, through the ledger), the package becomes
    refunded and its workspaces are free again (its never-effective workspace rows are removed)."""
    from payments.services import payment_refund

    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give a reason for the refund."), code="reason_required")
    with transaction.atomic():
        _lock_wallet(order.account_id)
        order = Order.objects.select_for_update(of=("self",)).select_related("account").get(pk=order.pk)
        if order.status != OrderStatus.PAID:
            raise Conflict(_("Only a paid order can be refunded."), code="order_not_paid")
        if order.kind != OrderKind.PURCHASE:
            raise Conflict(
                _("Refund the package's purchase order: it refunds the upgrades and traffic packages too."),
                code="refund_purchase_order",
            )
        package = Package.objects.select_for_update().get(pk=order.package_id)
        today = account_today(order.account)
        if package.status != PackageStatus.PENDING or package.starts_on <= today:
            raise Conflict(
                _("This package has started; a package is not refundable once active."), code="package_started"
            )
        paid = list(
            Order.objects.select_for_update(of=("self",)).select_related("payment")
            .filter(package=package, status=OrderStatus.PAID).order_by("pk")
        )
        now = timezone.now()
        for paid_order in paid:
            payment_refund(payment=paid_order.payment, actor=actor, reason=reason)
            paid_order.status = OrderStatus.REFUNDED
            paid_order.closed_at = now
            paid_order.refund_reason = reason[:500]
            paid_order.save(update_fields=["status", "closed_at", "refund_reason"])
        PackageWorkspace.objects.filter(package=package).delete()
        package.status = PackageStatus.REFUNDED
        package.save(update_fields=["status"])
        order.refresh_from_db()
    return order


# --------------------------------------------------------------------------------------------- packages


def _open_rows(package: Package) -> list[PackageWorkspace]:
    return list(
        PackageWorkspace.objects.select_for_update()
        .filter(package=package, valid_until__isnull=True).order_by("position")
    )


def _reopen(package: Package, rows: list[PackageWorkspace], workspace_ids: list[int], effective: datetime.date):
    """Close the open rows the day before `effective` (or drop those not yet effective) and open the new
    order from `effective` on."""
    for row in rows:
        if row.valid_from >= effective:
            row.delete()
        else:
            row.valid_until = effective - datetime.timedelta(days=1)
            row.save(update_fields=["valid_until"])
    try:
        with transaction.atomic():
            PackageWorkspace.objects.bulk_create(
                [
                    PackageWorkspace(package=package, workspace_id=ws_id, position=i, valid_from=effective)
                    for i, ws_id in enumerate(workspace_ids, start=1)
                ]
            )
    except IntegrityError:
        raise Conflict(
            _("A workspace was just covered by another package."), code="workspace_already_covered"
        ) from None


@transaction.atomic
def package_reorder_workspaces(*, package: Package, workspaces: Sequence[Workspace], actor: Any) -> Package:
    """Give the package's workspaces a new order (the first consumes the daily quota first), effective the
    next billing day. `workspaces` must be exactly the package's current workspaces."""
    package = Package.objects.select_for_update(of=("self",)).select_related("account").get(pk=package.pk)
    _require_spend(package.account_id, actor)
    effective = live_package_effective_on(package, account_today(package.account))
    rows = _open_rows(package)
    new_ids = [ws.pk for ws in workspaces]
    if len(set(new_ids)) != len(new_ids) or set(new_ids) != {row.workspace_id for row in rows}:
        raise ApplicationError(
            _("List each of the package's workspaces exactly once."),
            code="invalid_workspace_order", fields={"workspaces": [_("Each workspace exactly once.")]},
        )
    if new_ids == [row.workspace_id for row in rows]:
        return package
    _reopen(package, rows, new_ids, effective)
    return package


@transaction.atomic
def package_add_workspace(*, package: Package, workspace: Workspace, actor: Any) -> Package:
    """Add a commercial workspace at the end of the package's order, effective the next billing day."""
    package = Package.objects.select_for_update(of=("self",)).select_related("account").get(pk=package.pk)
    _require_spend(package.account_id, actor)
    effective = live_package_effective_on(package, account_today(package.account))
    validate_workspaces(package.account, [workspace])
    rows = PackageWorkspace.objects.filter(package=package, valid_until__isnull=True)
    if rows.count() >= MAX_WORKSPACES_PER_PACKAGE:
        raise ApplicationError(
            _("A package covers at most %(n)s workspaces.") % {"n": MAX_WORKSPACES_PER_PACKAGE},
            code="too_many_workspaces",
        )
    position = (rows.aggregate(m=Max("position"))["m"] or 0) + 1
    try:
        with transaction.atomic():
            PackageWorkspace.objects.create(
                package=package, workspace=workspace, position=position, valid_from=effective
            )
    except IntegrityError:
        raise Conflict(
            _("%(name)s was just covered by another package.") % {"name": workspace.name},
            code="workspace_already_covered",
        ) from None
    return package


def package_update_statuses(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Daily (Celery beat, hourly so every time zone's midnight is caught): pending packages whose start
    day has come become active; packages past their end day become expired and their workspace rows are
    closed on the end day, so the workspaces are free for a new package."""
    now = now or timezone.now()
    counts = {"activated": 0, "expired": 0}
    candidates = Package.objects.filter(status__in=LIVE_PACKAGE_STATUSES).select_related("account")
    for package in candidates.order_by("pk"):
        today = account_today(package.account, now=now)
        if package.ends_on < today:
            with transaction.atomic():
                locked = Package.objects.select_for_update().get(pk=package.pk)
                if locked.status not in LIVE_PACKAGE_STATUSES:
                    continue
                rows = PackageWorkspace.objects.filter(package=locked, valid_until__isnull=True)
                rows.filter(valid_from__gt=locked.ends_on).delete()
                rows.update(valid_until=locked.ends_on)
                locked.status = PackageStatus.EXPIRED
                locked.save(update_fields=["status"])
            counts["expired"] += 1
        elif package.status == PackageStatus.PENDING and package.starts_on <= today:
            updated = Package.objects.filter(pk=package.pk, status=PackageStatus.PENDING).update(
                status=PackageStatus.ACTIVE
            )
            counts["activated"] += updated
    return counts
