"""How ledger entries read to people (the revenue and expenditure page, the wallet, the ledger CSV).

The memo a person sees is built when it is shown, from the entry's reason and source, in the interface's
language: "Sandbox gateway recharge", "Bank transfer T-1", "Gift voucher for a ¥100,000.00 card purchase". The
stored `memo` is kept as recorded (the ledger is append-only) and only shown where a person wrote it (finance's
adjustments and issued vouchers), as written unless it is one of the catalogued phrases the demo writes.
Each entry links to what caused it: its order or its daily bill.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import cast

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from core import formatting
from payments.models import LedgerEntry, LedgerReason, Payment, PrepaidCard, Recharge, RechargeMethod

# Where a person wrote the stored memo (finance in admin): shown as written.
HUMAN_MEMO_SOURCES = {"adjustment", "voucher_issue"}
# Provider codes of online gateways and their names.
PROVIDERS = {"sandbox": lambda: _("Sandbox gateway recharge")}


@dataclass(frozen=True)
class LedgerRow:
    entry: LedgerEntry
    memo: str
    instrument: str
    link_url: str
    link_label: str


def _recharges(entries: list[LedgerEntry]) -> dict[int, Recharge]:
    ids = {e.source_id for e in entries if e.source_type == "recharge" and e.source_id}
    return {r.pk: r for r in Recharge.objects.filter(pk__in=ids)} if ids else {}


def _recharge_memo(recharge: Recharge | None) -> str:
    if recharge is None:
        return _("Recharge")
    if recharge.method == RechargeMethod.OFFLINE:
        return _("Bank transfer %(reference)s") % {"reference": recharge.transfer_reference} \
            if recharge.transfer_reference else _("Bank transfer")
    named = PROVIDERS.get(recharge.provider)
    return named() if named else _("Online recharge (%(provider)s)") % {"provider": recharge.provider or "—"}


def memo_of(entry: LedgerEntry, recharges: dict[int, Recharge]) -> str:
    """The readable, translated memo of one entry."""
    source, reason = entry.source_type, entry.reason
    if source in HUMAN_MEMO_SOURCES and entry.memo:
        # as written; a memo equal to a catalogued phrase (the demo's, payments/demo.py) reads in the reader's language
        return _(entry.memo)
    if source == "recharge":
        memo = _recharge_memo(recharges.get(entry.source_id or 0))
        return _("%(memo)s: arrears repaid first") % {"memo": memo} if reason == LedgerReason.ARREARS_REPAID else memo
    if source == "card_purchase":
        if reason == LedgerReason.VOUCHER_ISSUED and entry.payment_id:
            return _("Gift voucher for a %(amount)s card purchase") % {
                "amount": formatting.money(cast(Payment, entry.payment).amount)}
        if entry.card_id:
            return _("Prepaid card %(number)s bought") % {"number": cast(PrepaidCard, entry.card).number}
        return _("Prepaid cards bought with the cash balance")
    if source == "voucher_code":
        return _("Voucher code activated")
    if source == "voucher_issue":
        return _("Voucher issued by finance")
    if source == "expiry":
        return _("Expired: the rest of its balance lapsed")
    if source == "order":
        order_memos: dict[str, str] = {LedgerReason.ORDER_REFUND: _("Order refunded")}
        return order_memos.get(reason, _("Order paid"))
    if source == "bill":
        bill_memos: dict[str, str] = {
            LedgerReason.BILL_ADJUSTMENT: _("Bill re-run: charged less than before"),
            LedgerReason.ARREARS_INCURRED: _("Daily bill not covered: arrears"),
        }
        return bill_memos.get(reason, _("Daily bill settled"))
    if source == "demo":
        return _("Demo funding")
    if source == "adjustment":
        return _("Adjustment by finance")
    return ""


def _link(entry: LedgerEntry, account_id: int) -> tuple[str, str]:
    """(url, label) of the page of what caused the entry: its order or its daily bill."""
    targets = {"order": ("orders-detail", "order_id", _("View order")),
               "bill": ("quota-bill-detail", "bill_id", _("View daily bill"))}
    if entry.source_type not in targets or not entry.source_id:
        return "", ""
    name, arg, label = targets[entry.source_type]
    try:
        return reverse(name, kwargs={"account_id": account_id, arg: entry.source_id}), label
    except NoReverseMatch:
        return "", ""


def source_of(entry: LedgerEntry) -> str:
    """What caused the entry, with its id (for reconciling an export): "Order 12", "Daily bill 40"."""
    labels = {"order": _("Order"), "bill": _("Daily bill"), "recharge": _("Recharge"),
              "card_purchase": _("Prepaid card purchase"), "voucher_code": _("Voucher code"),
              "voucher_issue": _("Voucher issued by finance"), "expiry": _("Expiry"),
              "adjustment": _("Adjustment by finance"), "demo": _("Demo funding")}
    label = labels.get(entry.source_type, entry.source_type)
    return f"{label} {entry.source_id}" if entry.source_id else str(label)


def instrument_of(entry: LedgerEntry) -> str:
    if entry.card_id:
        return cast(PrepaidCard, entry.card).number
    if entry.voucher_id:
        return str(entry.voucher)
    return ""


def ledger_rows(entries: Iterable[LedgerEntry], account_id: int) -> list[LedgerRow]:
    """The entries of one page, described (one query for the recharges they name)."""
    entries = list(entries)
    recharges = _recharges(entries)
    return [LedgerRow(e, memo_of(e, recharges), instrument_of(e), *_link(e, account_id)) for e in entries]


def ledger_rows_chunked(entries: Iterable[LedgerEntry], account_id: int, size: int = 2000) -> Iterator[LedgerRow]:
    """The same for a long export, a chunk at a time."""
    chunk: list[LedgerEntry] = []
    for entry in entries:
        chunk.append(entry)
        if len(chunk) >= size:
            yield from ledger_rows(chunk, account_id)
            chunk = []
    if chunk:
        yield from ledger_rows(chunk, account_id)
