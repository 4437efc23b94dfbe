"""The daily renewal pass (Celery beat, orders.renewal_pass): automatic renewals and expiry reminders.

Automatic renewal (opt-in per package, `Package.auto_renew`): from FinanceSettings.auto_renew_days_before
days before a live package's end until its end day, once per account day, the package is renewed to its
current plan with its current workspaces in order and the traffic packages in force on its last day. The
order is created and paid in ONE transaction holding the account's Wallet row, with the tenders planned from
the wallet in the settlement order (payments/autopay.py: vouchers, then cards, then cash) and paid through
the cashier (orders.payment.order_pay -> payments.tenders.payment_pay). When the wallet falls short nothing is
written but the day's failed attempt (with the shortfall); `auto_renew_failed` is sent once that day and the
pass tries again the next day. Never two renewals: the attempt of a day is unique, the renewal is checked
under the lock of the old package, and `package_one_renewal` is a database constraint.

Reminders: 30, 7 and 1 days before the end, each at most once per package (PackageReminder is unique); a day
the pass missed sends the closest reminder due, never an earlier one. Packages already renewed get none."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.days import account_today
from core.exceptions import ApplicationError
from core.models import FinanceSettings
from orders.locks import lock_package
from orders.models import AutoRenewAttempt, Package, PackageReminder, PackageStatus
from orders.payment import _voucher_payable_amount, order_pay
from orders.pricing import LIVE_PACKAGE_STATUSES
from orders.renewal import current_workspaces_in_order, existing_renewal, order_create_renewal, traffic_at_end
from orders.signals import auto_renew_failed, package_expiring
from payments.autopay import plan_wallet_tenders
from payments.locks import lock_wallet
from workspaces.models import Membership, Role

REMINDER_DAYS = (30, 7, 1)


class _Shortfall(Exception):
    def __init__(self, amount: Decimal, shortfall: Decimal) -> None:
        super().__init__(f"short by {shortfall}")
        self.amount = amount
        self.shortfall = shortfall


def _unrenewed_live_packages():
    renewed = Package.objects.filter(renewal_of=OuterRef("pk")).exclude(status=PackageStatus.REFUNDED)
    return (Package.objects.filter(status__in=LIVE_PACKAGE_STATUSES).exclude(Exists(renewed))
            .select_related("account", "plan").order_by("pk"))


def _owner(account_id: int) -> Any:
    membership = (Membership.objects.filter(account_id=account_id, role=Role.OWNER, user__is_active=True)
                  .select_related("user").order_by("pk").first())
    return membership.user if membership else None


def package_auto_renew(*, package: Package, now: datetime.datetime | None = None) -> AutoRenewAttempt | None:
    """Try today's automatic renewal of `package`. Returns the day's attempt, or None when there is nothing
    to do (already tried today, renewed, no longer live). Safe to run again and concurrently."""
    now = now or timezone.now()
    today = account_today(package.account, now=now)
    if AutoRenewAttempt.objects.filter(package=package, day=today).exists():
        return None
    owner = _owner(package.account_id)
    amount: Decimal | None = None
    try:
        with transaction.atomic():
            lock_wallet(package.account_id)
            old = lock_package(package.pk, related=("account", "plan"))
            if (AutoRenewAttempt.objects.filter(package=old, day=today).exists() or not old.auto_renew
                    or old.status not in LIVE_PACKAGE_STATUSES or old.ends_on < today
                    or existing_renewal(old) is not None):
                return None
            if owner is None:
                raise ApplicationError("The account has no active owner to renew for.", code="no_owner")
            order = order_create_renewal(package=old, plan=old.plan, workspaces=current_workspaces_in_order(old),
                                         traffic=traffic_at_end(old), actor=owner)
            amount = order.total
            plan = plan_wallet_tenders(account=old.account, amount=order.total,
                                       voucher_payable_amount=_voucher_payable_amount(order))
            if not plan.covered:
                raise _Shortfall(order.total, plan.shortfall)
            order = order_pay(order=order, tenders=plan.tenders, actor=owner, automatic=True)
            return AutoRenewAttempt.objects.create(package=old, day=today, succeeded=True, order=order,
                                                   amount=order.total)
    except _Shortfall as short:
        return _failed(package, today, amount=short.amount, shortfall=short.shortfall, message="")
    except ApplicationError as error:
        return _failed(package, today, amount=amount, shortfall=None, message=error.message)


def _failed(package: Package, day: datetime.date, *, amount: Decimal | None, shortfall: Decimal | None,
            message: str) -> AutoRenewAttempt | None:
    try:
        with transaction.atomic():
            attempt = AutoRenewAttempt.objects.create(package=package, day=day, succeeded=False, amount=amount,
                                                      shortfall=shortfall, message=message[:500])
            auto_renew_failed.send(sender=Package, package=package, day=day, amount=amount, shortfall=shortfall,
                                   message=message)
    except IntegrityError:  # a concurrent run recorded (and announced) this day's attempt
        return None
    return attempt


def auto_renew_due(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Every opted-in live package within its auto-renew window gets today's attempt."""
    now = now or timezone.now()
    days_before = FinanceSettings.load().auto_renew_days_before
    counts = {"renewed": 0, "failed": 0}
    for package in _unrenewed_live_packages().filter(auto_renew=True):
        today = account_today(package.account, now=now)
        if not package.ends_on - datetime.timedelta(days=days_before) <= today <= package.ends_on:
            continue
        attempt = package_auto_renew(package=package, now=now)
        if attempt is not None:
            counts["renewed" if attempt.succeeded else "failed"] += 1
    return counts


def reminder_due(days_left: int) -> int | None:
    """The reminder (30, 7 or 1) due with `days_left` days before the end: the closest one reached."""
    due = [n for n in REMINDER_DAYS if days_left <= n]
    return min(due) if due and days_left >= 0 else None


def package_send_expiry_reminders(*, now: datetime.datetime | None = None) -> int:
    """Send each due expiry reminder once (package_expiring; notifications mails it)."""
    now = now or timezone.now()
    sent = 0
    horizon = now.date() + datetime.timedelta(days=max(REMINDER_DAYS) + 2)
    for package in _unrenewed_live_packages().filter(ends_on__lte=horizon):
        today = account_today(package.account, now=now)
        days_before = reminder_due((package.ends_on - today).days)
        if days_before is None:
            continue
        try:
            with transaction.atomic():
                PackageReminder.objects.create(package=package, days_before=days_before, sent_on=today)
                package_expiring.send(sender=Package, package=package, days_before=days_before,
                                      ends_on=package.ends_on)
        except IntegrityError:  # sent already
            continue
        sent += 1
    return sent


def renewal_pass(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The daily pass: automatic renewals first (a renewed package then needs no reminder), then reminders."""
    counts = auto_renew_due(now=now)
    counts["reminded"] = package_send_expiry_reminders(now=now)
    return counts
