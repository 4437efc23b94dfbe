"""THE CSV writer of the project: every CSV export goes through here.

- UTF-8 with a byte order mark, so spreadsheet programs (Excel, WPS) read Chinese correctly;
- formula injection escaped: a text cell starting with = + - @ TAB or CR gets a leading apostrophe, so a
  spreadsheet shows it as text instead of running it. Numbers (int, Decimal) are written as numbers and never
  escaped, so "-12.50" stays a negative amount;
- Decimal amounts as plain strings with their places ("42000.00"), dates ISO 8601, None as an empty cell.

    from core.csv import csv_response
    return csv_response(filename="monthly-bill-2026-10.csv", header=[...], rows=iterable_of_lists)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

BOM = "\ufeff"
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


def csv_streaming_response(*, filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]):
    """A streamed CSV for large exports (rows are consumed lazily)."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")

    def generate():
        yield BOM + writer.writerow([escape_cell(cell) for cell in header])
        for row in rows:
            yield writer.writerow([escape_cell(cell) for cell in row])

    response = StreamingHttpResponse(
        (chunk.encode("utf-8") for chunk in generate()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_safe_filename(filename)}"'
    return response
