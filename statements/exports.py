"""CSV exports of the statements app (through core.csv, the project's one CSV writer)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from core.csv import csv_response
from statements.models import MonthlyBill, MonthlyBillSettlement


def monthly_bill_csv_header() -> list[str]:
    return [
        _("Month"), _("Status"), _("Workspace"), _("Billing item"), _("Usage"), _("Covered by packages"),
        _("Overage"), _("Amount (CNY)"),
    ]


def monthly_bills_csv(*, account, bills: Iterable[MonthlyBill]):
    """One row per workspace and billing item of each bill (lines prefetched), then one row per adjustment."""
    bills = list(bills)
    adjustments: dict[int, list[MonthlyBillSettlement]] = {}
    for link in MonthlyBillSettlement.objects.filter(monthly_bill__in=bills, is_adjustment=True).order_by("day"):
        adjustments.setdefault(link.monthly_bill_id, []).append(link)

    def rows():
        for bill in bills:
            month = f"{bill.month:%Y-%m}"
            for line in bill.lines.all():
                yield [month, bill.get_status_display(), line.workspace.name, line.billing_item.name, line.usage,
                       line.covered, line.overage, line.amount]
            for link in adjustments.get(bill.pk, []):
                label = _("Adjustment of %(day)s") % {"day": link.day.isoformat()}
                yield [month, bill.get_status_display(), "", label, "", "", "", link.amount]

    filename = f"monthly-bill-{bills[0].month:%Y-%m}.csv" if len(bills) == 1 else f"monthly-bills-{account.pk}.csv"
    return csv_response(filename=filename, header=monthly_bill_csv_header(), rows=rows())
