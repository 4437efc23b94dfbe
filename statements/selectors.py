"""Reads of the statements app, always scoped to an account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.days import vendor_today
from core.models import FinanceSettings
from core.money import ZERO, quantize
from orders.models import Order, OrderStatus
from payments.models import CardStatus, Recharge, RechargeStatus, VoucherStatus
from quota.models import Bill
from statements.labels import document_label
from statements.models import (
    ArrearsAccount,
    ExpiringCard,
    ExpiringVoucher,
    InvoiceRequest,
    InvoiceRequestLine,
    InvoiceSourceType,
    InvoiceStatus,
    MonthlyBill,
    MonthlyBillLine,
    MonthlyBillSettlement,
)
from workspaces.models import Account, WorkspaceStatus


def monthly_bill_list(*, account: Account, month_from: date | None = None, month_to: date | None = None) -> QuerySet:
    bills = MonthlyBill.objects.for_account(account)
    if month_from:
        bills = bills.filter(month__gte=month_from.replace(day=1))
    if month_to:
        bills = bills.filter(month__lte=month_to.replace(day=1))
    return bills.order_by("-month")


def monthly_bill_lines(*, monthly_bill: MonthlyBill) -> QuerySet:
    return (
        MonthlyBillLine.objects.filter(monthly_bill=monthly_bill)
        .select_related("workspace", "billing_item")
        .order_by("workspace__name", "workspace_id", "billing_item__sort_order")
    )


def monthly_bill_adjustments(*, monthly_bill: MonthlyBill) -> QuerySet:
    return MonthlyBillSettlement.objects.filter(monthly_bill=monthly_bill, is_adjustment=True).order_by("day")


def monthly_bill_workspace_totals(*, monthly_bill: MonthlyBill) -> list[dict]:
    return list(
        MonthlyBillLine.objects.filter(monthly_bill=monthly_bill)
        .values("workspace_id", "workspace__name")
        .annotate(amount=Sum("amount"))
        .order_by("workspace__name")
    )


@dataclass(frozen=True)
class InvoiceableDocument:
    source_type: str
    source_id: int
    day: datetime
    label: str
    paid: Decimal  # what was paid in cash on the document
    invoiced: Decimal  # in pending or issued requests
    invoiceable: Decimal


@dataclass(frozen=True)
class InvoiceableSummary:
    received: Decimal  # cash received: succeeded recharges
    invoiced: Decimal  # pending or issued requests
    invoiceable: Decimal


def _invoiced_by(account: Account, field: str) -> dict[int, Decimal]:
    rows = (
        InvoiceRequestLine.objects.filter(request__account=account, **{f"{field}__isnull": False})
        .exclude(request__status=InvoiceStatus.REJECTED)
        .values(field)
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row[field]: row["total"] for row in rows}


def invoiceable_documents(*, account: Account) -> list[InvoiceableDocument]:
    """The account's documents that can still be invoiced, with what is left on each: its succeeded recharges,
    the cash it received. A prepaid-card purchase spends cash that a recharge already brought in, so it is not
    invoiceable separately (it would invoice the same money twice); the rows add up to "Invoiceable now"
    (docs/RULES-statements.md). Requests made earlier over card purchases keep their lines."""
    documents: list[InvoiceableDocument] = []
    invoiced = _invoiced_by(account, "recharge")
    recharges = Recharge.objects.filter(account=account, status=RechargeStatus.SUCCEEDED).order_by("completed_at", "pk")
    for recharge in recharges:
        done = invoiced.get(recharge.pk, ZERO)
        day = recharge.completed_at or recharge.created_at
        documents.append(
            InvoiceableDocument(
                InvoiceSourceType.RECHARGE, recharge.pk, day,
                document_label(source_type=InvoiceSourceType.RECHARGE, day=day, amount=recharge.amount,
                               account=account, method=str(recharge.get_method_display())),
                recharge.amount, done, max(ZERO, recharge.amount - done),
            )
        )
    return documents


def invoiceable_summary(*, account: Account) -> InvoiceableSummary:
    """Cash received (succeeded recharges) minus what pending and issued requests already cover. Buying a
    prepaid card spends cash already received, so it never adds to this amount (docs/RULES-statements.md)."""
    received = Recharge.objects.filter(account=account, status=RechargeStatus.SUCCEEDED).aggregate(
        s=Sum("amount")
    )["s"] or ZERO
    invoiced = (
        InvoiceRequest.objects.for_account(account)
        .exclude(status=InvoiceStatus.REJECTED)
        .aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    return InvoiceableSummary(quantize(received), quantize(invoiced), quantize(max(ZERO, received - invoiced)))


def invoice_request_list(*, account: Account) -> QuerySet:
    return InvoiceRequest.objects.for_account(account).defer("pdf").select_related("requested_by")




def monthly_bill_lines_all() -> QuerySet:
    """Lines for prefetching (the caller's bills are already scoped)."""
    return MonthlyBillLine.objects.select_related("workspace", "billing_item").order_by(
        "workspace__name", "workspace_id", "billing_item__sort_order"
    )


# --- finance's reports (read in admin, exported by statements/exports.py; the vendor's days) --------------------


def arrears_accounts() -> QuerySet[ArrearsAccount]:
    """Wallets in arrears with their countdown: when it started and how many workspaces count down or are locked."""
    return ArrearsAccount.objects.filter(arrears__gt=0).select_related("account").annotate(
        countdown_started=Min("account__workspaces__countdown_started_at"),
        workspaces_counting=Count("account__workspaces", distinct=True, filter=Q(
            account__workspaces__status=WorkspaceStatus.COUNTDOWN)),
        workspaces_locked=Count("account__workspaces", distinct=True, filter=Q(
            account__workspaces__status=WorkspaceStatus.LOCKED)),
    )


def arrears_accounts_in_state(queryset: QuerySet[ArrearsAccount], state: str | None) -> QuerySet[ArrearsAccount]:
    """`countdown`: a workspace counts down; `locked`: one is locked; `none`: neither yet; anything else: all."""
    if state == "countdown":
        return queryset.filter(account__workspaces__status=WorkspaceStatus.COUNTDOWN).distinct()
    if state == "locked":
        return queryset.filter(account__workspaces__status=WorkspaceStatus.LOCKED).distinct()
    if state == "none":
        return queryset.exclude(account__workspaces__status__in=[WorkspaceStatus.COUNTDOWN, WorkspaceStatus.LOCKED])
    return queryset


ARREARS_RANGES = {"lt1000": Q(arrears__lt=1000), "lt10000": Q(arrears__gte=1000, arrears__lt=10000),
                  "ge10000": Q(arrears__gte=10000)}


def arrears_lock_day(countdown_started: datetime | None, *, countdown_days: int | None = None) -> date | None:
    """The vendor's day on which a countdown that started then locks the workspaces."""
    if countdown_started is None:
        return None
    days = FinanceSettings.load().arrears_countdown_days if countdown_days is None else countdown_days
    return timezone.localtime(countdown_started + timedelta(days=days)).date()


def arrears_days_left(lock_day: date | None, *, today: date | None = None) -> int | None:
    return None if lock_day is None else max(0, (lock_day - (today or vendor_today())).days)


def expiring_cards(*, within_days: int = 30) -> QuerySet[ExpiringCard]:
    """Active prepaid cards with a balance that expire within the days (finance chases them)."""
    now = timezone.now()
    return ExpiringCard.objects.filter(status=CardStatus.ACTIVE, balance__gt=0, expires_at__gt=now,
                                       expires_at__lte=now + timedelta(days=within_days))


def expiring_vouchers(*, within_days: int = 30) -> QuerySet[ExpiringVoucher]:
    """Active vouchers of an account with a balance that expire within the days."""
    now = timezone.now()
    return ExpiringVoucher.objects.filter(status=VoucherStatus.ACTIVE, balance__gt=0, account__isnull=False,
                                          valid_until__gt=now, valid_until__lte=now + timedelta(days=within_days))


def revenue_per_day(*, start: date, end: date) -> list[dict]:
    """Per day: usage billed (daily bills by day), plan and traffic orders paid (by payment day, the vendor's
    zone) and cash received (succeeded recharges); revenue = usage billed + orders paid."""
    days: dict[date, dict] = {}

    def slot(day: date) -> dict:
        return days.setdefault(day, {"day": day, "usage": ZERO, "orders": ZERO, "recharges": ZERO})

    for row in Bill.objects.filter(day__gte=start, day__lte=end).values("day").annotate(s=Sum("total")):
        slot(row["day"])["usage"] = row["s"]
    orders = (
        Order.objects.filter(status=OrderStatus.PAID, paid_at__date__gte=start, paid_at__date__lte=end)
        .annotate(d=TruncDate("paid_at")).values("d").annotate(s=Sum("total"))
    )
    for row in orders:
        slot(row["d"])["orders"] = row["s"]
    recharges = (
        Recharge.objects.filter(status=RechargeStatus.SUCCEEDED, completed_at__date__gte=start,
                                completed_at__date__lte=end)
        .annotate(d=TruncDate("completed_at")).values("d").annotate(s=Sum("amount"))
    )
    for row in recharges:
        slot(row["d"])["recharges"] = row["s"]
    day = start
    while day <= end:
        slot(day)
        day += timedelta(days=1)
    rows = sorted(days.values(), key=lambda r: r["day"])
    for row in rows:
        row["revenue"] = row["usage"] + row["orders"]
    return rows
