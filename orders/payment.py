"""Paying, cancelling, expiring and refunding orders.

Lock order (docs/ARCHITECTURE.md): Wallet (by account id) -> PrepaidCard -> Voucher -> documents. Paying or
refunding an order locks the account's Wallet row first (payments/locks.py), then the order and its package
(orders/locks.py); payment_pay and payment_refund then take the wallet again (already held) and the cards and
vouchers. Since every money movement of an account holds its Wallet row, two payments of one account never
interleave, so the order row taken before the cards cannot deadlock with another payment. Cancelling and
expiring move no money and lock only the order rows."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.days import account_today
from core.exceptions import ApplicationError, Conflict, Unprocessable
from core.formatting import format_cny
from core.money import ZERO
from orders.error_codes import OrdersErrorCode as Code
from orders.locks import lock_order, lock_package, lock_paid_orders
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
from orders.pricing import change_window, package_dates_if_paid_on, sold_plan_version
from orders.purchase import create_purchase
from orders.renewal import apply_renewal
from orders.selectors import order_prefetch_details
from orders.signals import package_renewed
from orders.validation import TrafficSpec, require_not_in_arrears, require_spend, require_still_coverable
from payments.locks import lock_wallet
from payments.models import Payment, Wallet
from payments.tenders import RefundLeg, TenderSpec, payment_pay, payment_refund, payment_refund_preview
from plans.models import Plan, TrafficPackage
from workspaces.models import Account, Workspace


def _check_payable(order: Order, now: datetime.datetime) -> None:
    messages: dict[str, tuple[str, Code]] = {
        OrderStatus.PAID: (_("This order is already paid."), Code.ORDER_ALREADY_PAID),
        OrderStatus.CANCELLED: (_("This order was cancelled; create a new one."), Code.ORDER_CANCELLED),
        OrderStatus.EXPIRED: (_("This order expired unpaid; create a new one."), Code.ORDER_EXPIRED),
        OrderStatus.REFUNDED: (_("This order was refunded."), Code.ORDER_REFUNDED),
    }
    if order.status == OrderStatus.CANCELLED and order.superseded_by_id:
        raise Conflict(_("This order was cancelled because another order for the same workspaces was paid. "
                         "Nothing was charged."), code=Code.ORDER_CANCELLED)
    if order.status in messages:
        message, code = messages[order.status]
        raise Conflict(message, code=code)
    if order.expires_at <= now:
        raise Conflict(_("This order expired unpaid; create a new one."), code=Code.ORDER_EXPIRED)


def _check_tenders(order: Order, tenders: Sequence[TenderSpec]) -> None:
    if not tenders:
        raise Unprocessable(
            _("Choose how to pay %(total)s.") % {"total": format_cny(order.total)}, code=Code.INSUFFICIENT_TENDERS,
            fields={"tenders": [_("Required.")]},
        )
    paid = sum((Decimal(t.amount) for t in tenders), ZERO)
    if paid < order.total:
        raise Unprocessable(
            _("The tenders add up to %(paid)s, %(short)s short of the order total %(total)s.")
            % {"paid": format_cny(paid), "short": format_cny(order.total - paid), "total": format_cny(order.total)},
            code=Code.INSUFFICIENT_TENDERS, fields={"tenders": [_("Short by %s.") % format_cny(order.total - paid)]},
        )
    if paid > order.total:
        raise Unprocessable(
            _("The tenders add up to %(paid)s, %(over)s more than the order total %(total)s.")
            % {"paid": format_cny(paid), "over": format_cny(paid - order.total), "total": format_cny(order.total)},
            code=Code.TENDERS_EXCEED_TOTAL, fields={"tenders": [_("Over by %s.") % format_cny(paid - order.total)]},
        )


def _lines(order: Order) -> list[OrderLine]:
    """The order's lines, read once per payment with what paying needs (order_prefetch_details)."""
    order_prefetch_details([order])
    return list(order.lines.all())


