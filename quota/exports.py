"""The daily bills' lines as CSV (through core.csv, the project's one CSV writer, in its one style: headings from
core.csv.COLUMNS in the interface's language, translated item names, plain two-place amounts, ISO days)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from core import formatting
from core.csv import amount, csv_streaming_response, header

DAILY_COLUMNS = (
    "day", "bill", "workspace_id", "workspace", "item", "retention_days", "package", "usage", "factor",
    "converted", "covered_by_package", "covered_by_traffic", "overage", "unit_price", "amount",
)


def daily_bills_csv(*, account, lines: Iterable):
    """Every line given (quota.selectors.bill_lines_export: their bill, workspace, item and storage policy
    joined), streamed: a year of lines is never held in memory."""
    rows = (
        [
            formatting.day(line.day), line.bill_id, line.workspace_id, line.workspace.name, _(line.billing_item.name),
            line.storage_policy.retention_days, line.package_id, line.usage, line.factor, line.converted,
            line.covered_by_package, line.covered_by_traffic, line.overage, line.unit_price, amount(line.amount),
        ]
        for line in lines
    )
    return csv_streaming_response(filename=f"daily-bills-{account.pk}.csv", header=header(*DAILY_COLUMNS), rows=rows)
