"""Monthly bills: build, refresh and finalise an account's bill of one calendar month.

Rules (docs/RULES-statements.md):
- A monthly bill covers the days of one calendar month in the account's time zone (core.days). Its lines and
  its consumption total are the sums of that month's daily bills; its tender totals are what the settlements
  it accounts for were paid with.
- A settlement belongs to the month of its bill's day while that month is open; a settlement made after that
  month became final (a late re-run) is an adjustment of the open month in which it was made (the month of
  its creation, or the first open month after it).
- Last month becomes final on the 3rd of this month (account time zone); a final bill never changes
  (service check here, and a database trigger). When it does, `statements.signals.monthly_bill_finalized` is
  sent (the notifications app mails the owners and administrators after commit).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, Q, Sum, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.days import account_today, account_zone, month_bounds, month_end, month_start, next_month
from core.exceptions import ApplicationError, Conflict
from core.money import ZERO, quantize
from payments.models import BalanceKind, LedgerEntry, PaymentTender, TenderKind
from quota.models import Bill, BillLine, BillSettlement
from statements.error_codes import StatementsErrorCode as Code
from statements.models import MonthlyBill, MonthlyBillLine, MonthlyBillSettlement, MonthlyBillStatus
from statements.signals import monthly_bill_finalized
from workspaces.models import Account

logger = logging.getLogger(__name__)

FINAL_ON_DAY = 3  # last month becomes final on the 3rd (account time zone)


def finalisation_day(month: date) -> date:
    return next_month(month).replace(day=FINAL_ON_DAY)


# --------------------------------------------------------------------------------------------------------------
# monthly bills


@dataclass(frozen=True)
class _Claim:
    settlement_id: int
    day: date
    amount: Decimal
    is_adjustment: bool


def _claims_for(*, account: Account, month: date) -> list[_Claim]:
    """The settlements the month's bill accounts for (see the module rules)."""
    last_day = month_end(month)
    finals = set(
        MonthlyBill.objects.filter(account=account, status=MonthlyBillStatus.FINAL).values_list("month", flat=True)
    )
    rows = (
        BillSettlement.objects.filter(bill__account=account, bill__day__lte=last_day)
        .filter(Q(monthly_bill_link__isnull=True) | Q(monthly_bill_link__monthly_bill__month=month))
        .values_list("pk", "bill__day", "amount", "created_at")
    )
    tz = account_zone(account)
    claims = []
    for pk, day, amount, created_at in rows:
        target = month_start(day)
        adjustment = False
        if target in finals:
            adjustment = True
            target = max(target, month_start(created_at.astimezone(tz).date()))
            while target in finals:
                target = next_month(target)
        if target == month:
            claims.append(_Claim(pk, day, amount, adjustment))
    return claims


def _tender_totals(settlement_ids: Sequence[int], claims: Sequence[_Claim]) -> dict[str, Decimal]:
    """Per tender kind, what the settlements were paid with (a credit back counts negative)."""
    totals = {kind: ZERO for kind in TenderKind.values}
    if not settlement_ids:
        return totals
    rows = (
        PaymentTender.objects.filter(payment__bill_settlement__pk__in=settlement_ids)
        .annotate(
            signed=Case(When(payment__bill_settlement__amount__lt=0, then=-1 * F("amount")), default=F("amount"))
        )
        .values("kind")
        .annotate(total=Sum("signed"))
        .order_by("kind")
    )
    for row in rows:
        totals[row["kind"]] = totals.get(row["kind"], ZERO) + row["total"]
    # A credit back (negative settlement) without a payment goes to the cash balance (payments rules).
    with_payment = set(
        BillSettlement.objects.filter(pk__in=settlement_ids, payment__isnull=False).values_list("pk", flat=True)
    )
    for claim in claims:
        if claim.settlement_id not in with_payment and claim.amount < 0:
            totals[TenderKind.CASH] += claim.amount
    return totals


def _arrears_at(account: Account, moment: datetime) -> Decimal:
    entry = (
        LedgerEntry.objects.filter(account=account, balance_kind=BalanceKind.ARREARS, created_at__lt=moment)
        .order_by("-created_at", "-id")
        .values_list("balance_after", flat=True)
        .first()
    )
    return entry if entry is not None else ZERO


def _lock_or_create(*, account: Account, month: date) -> MonthlyBill:
    bill = MonthlyBill.objects.select_for_update().filter(account=account, month=month).first()
    if bill is not None:
        return bill
    try:
        with transaction.atomic():
            MonthlyBill.objects.create(account=account, month=month, refreshed_at=timezone.now())
    except IntegrityError:
        pass  # created concurrently: lock it below
    return MonthlyBill.objects.select_for_update().get(account=account, month=month)