def _voucher_payable_amount(order: Order) -> Decimal | None:
    """Lines for items vouchers may not pay (SMS) are excluded from what vouchers may cover."""
    excluded = sum(
        (
            line.amount
            for line in _lines(order)
            if line.traffic_package_id and not cast(TrafficPackage, line.traffic_package).billing_item.voucher_payable
        ),
        ZERO,
    )
    return order.total - excluded if excluded else None


def _apply_purchase(order: Order, today: datetime.date, coverage_checked: bool = False) -> Package:
    plan = cast(Plan, order.plan)  # a purchase order has its plan
    order_prefetch_details([order])
    ordered = list(order.workspaces.all())  # by position, with their workspace
    if not coverage_checked:
        require_still_coverable([row.workspace for row in ordered])  # a workspace never changes account
    starts_on, ends_on = package_dates_if_paid_on(plan, today)
    version = sold_plan_version(order)
    package = Package.objects.create(
        account_id=order.account_id, plan=plan, plan_version=version, catalogue_day=order.catalogue_day,
        status=PackageStatus.PENDING, starts_on=starts_on, ends_on=ends_on,
    )
    PackagePlanPeriod.objects.create(
        package=package, plan=plan, plan_version=version, valid_from=starts_on, order=order
    )
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
            code=Code.WORKSPACE_ALREADY_COVERED,
        ) from None
    PackageTraffic.objects.bulk_create(
        [
            PackageTraffic(
                # a traffic line has its traffic package and capacity
                package=package, traffic_package_id=cast(int, line.traffic_package_id),
                capacity=cast(int, line.capacity),
                valid_from=starts_on, valid_until=ends_on, order=order,
            )
            for line in _lines(order) if line.kind == OrderLineKind.TRAFFIC
        ]
    )
    return package


def _apply_change(order: Order, now: datetime.datetime) -> None:
    package = lock_package(cast(int, order.package_id), related=("plan", "account"))  # a change has its package
    effective = change_window(package, now=now).effective
    if effective != order.effective_on:
        raise Conflict(
            _("This order was priced for a change from %(day)s; the remaining days have changed since. "
              "Create a new order.") % {"day": order.effective_on},
            code=Code.ORDER_STALE,
        )
    if order.kind == OrderKind.UPGRADE:
        if package.plan_id != order.previous_plan_id:
            raise Conflict(
                _("The package's plan changed since this upgrade was priced. Create a new order."),
                code=Code.ORDER_STALE,
            )
        # A second upgrade on the same day (or an upgrade before a pending package starts) replaces the
        # period starting on that day.
        version = sold_plan_version(order)
        PackagePlanPeriod.objects.update_or_create(
            package=package, valid_from=effective,
            defaults={"plan_id": order.plan_id, "plan_version": version, "order": order},
        )
        package.plan_id = cast(int, order.plan_id)  # an upgrade has its plan
        package.plan_version = version
        package.save(update_fields=["plan", "plan_version"])
    else:
        PackageTraffic.objects.bulk_create(
            [
                PackageTraffic(
                    # a traffic line has its traffic package and capacity
                    package=package, traffic_package_id=cast(int, line.traffic_package_id),
                    capacity=cast(int, line.capacity),
                    valid_from=effective, valid_until=package.ends_on, order=order,
                )
                for line in _lines(order) if line.kind == OrderLineKind.TRAFFIC
            ]
        )


def order_pay(*, order: Order, tenders: Sequence[TenderSpec], actor: Any, automatic: bool = False) -> Order:
    """Pay the order with exactly its total from the tenders (cash, prepaid cards, vouchers). Creates the
    package (purchase, renewal) or applies the change (upgrade, traffic). Any failure changes nothing. Refused
    (423 account_in_arrears) while the account has a workspace locked for arrears. `automatic`: auto-renew
    pays (said in the package_renewed signal)."""
    now = timezone.now()
    with transaction.atomic():
        wallet = lock_wallet(order.account_id)
        order = lock_order(order.pk, related=("account", "plan"))
        order_prefetch_details([order])  # lines and workspaces once: paying and the answer use them
        require_spend(order.account_id, actor)
        _check_payable(order, now)
        require_not_in_arrears(order.account)
        return _settle(order, tenders, wallet=wallet, actor=actor, now=now, automatic=automatic)


