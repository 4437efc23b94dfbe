"""The demo's package: Startup Acceleration covering Workspace A then Workspace B, bought through the services
and paid with the ordinary voucher, the prepaid card and cash from the payments demo (whatever of those
exist), then - a demo-only step - moved in time so that it started 8 days ago, so the quota demo can bill a
week of usage against it. Safe to run twice: an account that already has a package is left as it is."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from core.days import account_today
from core.money import ZERO
from orders import services
from orders.models import Order, Package, PackagePlanPeriod, PackageStatus, PackageWorkspace
from payments import selectors as payment_selectors
from payments.models import VoucherKind
from payments.services import TenderSpec, cash_credit
from plans.models import Plan

STARTED_DAYS_AGO = 8


def _tenders(account, total: Decimal) -> list:
    tenders, rest = [], total
    voucher = payment_selectors.usable_vouchers(account=account).filter(kind=VoucherKind.ORDINARY).first()
    if voucher is not None:
        amount = min(voucher.balance, rest)
        tenders.append(TenderSpec(kind="voucher", amount=amount, instrument_id=voucher.pk))
        rest -= amount
    card = payment_selectors.usable_cards(account=account).first()
    if card is not None and rest > 0:
        amount = min(card.balance, Decimal("10000.00"), rest)
        tenders.append(TenderSpec(kind="card", amount=amount, instrument_id=card.pk))
        rest -= amount
    if rest > ZERO:
        if payment_selectors.cash_balance(account=account) < rest:
            cash_credit(account=account, amount=rest, reason="recharge", source_type="demo", source_id=None,
                        actor=None, memo="Demo funding for the package")
        tenders.append(TenderSpec(kind="cash", amount=rest))
    return tenders


def _shift_to_started(package: Package, order: Order) -> None:
    """Demo only: the package started STARTED_DAYS_AGO days ago (real packages start the day after payment)."""
    today = account_today(package.account)
    starts_on = today - datetime.timedelta(days=STARTED_DAYS_AGO)
    ends_on = starts_on + datetime.timedelta(days=package.plan.validity_days - 1)
    Package.objects.filter(pk=package.pk).update(starts_on=starts_on, ends_on=ends_on, status=PackageStatus.ACTIVE)
    PackageWorkspace.objects.filter(package=package).update(valid_from=starts_on)
    PackagePlanPeriod.objects.filter(package=package).update(valid_from=starts_on)
    paid_at = timezone.now() - datetime.timedelta(days=STARTED_DAYS_AGO + 1)
    Order.objects.filter(pk=order.pk).update(created_at=paid_at, paid_at=paid_at)


def seed(context: dict) -> None:
    account = context["account"]
    owner = context["users"]["owner"]
    workspaces = context["workspaces"]
    package = Package.objects.for_account(account).filter(status__in=services.LIVE_PACKAGE_STATUSES).first()
    if package is None:
        order = services.order_create_purchase(
            account=account, plan=Plan.objects.get(code="startup"),
            workspaces=[workspaces["Workspace A"], workspaces["Workspace B"]], traffic=[], actor=owner,
        )
        order = services.order_pay(order=order, tenders=_tenders(account, order.total), actor=owner)
        package = order.package
        _shift_to_started(package, order)
        package.refresh_from_db()
    context["package"] = package
    context.setdefault("logins", []).append(
        f"  package: {package.plan.name} for Workspace A then Workspace B, {package.starts_on} to {package.ends_on}"
    )
