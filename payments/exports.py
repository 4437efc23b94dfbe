"""The revenue and expenditure details as CSV (through the project's CSV writer, core/csv.py, in its one style:
translated headings, translated reasons, balance types and memos, plain two-place amounts, the account's time)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from core import days, formatting
from core.csv import amount, csv_streaming_response, header
from payments.ledger_display import LedgerRow, ledger_rows_chunked, source_of
from payments.models import LedgerEntry

LEDGER_COLUMNS = ("time", "balance_kind", "instrument", "reason", "income", "expenditure", "balance_after",
                  "source", "memo")


def ledger_header() -> list[str]:
    return header(*LEDGER_COLUMNS)


def ledger_rows(rows: Iterable[LedgerRow], account) -> Iterator[list]:
    for row in rows:
        entry = row.entry
        yield [
            formatting.moment(entry.created_at, account, seconds=True),
            entry.get_balance_kind_display(),
            row.instrument,
            entry.get_reason_display(),
            amount(entry.amount) if entry.amount > 0 else None,
            amount(-entry.amount) if entry.amount < 0 else None,
            amount(entry.balance_after),
            source_of(entry),
            row.memo,
        ]


def ledger_csv_response(entries: QuerySet[LedgerEntry], account) -> StreamingHttpResponse:
    filename = f"revenue-expenditure-{account.pk}-{days.account_today(account):%Y%m%d}.csv"
    described = ledger_rows_chunked(entries.iterator(chunk_size=2000), account.pk)
    return csv_streaming_response(filename=filename, header=ledger_header(), rows=ledger_rows(described, account))