def order_checkout(
    *,
    account: Account,
    plan: Plan,
    workspaces: Sequence[Workspace],
    traffic: Iterable[TrafficSpec] = (),
    tenders: Sequence[TenderSpec],
    actor: Any,
) -> Order:
    """A purchase order created and paid in one transaction (one request: POST .../orders/ with `tenders`).
    The same checks, prices and writes as order_create_purchase followed by order_pay, in the same lock order:
    the wallet row first, so the order's checks (arrears, workspaces still free) are made under it and hold
    until the payment commits. Either the order is paid and its package created, or nothing is written."""
    now = timezone.now()
    with transaction.atomic():
        wallet = lock_wallet(account.pk)
        require_spend(account.pk, actor)
        order = create_purchase(account=account, plan=plan, workspaces=workspaces, traffic=traffic, actor=actor)
        return _settle(order, tenders, wallet=wallet, actor=actor, now=now, coverage_checked=True)


def order_create_and_pay(
    *, account: Account, create: Callable[[], Order], tenders: Sequence[TenderSpec], actor: Any
) -> Order:
    """An upgrade, traffic or renewal order created by `create` (one of the order_create_* services) and paid
    in the same transaction: paid, or nothing written (a purchase has its own, order_checkout). The account's
    Wallet row is locked first, before the new order's row (whose foreign key share-locks its package), as
    the lock order says: otherwise this could deadlock with an auto-renewal or a payment of the package."""
    with transaction.atomic():
        lock_wallet(account.pk)
        return order_pay(order=create(), tenders=tenders, actor=actor)


def _settle(order: Order, tenders: Sequence[TenderSpec], *, wallet: Wallet, actor: Any, now: datetime.datetime,
            automatic: bool = False, coverage_checked: bool = False) -> Order:
    """Pay a payable order whose account's wallet is locked (in the caller's transaction): apply it (package,
    change or renewal), charge the tenders, mark it paid. `coverage_checked`: its workspaces were found free
    under this same wallet lock (a checkout that just created the order)."""
    _check_tenders(order, tenders)
    if order.kind == OrderKind.PURCHASE:
        order.package = _apply_purchase(order, account_today(order.account, now=now), coverage_checked)
    elif order.kind == OrderKind.RENEWAL:
        order.package = apply_renewal(order, account_today(order.account, now=now))
    else:
        _apply_change(order, now)
    payment = payment_pay(
        account=order.account, amount=order.total, tenders=tenders, purpose="order", source_type="order",
        source_id=order.pk, actor=actor, voucher_payable_amount=_voucher_payable_amount(order), wallet=wallet,
    )
    order.payment = payment
    order.status = OrderStatus.PAID
    order.paid_at = now
    order.save(update_fields=["package", "payment", "status", "paid_at"])
    _cancel_superseded(order, now)
    if order.kind == OrderKind.RENEWAL:
        package_renewed.send(sender=Package, package=order.renewal_of, renewal=order.package, order=order,
                             automatic=automatic)
    return order


def _cancel_superseded(order: Order, now: datetime.datetime) -> int:
    """The account's other unpaid orders that paying `order` made unpayable are cancelled, naming it
    (`superseded_by`): purchases naming any of its workspaces (a purchase or renewal just paid covers them),
    and other renewals of the package it renewed. One UPDATE under the wallet lock the payment holds."""
    if order.kind not in (OrderKind.PURCHASE, OrderKind.RENEWAL):
        return 0
    workspace_ids = OrderWorkspace.objects.filter(order_id=order.pk).values("workspace_id")  # in the UPDATE
    stale = Q(kind=OrderKind.PURCHASE, workspaces__workspace_id__in=workspace_ids)
    if order.kind == OrderKind.RENEWAL:
        stale |= Q(kind=OrderKind.RENEWAL, renewal_of_id=order.renewal_of_id)
    candidates = Order.objects.filter(stale, account_id=order.account_id, status=OrderStatus.PENDING_PAYMENT)
    return Order.objects.filter(pk__in=candidates.exclude(pk=order.pk).values("pk")).update(
        status=OrderStatus.CANCELLED, closed_at=now, superseded_by=order
    )


