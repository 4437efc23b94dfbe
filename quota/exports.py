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


def daily_bills_csv(*, account, lines: Iterable[tuple]):
    """Every line given (quota.selectors.bill_lines_export: tuples in its EXPORT_COLUMNS order), streamed: a
    year of lines is never held in memory."""
    rows = (
        [formatting.day(day), bill_id, workspace_id, workspace, _(item), retention, package_id, usage, factor,
         converted, covered_package, covered_traffic, overage, unit_price, amount(line_amount)]
        for (day, bill_id, workspace_id, workspace, item, retention, package_id, usage, factor, converted,
             covered_package, covered_traffic, overage, unit_price, line_amount) in lines
    )
    return csv_streaming_response(filename=f"daily-bills-{account.pk}.csv", header=header(*DAILY_COLUMNS), rows=rows)
