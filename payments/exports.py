"""The revenue and expenditure details as CSV (through the project's CSV writer, core/csv.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import days
from core.csv import csv_streaming_response
from payments.models import BalanceKind, LedgerEntry, LedgerReason

KINDS = dict(BalanceKind.choices)
REASONS = dict(LedgerReason.choices)


def ledger_header() -> list[str]:
    return [_("Time"), _("Balance"), _("Instrument"), _("Reason"), _("Income"), _("Expenditure"),
            _("Balance after"), _("Source"), _("Source id"), _("Memo")]


def ledger_rows(entries: Iterable[LedgerEntry], zone) -> Iterator[list]:
    for entry in entries:
        instrument = entry.card.number if entry.card_id else (str(entry.voucher) if entry.voucher_id else "")
        yield [
            timezone.localtime(entry.created_at, zone).strftime("%Y-%m-%d %H:%M:%S"),
            str(KINDS.get(entry.balance_kind, entry.balance_kind)),
            instrument,
            str(REASONS.get(entry.reason, entry.reason)),
            entry.amount if entry.amount > 0 else None,
            -entry.amount if entry.amount < 0 else None,
            entry.balance_after,
            entry.source_type,
            entry.source_id,
            entry.memo,
        ]


def ledger_csv_response(entries: QuerySet[LedgerEntry], account) -> StreamingHttpResponse:
    zone = days.account_zone(account)
    filename = f"revenue-expenditure-{account.pk}-{days.account_today(account):%Y%m%d}.csv"
    return csv_streaming_response(filename=filename, header=ledger_header(),
                                  rows=ledger_rows(entries.iterator(chunk_size=2000), zone))
