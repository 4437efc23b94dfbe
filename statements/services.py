"""Writes of the statements app: monthly bills (build, refresh, finalise) and invoice requests.

Rules (docs/RULES-statements.md):
- A monthly bill covers the days of one calendar month in the account's time zone. Its lines and its
  consumption total are the sums of that month's daily bills; its tender totals are what the settlements it
  accounts for were paid with.
- A settlement belongs to the month of its bill's day while that month is open; a settlement made after that
  month became final (a late re-run) is an adjustment of the open month in which it was made (the month of
  its creation, or the first open month after it).
- Last month becomes final on the 3rd of this month (account time zone); a final bill never changes
  (service check here, and a database trigger).
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, Q, Sum, When
from django.utils import timezone

from core.exceptions import ApplicationError, Conflict, Unprocessable
from core.money import ZERO, parse_amount, quantize
from payments.models import BalanceKind, LedgerEntry, PaymentTender, TenderKind, Wallet
from quota.models import Bill, BillLine, BillSettlement
from statements.models import (
    InvoiceRequest,
    InvoiceRequestLine,
    InvoiceSourceType,
    InvoiceStatus,
    InvoiceType,
    MonthlyBill,
    MonthlyBillLine,
    MonthlyBillSettlement,
    MonthlyBillStatus,
)
from workspaces.models import Account

logger = logging.getLogger(__name__)

FINAL_ON_DAY = 3  # last month becomes final on the 3rd (account time zone)


# --------------------------------------------------------------------------------------------------------------
# months and days


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    """The last day of the month."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def next_month(month: date) -> date:
    return (month_end(month) + timedelta(days=1)).replace(day=1)


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def account_zone(account: Account) -> ZoneInfo:
    try:
        return ZoneInfo(account.time_zone)
    except (KeyError, ValueError):  # pragma: no cover - validated when the account is created
        return ZoneInfo("Asia/Shanghai")


