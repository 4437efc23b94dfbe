"""Reads of the statements app, always scoped to an account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import QuerySet, Sum

from core.money import ZERO, quantize
from payments.models import Recharge, RechargeStatus
from statements.labels import document_label
from statements.models import (
    InvoiceRequest,
    InvoiceRequestLine,
    InvoiceSourceType,
    InvoiceStatus,
    MonthlyBill,
    MonthlyBillLine,
    MonthlyBillSettlement,
)
from workspaces.models import Account


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
