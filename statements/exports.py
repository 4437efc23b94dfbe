"""CSV exports of the statements app (through core.csv, the project's one CSV writer, in its one style: headings
from core.csv.COLUMNS in the interface's language, translated statuses and item names, plain two-place
amounts, ISO months and days)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from core import formatting
from core.csv import amount, csv_response, header
from statements.models import MonthlyBill, MonthlyBillSettlement

MONTHLY_COLUMNS = ("month", "status", "workspace", "item", "usage", "covered", "overage", "amount")


def monthly_bill_csv_header() -> list[str]:
    return header(*MONTHLY_COLUMNS)


def monthly_bills_csv(*, account, bills: Iterable[MonthlyBill]):
    """One row per workspace and billing item of each bill (lines prefetched), then one row per adjustment."""
    bills = list(bills)
    adjustments: dict[int, list[MonthlyBillSettlement]] = {}
    for link in MonthlyBillSettlement.objects.filter(monthly_bill__in=bills, is_adjustment=True).order_by("day"):
        adjustments.setdefault(link.monthly_bill_id, []).append(link)

    def rows():
        for bill in bills:
            month = formatting.month(bill.month)
            status = bill.get_status_display()
            for line in bill.lines.all():
                yield [month, status, line.workspace.name, _(line.billing_item.name), line.usage,
                       line.covered, line.overage, amount(line.amount)]
            for link in adjustments.get(bill.pk, []):
                label = _("Adjustment of %(day)s") % {"day": formatting.day(link.day)}
                yield [month, status, "", label, None, None, None, amount(link.amount)]

    filename = f"monthly-bill-{bills[0].month:%Y-%m}.csv" if len(bills) == 1 else f"monthly-bills-{account.pk}.csv"
    return csv_response(filename=filename, header=monthly_bill_csv_header(), rows=rows())