@transaction.atomic
def monthly_bill_refresh(*, account: Account, month: date, now: datetime | None = None) -> MonthlyBill:
    """Build or rebuild the account's bill for `month` (any day of it) from the daily bills and settlements.
    A final bill is refused (Conflict `monthly_bill_final`)."""
    month = month_start(month)
    now = now or timezone.now()
    bill = _lock_or_create(account=account, month=month)
    if bill.is_final:
        raise Conflict(
            f"The bill of {month:%Y-%m} is final and cannot change; later adjustments go to the current month.",
            code=Code.MONTHLY_BILL_FINAL,
        )
    first, last = month, month_end(month)
    lines = list(
        BillLine.objects.filter(bill__account=account, bill__day__gte=first, bill__day__lte=last, day__gte=first,
                                day__lte=last)
        .values("workspace_id", "billing_item_id")
        .annotate(
            usage=Sum("usage"),
            covered=Sum("covered_by_package") + Sum("covered_by_traffic"),
            overage=Sum("overage"),
            amount=Sum("amount"),
        )
        .order_by("workspace_id", "billing_item_id")
    )
    daily = Bill.objects.filter(account=account, day__gte=first, day__lte=last).aggregate(
        total=Sum("total"), count=Count("pk")
    )
    claims = _claims_for(account=account, month=month)
    ids = [claim.settlement_id for claim in claims]
    tenders = _tender_totals(ids, claims)

    MonthlyBillLine.objects.filter(monthly_bill=bill).delete()
    MonthlyBillLine.objects.bulk_create(
        [
            MonthlyBillLine(
                monthly_bill=bill,
                workspace_id=row["workspace_id"],
                billing_item_id=row["billing_item_id"],
                usage=row["usage"] or 0,
                covered=row["covered"] or 0,
                overage=row["overage"] or 0,
                amount=quantize(row["amount"] or ZERO),
            )
            for row in lines
        ]
    )
    MonthlyBillSettlement.objects.filter(monthly_bill=bill).delete()
    MonthlyBillSettlement.objects.bulk_create(
        [
            MonthlyBillSettlement(
                monthly_bill=bill, settlement_id=c.settlement_id, day=c.day, amount=c.amount,
                is_adjustment=c.is_adjustment,
            )
            for c in claims
        ]
    )
    _start, end = month_bounds(account, month)
    bill.consumption_total = quantize(daily["total"] or ZERO)
    bill.adjustments_total = quantize(sum((c.amount for c in claims if c.is_adjustment), ZERO))
    bill.total = bill.consumption_total + bill.adjustments_total
    bill.paid_ordinary_voucher = tenders[TenderKind.ORDINARY_VOUCHER]
    bill.paid_full_reduction_voucher = tenders[TenderKind.FULL_REDUCTION_VOUCHER]
    bill.paid_prepaid_card = tenders[TenderKind.PREPAID_CARD]
    bill.paid_cash = tenders[TenderKind.CASH]
    bill.paid_arrears = tenders[TenderKind.ARREARS]
    bill.arrears_at_month_end = _arrears_at(account, min(now, end))
    bill.daily_bill_count = daily["count"] or 0
    bill.refreshed_at = now
    bill.save()
    return bill


@transaction.atomic
def monthly_bill_finalize(*, account: Account, month: date, now: datetime | None = None) -> MonthlyBill:
    """Refresh the month's bill one last time and make it final; `monthly_bill_finalized` is sent (the
    owners and administrators are mailed after commit). Only a month whose finalisation day (the 3rd of the
    next month) has come."""
    month = month_start(month)
    now = now or timezone.now()
    if account_today(account, now=now) < finalisation_day(month):
        raise Conflict(
            f"The bill of {month:%Y-%m} becomes final on {finalisation_day(month):%Y-%m-%d}.",
            code=Code.MONTHLY_BILL_NOT_DUE,
        )
    bill = monthly_bill_refresh(account=account, month=month, now=now)
    bill.status = MonthlyBillStatus.FINAL
    bill.finalized_at = now
    bill.save(update_fields=["status", "finalized_at"])
    monthly_bill_finalized.send(sender=MonthlyBill, monthly_bill=bill)
    return bill


def monthly_bills_finalize_due(*, now: datetime | None = None, account_ids: Iterable[int] | None = None) -> int:
    """Finalise every open month whose 3rd-of-next-month has come, oldest first, one account at a time
    (the Celery beat task's work). Returns how many bills became final."""
    now = now or timezone.now()
    accounts = Account.objects.all()
    if account_ids is not None:
        accounts = accounts.filter(pk__in=list(account_ids))
    # Accounts with a daily bill in a month that is not final yet, or an open monthly bill.
    open_months = set(
        MonthlyBill.objects.filter(status=MonthlyBillStatus.OPEN, account__in=accounts).values_list(
            "account_id", "month"
        )
    )
    final_months = set(
        MonthlyBill.objects.filter(status=MonthlyBillStatus.FINAL, account__in=accounts).values_list(
            "account_id", "month"
        )
    )
    billed = set(
        Bill.objects.filter(account__in=accounts)
        .annotate(m=TruncMonth("day"))
        .values_list("account_id", "m")
        .distinct()
    )
    candidates = sorted((open_months | billed) - final_months, key=lambda pair: (pair[0], pair[1]))
    by_id = Account.objects.in_bulk({account_id for account_id, _m in candidates})
    done = 0
    for account_id, month in candidates:
        account = by_id[account_id]
        if account_today(account, now=now) < finalisation_day(month):
            continue
        try:
            monthly_bill_finalize(account=account, month=month, now=now)
        except ApplicationError as error:
            logger.warning("monthly bill %s %s not finalised: %s", account_id, month, error.message)
            continue
        done += 1
    return done


def monthly_bills_refresh_for_day(*, day: date, account_ids: Iterable[int] | None = None) -> int:
    """After a night: refresh the monthly bill of `day`'s month for each account with a bill that day (or,
    when that month is final, the account's current month, where the adjustment lands)."""
    bills = Bill.objects.filter(day=day)
    if account_ids is not None:
        bills = bills.filter(account_id__in=list(account_ids))
    accounts = Account.objects.filter(pk__in=bills.values("account_id"))
    count = 0
    for account in accounts:
        month = month_start(day)
        if MonthlyBill.objects.filter(account=account, month=month, status=MonthlyBillStatus.FINAL).exists():
            month = month_start(account_today(account))
        try:
            monthly_bill_refresh(account=account, month=month)
        except ApplicationError:
            continue
        count += 1
    return count