def account_today(account: Account, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(account_zone(account)).date()


def month_bounds(account: Account, month: date) -> tuple[datetime, datetime]:
    """[start, end) of the month as aware datetimes in the account's time zone."""
    zone = account_zone(account)
    start = datetime.combine(month, time.min, tzinfo=zone)
    end = datetime.combine(next_month(month), time.min, tzinfo=zone)
    return start, end


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
    zone = account_zone(account)
    claims = []
    for pk, day, amount, created_at in rows:
        target = month_start(day)
        adjustment = False
        if target in finals:
            adjustment = True
            target = max(target, month_start(created_at.astimezone(zone).date()))
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
            code="monthly_bill_final",
        )
    first, last = month, month_end(month)
    lines = list(
        BillLine.objects.filter(bill__account=account, bill__day__gte=first, bill__day__lte=last)
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
    """Refresh the month's bill one last time and make it final; the owners and administrators are told
    (after commit). Only a month whose finalisation day (the 3rd of the next month) has come."""
    month = month_start(month)
    now = now or timezone.now()
    if account_today(account, now) < finalisation_day(month):
        raise Conflict(
            f"The bill of {month:%Y-%m} becomes final on {finalisation_day(month):%Y-%m-%d}.",
            code="monthly_bill_not_due",
        )
    bill = monthly_bill_refresh(account=account, month=month, now=now)
    bill.status = MonthlyBillStatus.FINAL
    bill.finalized_at = now
    bill.save(update_fields=["status", "finalized_at"])
    from notifications import emails

    emails.monthly_bill_ready(monthly_bill=bill)
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
    from django.db.models.functions import TruncMonth

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
        if account_today(account, now) < finalisation_day(month):
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


# --------------------------------------------------------------------------------------------------------------
# invoice requests


@dataclass(frozen=True)
class InvoiceLineSpec:
    source_type: str  # "recharge" or "card_purchase"
    source_id: int
    amount: Decimal | str


TAX_ID_LENGTHS = (15, 18, 20)


def _clean_text(value: object, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ApplicationError(f"{label} is required.", code="invalid", fields={field: ["Required."]})
    if len(text) > max_length:
        raise ApplicationError(
            f"{label} may have at most {max_length} characters.", code="invalid", fields={field: ["Too long."]}
        )
    return text


@transaction.atomic
def invoice_request_create(
    *,
    account: Account,
    requested_by: AbstractBaseUser,
    lines: Sequence[InvoiceLineSpec],
    title: str,
    tax_id: str,
    email: str,
    invoice_type: str = InvoiceType.GENERAL,
    note: str = "",
) -> InvoiceRequest:
    """Request an invoice over parts of the account's paid documents. Each line must name one of the
    account's own documents and stay within what is still invoiceable on it, and the request within the
    account's invoiceable amount (selectors.invoiceable_summary). Nothing is written on any error."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from statements import selectors

    title = _clean_text(title, field="title", label="The invoice title", max_length=200)
    tax_id = _clean_text(tax_id, field="tax_id", label="The taxpayer ID", max_length=20).upper()
    if len(tax_id) not in TAX_ID_LENGTHS or not tax_id.isalnum() or not tax_id.isascii():
        raise ApplicationError(
            "The taxpayer ID is the 15, 18 or 20 letters and digits of the buyer's tax registration.",
            code="invalid", fields={"tax_id": ["Invalid taxpayer ID."]},
        )
    email = _clean_text(email, field="email", label="The email", max_length=254)
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError("Enter a valid email address.", code="invalid", fields={"email": ["Invalid."]}) from None
    if invoice_type not in InvoiceType.values:
        raise ApplicationError("Unknown invoice type.", code="invalid", fields={"invoice_type": ["Unknown."]})
    note = _clean_text(note, field="note", label="The note", max_length=500, required=False)
    if not lines:
        raise ApplicationError(
            "Choose at least one paid document to invoice.", code="invoice_no_lines", fields={"lines": ["Required."]}
        )

    # Serialise the account's invoice requests (documents after the wallet in the lock order).
    Wallet.objects.select_for_update().filter(account_id=account.pk).first()
    documents = selectors.invoiceable_documents(account=account)
    by_key = {(d.source_type, d.source_id): d for d in documents}
    seen: set[tuple[str, int]] = set()
    cleaned: list[tuple[str, int, Decimal]] = []
    for index, spec in enumerate(lines):
        key = (spec.source_type, spec.source_id)
        if spec.source_type not in InvoiceSourceType.values or key not in by_key:
            raise Unprocessable(
                "This document is not one of this account's paid recharges or prepaid-card purchases.",
                code="invoice_unknown_document", fields={f"lines[{index}]": ["Unknown document."]},
            )
        if key in seen:
            raise ApplicationError(
                "Each document may appear once.", code="invalid", fields={f"lines[{index}]": ["Duplicate."]}
            )
        seen.add(key)
        try:
            amount = parse_amount(spec.amount)
        except ValueError as error:
            raise ApplicationError(str(error), code="invalid", fields={f"lines[{index}]": [str(error)]}) from None
        document = by_key[key]
        if amount > document.invoiceable:
            raise Unprocessable(
                f"{document.label}: at most {document.invoiceable} can still be invoiced.",
                code="invoice_above_invoiceable", fields={f"lines[{index}]": ["Above the invoiceable amount."]},
            )
        cleaned.append((spec.source_type, spec.source_id, amount))
    total = quantize(sum((amount for _t, _i, amount in cleaned), ZERO))
    summary = selectors.invoiceable_summary(account=account)
    if total > summary.invoiceable:
        raise Unprocessable(
            f"At most {summary.invoiceable} can still be invoiced for this account.",
            code="invoice_above_invoiceable", fields={"amount": ["Above the invoiceable amount."]},
        )
    request = InvoiceRequest.objects.create(
        account=account, requested_by=requested_by, amount=total, title=title, tax_id=tax_id, email=email,
        invoice_type=invoice_type, note=note,
    )
    InvoiceRequestLine.objects.bulk_create(
        [
            InvoiceRequestLine(
                request=request,
                source_type=source_type,
                recharge_id=source_id if source_type == InvoiceSourceType.RECHARGE else None,
                payment_id=source_id if source_type == InvoiceSourceType.CARD_PURCHASE else None,
                amount=amount,
            )
            for source_type, source_id, amount in cleaned
        ]
    )
    return request


def _lock_pending(invoice_request: InvoiceRequest) -> InvoiceRequest:
    locked = InvoiceRequest.objects.select_for_update().get(pk=invoice_request.pk)
    if locked.status != InvoiceStatus.PENDING:
        raise Conflict(f"This invoice request is already {locked.get_status_display()}.", code="invoice_decided")
    return locked


def _invoice_number(request: InvoiceRequest, now: datetime) -> str:
    return f"FC{timezone.localtime(now):%Y%m%d}{request.pk:08d}"


@transaction.atomic
def invoice_request_issue(
    *, invoice_request: InvoiceRequest, actor: AbstractBaseUser, note: str = "", now: datetime | None = None
) -> InvoiceRequest:
    """Finance issues the invoice: it gets a number and its PDF (rendered now and kept unchanged); the
    requester is told after commit."""
    from statements.pdf import render_invoice_pdf

    now = now or timezone.now()
    request = _lock_pending(invoice_request)
    request.status = InvoiceStatus.ISSUED
    request.decided_by = actor
    request.decided_at = now
    request.decision_note = (note or "")[:500]
    request.number = _invoice_number(request, now)
    request.pdf = render_invoice_pdf(invoice_request=request)
    request.save()
    from notifications import emails

    emails.invoice_decided(invoice_request=request)
    return request


@transaction.atomic
def invoice_request_reject(
    *, invoice_request: InvoiceRequest, actor: AbstractBaseUser, note: str, now: datetime | None = None
) -> InvoiceRequest:
    """Finance rejects the request with a reason; its amounts become invoiceable again."""
    note = (note or "").strip()
    if not note:
        raise ApplicationError("Say why the request is rejected.", code="invalid", fields={"note": ["Required."]})
    request = _lock_pending(invoice_request)
    request.status = InvoiceStatus.REJECTED
    request.decided_by = actor
    request.decided_at = now or timezone.now()
    request.decision_note = note[:500]
    request.save()
    from notifications import emails

    emails.invoice_decided(invoice_request=request)
    return request
