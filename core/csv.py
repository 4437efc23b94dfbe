"""THE CSV writer of the project: every CSV export goes through here.

- UTF-8 with a byte order mark, so spreadsheet programs (Excel, WPS) read Chinese correctly;
- formula injection escaped: a text cell starting with = + - @ TAB or CR gets a leading apostrophe, so a
  spreadsheet shows it as text instead of running it. Numbers (int, Decimal) are written as numbers and never
  escaped, so "-12.50" stays a negative amount;
- Decimal amounts as plain strings with their places ("42000.00"; `amount()` gives an amount its two places),
  dates ISO 8601, None as an empty cell;
- one style for every export, in the interface's language: headers come from `COLUMNS` (one place, translated
  when the response is built: `header("month", "status", ...)`), statuses and item names are their translated
  labels, amounts plain two-place decimals, days `2026-11-20`, months `2026-11`, moments `2026-11-20 21:33:05`.

    from core.csv import csv_response, header
    return csv_response(filename="monthly-bill-2026-10.csv", header=header("month", "amount"), rows=rows)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.money import quantize

BOM = "\ufeff"

# Every column heading of every export, in one place (translated when a header is built).
COLUMNS: dict[str, Any] = {
    "time": _("Time"), "day": _("Day"), "month": _("Month"), "status": _("Status"),
    "workspace": _("Workspace"), "workspace_id": _("Workspace ID"), "item": _("Billing item"),
    "retention_days": _("Retention (days)"), "package": _("Package"), "bill": _("Bill"),
    "usage": _("Usage"), "factor": _("Conversion factor"), "converted": _("Converted usage"),
    "covered": _("Covered by packages"), "covered_by_package": _("Covered by the package"),
    "covered_by_traffic": _("Covered by traffic packages"), "overage": _("Overage"),
    "unit_price": _("Unit price (CNY)"), "amount": _("Amount (CNY)"),
    "balance_kind": _("Balance type"), "instrument": _("Instrument"), "reason": _("Reason"),
    "income": _("Income (CNY)"), "expenditure": _("Expenditure (CNY)"), "balance_after": _("Balance after (CNY)"),
    "source": _("Source"), "memo": _("Memo"),
    # finance's reports (statements/exports.py)
    "account": _("Account"), "consumption": _("Consumption (CNY)"), "adjustments": _("Adjustments (CNY)"),
    "total": _("Total (CNY)"), "paid_ordinary_voucher": _("Paid by ordinary vouchers (CNY)"),
    "paid_full_reduction_voucher": _("Paid by full-reduction vouchers (CNY)"),
    "paid_prepaid_card": _("Paid by prepaid cards (CNY)"), "paid_cash": _("Paid in cash (CNY)"),
    "left_owing": _("Left owing (CNY)"), "arrears_at_month_end": _("Arrears at month end (CNY)"),
    "arrears": _("Arrears (CNY)"), "arrears_since": _("In arrears since"),
    "countdown_started": _("Countdown started"), "locks_on": _("Locks on"), "days_left": _("Days left"),
    "workspaces_counting": _("Workspaces counting down"), "workspaces_locked": _("Workspaces locked"),
    "card": _("Prepaid card"), "voucher": _("Voucher"), "kind": _("Kind"), "balance": _("Balance (CNY)"),
    "face_value": _("Face value (CNY)"), "expires_at": _("Expires at"), "valid_until": _("Valid until"),
    "usage_billed": _("Usage billed (CNY)"), "orders_paid": _("Orders paid (CNY)"), "revenue": _("Revenue (CNY)"),
    "cash_received": _("Cash received (CNY)"),
}


def header(*keys: str) -> list[str]:
    """The translated headings of these columns (KeyError for a column not listed in COLUMNS)."""
    return [str(COLUMNS[key]) for key in keys]


def amount(value: Any) -> Decimal | None:
    """An amount as a CSV cell: a Decimal with exactly two places (written "42000.00", never escaped)."""
    return None if value is None else quantize(value)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> Any:
    """One cell ready for csv.writer."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def write_csv(stream: io.TextIOBase, header: Sequence[Any], rows: Iterable[Sequence[Any]], *, bom: bool = True) -> None:
    if bom:
        stream.write(BOM)
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([escape_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in row])


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    write_csv(buffer, header, rows)
    return buffer.getvalue()


def _safe_filename(filename: str) -> str:
    return "".join(ch for ch in filename if ch.isalnum() or ch in "-_.") or "export.csv"


def csv_response(*, filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """A downloadable CSV (built in memory: for exports of bounded size)."""
    response = HttpResponse(csv_text(header, rows).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_safe_filename(filename)}"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_streaming_response(
    *, filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """A streamed CSV for large exports (rows are consumed lazily)."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")

    def generate() -> Iterator[str]:
        yield BOM + writer.writerow([escape_cell(cell) for cell in header])
        for row in rows:
            yield writer.writerow([escape_cell(cell) for cell in row])

    response = StreamingHttpResponse(
        (chunk.encode("utf-8") for chunk in generate()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_safe_filename(filename)}"'
    return response
