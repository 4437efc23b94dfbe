"""CSV exports of the statements app (through core.csv, the project's one CSV writer, in its one style: headings
from core.csv.COLUMNS in the interface's language, translated statuses and item names, plain two-place
amounts, ISO months and days)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from core import formatting
from core.csv import amount, csv_response, header
from statements import selectors
from statements.models import ArrearsAccount, ExpiringCard, ExpiringVoucher, MonthlyBill, MonthlyBillSettlement

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


# --- finance's reports (admin actions call these) ---------------------------------------------------------------


def finance_monthly_bills_csv(*, bills: Iterable[MonthlyBill]):
    """Monthly bills with their totals and what paid them, one row per bill."""
    rows = ([bill.account.name, formatting.month(bill.month), bill.get_status_display(),
             amount(bill.consumption_total), amount(bill.adjustments_total), amount(bill.total),
             amount(bill.paid_ordinary_voucher), amount(bill.paid_full_reduction_voucher),
             amount(bill.paid_prepaid_card), amount(bill.paid_cash), amount(bill.paid_arrears),
             amount(bill.arrears_at_month_end)] for bill in bills)
    return csv_response(filename="monthly-bills.csv", rows=rows, header=header(
        "account", "month", "status", "consumption", "adjustments", "total", "paid_ordinary_voucher",
        "paid_full_reduction_voucher", "paid_prepaid_card", "paid_cash", "left_owing", "arrears_at_month_end"))


def arrears_accounts_csv(*, wallets: Iterable[ArrearsAccount]):
    """Accounts in arrears (annotated by selectors.arrears_accounts) with their countdown."""

    def rows():
        for wallet in wallets:
            lock_day = selectors.arrears_lock_day(wallet.countdown_started)  # type: ignore[attr-defined]
            yield [wallet.account.name, amount(wallet.arrears), wallet.arrears_since,
                   wallet.countdown_started, lock_day,  # type: ignore[attr-defined]
                   selectors.arrears_days_left(lock_day), wallet.workspaces_counting,  # type: ignore[attr-defined]
                   wallet.workspaces_locked]  # type: ignore[attr-defined]

    return csv_response(filename="arrears-accounts.csv", rows=rows(), header=header(
        "account", "arrears", "arrears_since", "countdown_started", "locks_on", "days_left", "workspaces_counting",
        "workspaces_locked"))


def expiring_cards_csv(*, cards: Iterable[ExpiringCard]):
    rows = ([card.number, card.account.name, amount(card.balance), amount(card.face_value), card.expires_at]
            for card in cards)
    return csv_response(filename="expiring-cards.csv", rows=rows,
                        header=header("card", "account", "balance", "face_value", "expires_at"))


def expiring_vouchers_csv(*, vouchers: Iterable[ExpiringVoucher]):
    rows = ([str(voucher), voucher.account.name if voucher.account else "", voucher.get_kind_display(),
             amount(voucher.balance), amount(voucher.face_value), voucher.valid_until] for voucher in vouchers)
    return csv_response(filename="expiring-vouchers.csv", rows=rows,
                        header=header("voucher", "account", "kind", "balance", "face_value", "valid_until"))


def revenue_csv(*, rows: list[dict], start, end):
    """The revenue-per-day report (selectors.revenue_per_day) of a range."""
    return csv_response(
        filename=f"revenue-{start}-{end}.csv",
        header=header("day", "usage_billed", "orders_paid", "revenue", "cash_received"),
        rows=([r["day"], amount(r["usage"]), amount(r["orders"]), amount(r["revenue"]), amount(r["recharges"])]
              for r in rows),
    )