@transaction.atomic
def order_cancel(*, order: Order, actor: Any) -> Order:
    """The owner cancels an unpaid order. Nothing was charged, nothing is refunded."""
    order = lock_order(order.pk)
    require_spend(order.account_id, actor)
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise Conflict(
            _("Only an unpaid order can be cancelled; this one is %(status)s.")
            % {"status": order.get_status_display().lower()},
            code=Code.ORDER_NOT_CANCELLABLE,
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


def _check_refundable(order: Order, package: Package | None, today: datetime.date) -> None:
    """A Conflict when `order` cannot be refunded: only a paid purchase or renewal order whose package has not
    started (pending, its start day still ahead)."""
    if order.status != OrderStatus.PAID:
        raise Conflict(_("Only a paid order can be refunded."), code=Code.ORDER_NOT_PAID)
    if order.kind not in (OrderKind.PURCHASE, OrderKind.RENEWAL):
        raise Conflict(
            _("Refund the package's purchase order: it refunds the upgrades and traffic packages too."),
            code=Code.REFUND_PURCHASE_ORDER,
        )
    if package is None or package.status != PackageStatus.PENDING or package.starts_on <= today:
        raise Conflict(
            _("This package has started; a package is not refundable once active."), code=Code.PACKAGE_STARTED
        )


@dataclass(frozen=True)
class RefundPreview:
    """What refunding `order` would do now: each paid order of its package with where each of its tenders
    goes back to (payments.tenders.RefundTo), or the reason it cannot be refunded (`error`)."""

    order: Order
    error: str | None = None
    orders: list[tuple[Order, list[RefundLeg]]] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((leg.amount for _order, legs in self.orders for leg in legs), ZERO)


def order_refund_preview(*, order: Order) -> RefundPreview:
    """The refund of `order` as finance would confirm it (no lock, no write; order_refund checks again)."""
    order = Order.objects.select_related("account", "package").get(pk=order.pk)
    try:
        _check_refundable(order, order.package, account_today(order.account))
    except ApplicationError as error:
        return RefundPreview(order=order, error=error.message)
    paid = (Order.objects.filter(package=order.package, status=OrderStatus.PAID).select_related("payment")
            .order_by("pk"))
    return RefundPreview(order=order, orders=[
        (paid_order, payment_refund_preview(payment=cast(Payment, paid_order.payment))) for paid_order in paid
    ])


def order_refund(*, order: Order, actor: Any, reason: str) -> Order:
    """Finance refunds a paid purchase order whose package has not started: every paid order of that
    package goes back to the tenders it used (payment_refund, through the ledger: cash to cash, a voucher to
    itself while valid else to cash, a prepaid card always to itself), the package becomes refunded and its
    workspaces are free again (its never-effective workspace rows are removed)."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give a reason for the refund."), code=Code.REASON_REQUIRED)
    with transaction.atomic():
        lock_wallet(order.account_id)
        order = lock_order(order.pk, related=("account",))
        package = lock_package(order.package_id) if order.package_id else None
        _check_refundable(order, package, account_today(order.account))
        package = cast(Package, package)  # checked: a pending package
        now = timezone.now()
        for paid_order in lock_paid_orders(package):
            payment_refund(payment=cast(Payment, paid_order.payment), actor=actor, reason=reason)  # paid: a payment
            paid_order.status = OrderStatus.REFUNDED
            paid_order.closed_at = now
            paid_order.refund_reason = reason[:500]
            paid_order.save(update_fields=["status", "closed_at", "refund_reason"])
        PackageWorkspace.objects.filter(package=package).delete()
        package.status = PackageStatus.REFUNDED
        package.save(update_fields=["status"])
        order.refresh_from_db()
    return order
