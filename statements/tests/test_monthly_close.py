"""The set-based monthly close (statements/monthly_bills.py): for several accounts at once it gives exactly
the per-line sums of the daily bills (usage, coverage, amounts), the tenders the settlements were paid with
(vouchers, cards, cash, arrears, a credit back as negative cash), adjustments of final months; a re-close
writes nothing; any chunk size gives the same bills; and it reads only the month's bill-line partition."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from core.days import account_today, month_start
from core.money import ZERO, quantize
from payments.models import PaymentTender, VoucherKind
from quota import partitions
from quota.models import Bill, BillLine, BillSettlement
from quota.tests import factories as qf
from statements.models import MonthlyBill, MonthlyBillLine, MonthlyBillSettlement, MonthlyBillStatus
from statements.monthly_bills import (
    monthly_bill_refresh,
    monthly_bills_close,
    monthly_bills_finalize_due,
    monthly_bills_refresh_for_day,
)
from statements.tests import factories as f
from tests.factories import AccountFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
SEPT, OCT = date(2026, 9, 1), date(2026, 10, 1)
DAYS = (date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 5), date(2026, 9, 6), date(2026, 9, 30), OCT)


def at(y, m, d, h=12):
    return datetime(y, m, d, h, tzinfo=SH)


def _night(account, day, hour=1):
    with time_machine.travel(at(day.year, day.month, day.day, hour) + timedelta(days=1)):
        f.night(account, day)


def _billed_account(n: int):
    """An account with two workspaces billed on DAYS (three items, amounts that differ per account and day),
    paid by vouchers of both kinds, a prepaid card, cash and (for the rest) arrears; account 0 also gets a
    credit back (its usage of 6 September lowered and that night re-run while September is open)."""
    account = AccountFactory()
    a, b = WorkspaceFactory(account=account), WorkspaceFactory(account=account)
    with time_machine.travel(at(2026, 8, 30)):
        f.recharge(account, f"{5 + n}.00")
    for i, day in enumerate(DAYS):
        if day == date(2026, 9, 5):  # the instruments pay from the night of 5 September on
            with time_machine.travel(at(2026, 9, 4)):
                qf.give_voucher(account, "3.00", days=90)
                qf.give_voucher(account, "2.00", kind=VoucherKind.FULL_REDUCTION, days=90)
                qf.give_card(account, "4.00")
        f.usage(a, "log", day, 1_000_000 * (1 + (i + n) % 4))
        f.usage(b, "log", day, 500_000 * (1 + i % 3))
        f.usage(b, "datakit", day, 1 + (i + n) % 3)
        if i % 2:
            f.usage(a, "apm", day, 7 + n)
        _night(account, day)
    if n == 0:
        f.usage(a, "log", date(2026, 9, 6), 0)
        _night(account, date(2026, 9, 6), hour=3)
        assert BillSettlement.objects.filter(bill__account=account, amount__lt=0, payment__isnull=True).exists()
    return account


@pytest.fixture
def accounts():
    months = [date(2026, m, 1) for m in (8, 9, 10, 11, 12)]
    partitions.bill_line_partitions_ensure(months=months)
    partitions.usage_partitions_ensure(months=months)
    made = [_billed_account(n) for n in range(3)]
    made.append(AccountFactory())  # nothing billed: an empty bill
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE quota_billline; ANALYZE quota_bill")
    return made


def _expected(account, month: date) -> dict:
    """The bill of the month from first principles: sums over the daily bills and the lines, tenders of the
    settlements of the month's days (none of these months is final)."""
    first, last = month, (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    bills = Bill.objects.filter(account=account, day__gte=first, day__lte=last)
    lines: dict[tuple[int, int], list] = defaultdict(lambda: [0, 0, 0, ZERO])
    for line in BillLine.objects.filter(bill__in=bills, day__gte=first, day__lte=last):
        row = lines[(line.workspace_id, line.billing_item_id)]
        row[0] += line.usage
        row[1] += line.covered_by_package + line.covered_by_traffic
        row[2] += line.overage
        row[3] += line.amount
    paid = defaultdict(lambda: ZERO)
    settlements = BillSettlement.objects.filter(bill__in=bills)
    for s in settlements:
        if s.payment_id is None:
            assert s.amount < 0
            paid["cash"] += s.amount
        for t in PaymentTender.objects.filter(payment_id=s.payment_id):
            paid[t.kind] += -t.amount if s.amount < 0 else t.amount
    return {
        "lines": {key: (u, c, o, quantize(amount)) for key, (u, c, o, amount) in lines.items()},
        "consumption": quantize(bills.aggregate(s=Sum("total"))["s"] or ZERO),
        "count": bills.count(),
        "paid": {kind: paid[kind] for kind in ("ordinary_voucher", "full_reduction_voucher", "prepaid_card",
                                               "cash", "arrears")},
        "settlements": sorted(settlements.values_list("pk", flat=True)),
    }


def _actual(bill: MonthlyBill) -> dict:
    return {
        "lines": {(line.workspace_id, line.billing_item_id): (line.usage, line.covered, line.overage, line.amount)
                  for line in MonthlyBillLine.objects.filter(monthly_bill=bill)},
        "consumption": bill.consumption_total,
        "count": bill.daily_bill_count,
        "paid": {"ordinary_voucher": bill.paid_ordinary_voucher,
                 "full_reduction_voucher": bill.paid_full_reduction_voucher,
                 "prepaid_card": bill.paid_prepaid_card, "cash": bill.paid_cash, "arrears": bill.paid_arrears},
        "settlements": sorted(bill.settlements.values_list("settlement_id", flat=True)),
    }


def _snapshot(month: date) -> list:
    """Every bill of the month with its lines and links, as values (no ids of the monthly rows)."""
    out = []
    for bill in MonthlyBill.objects.filter(month=month).order_by("account_id"):
        out.append((
            bill.account_id, bill.status, bill.consumption_total, bill.adjustments_total, bill.total,
            bill.paid_ordinary_voucher, bill.paid_full_reduction_voucher, bill.paid_prepaid_card, bill.paid_cash,
            bill.paid_arrears, bill.arrears_at_month_end, bill.daily_bill_count,
            sorted(MonthlyBillLine.objects.filter(monthly_bill=bill).values_list(
                "workspace_id", "billing_item_id", "usage", "covered", "overage", "amount")),
            sorted(MonthlyBillSettlement.objects.filter(monthly_bill=bill).values_list(
                "settlement_id", "day", "amount", "is_adjustment")),
        ))
    return out


def _forget(month: date) -> None:
    bills = MonthlyBill.objects.filter(month=month)
    MonthlyBillLine.objects.filter(monthly_bill__in=bills).delete()
    MonthlyBillSettlement.objects.filter(monthly_bill__in=bills).delete()
    bills.delete()


def test_the_close_of_several_accounts_equals_the_per_line_sums(accounts):
    ids = [a.pk for a in accounts]
    with time_machine.travel(at(2026, 10, 2)):
        result = monthly_bills_close(month=date(2026, 9, 17), account_ids=ids)
    assert sorted(MonthlyBill.objects.filter(month=SEPT).values_list("account_id", flat=True)) == sorted(ids)
    assert len(result.bill_ids) == len(ids) and result.final_account_ids == []
    for account in accounts:
        bill = MonthlyBill.objects.get(account=account, month=SEPT)
        assert _actual(bill) == _expected(account, SEPT), account.pk
        assert bill.total == bill.consumption_total and bill.adjustments_total == 0
        assert sum(row[3] for row in _actual(bill)["lines"].values()) == bill.consumption_total
    busy = MonthlyBill.objects.get(account=accounts[0], month=SEPT)
    assert busy.daily_bill_count == 4 and busy.consumption_total > 0
    assert all(busy.paid_ordinary_voucher > 0 for busy in MonthlyBill.objects.filter(account__in=accounts[:3]))
    assert busy.paid_cash < MonthlyBill.objects.get(account=accounts[1], month=SEPT).paid_cash  # its credit
    empty = MonthlyBill.objects.get(account=accounts[3], month=SEPT)
    assert (empty.total, empty.daily_bill_count, empty.lines.count()) == (0, 0, 0)
    # the one-account refresh is the same close (a chunk of one)
    before = _snapshot(SEPT)
    _forget(SEPT)
    with time_machine.travel(at(2026, 10, 2)):
        for account in accounts:
            monthly_bill_refresh(account=account, month=SEPT)
    assert _snapshot(SEPT) == before


def test_a_re_close_writes_nothing_and_changes_nothing(accounts):
    ids = [a.pk for a in accounts]
    first = monthly_bills_close(month=SEPT, account_ids=ids)
    assert first.lines_written == MonthlyBillLine.objects.filter(monthly_bill__month=SEPT).count() > 0
    before = _snapshot(SEPT)
    line_ids = sorted(MonthlyBillLine.objects.values_list("pk", flat=True))
    again = monthly_bills_close(month=SEPT, account_ids=ids)
    assert (again.lines_written, again.lines_deleted, again.links_written, again.links_deleted) == (0, 0, 0, 0)
    assert sorted(again.bill_ids) == sorted(first.bill_ids)
    assert _snapshot(SEPT) == before
    assert sorted(MonthlyBillLine.objects.values_list("pk", flat=True)) == line_ids
    # a change of one account's usage rewrites that account's changed lines only
    ws = WorkspaceFactory._meta.model.objects.filter(account=accounts[1]).order_by("pk").first()
    f.usage(ws, "log", date(2026, 9, 5), 9_000_000)
    _night(accounts[1], date(2026, 9, 5), hour=4)
    third = monthly_bills_close(month=SEPT, account_ids=ids)
    assert third.lines_written == 1 and third.lines_deleted == 0 and third.links_written == 1
    assert _actual(MonthlyBill.objects.get(account=accounts[1], month=SEPT)) == _expected(accounts[1], SEPT)


def test_any_chunk_size_gives_the_same_bills(accounts):
    more = [*accounts, AccountFactory()]
    ids = [a.pk for a in more]
    monthly_bills_close(month=SEPT, account_ids=ids)  # chunks of 500: one
    whole = _snapshot(SEPT)
    for size in (1, 2, 3):
        _forget(SEPT)
        result = monthly_bills_close(month=SEPT, account_ids=ids, chunk_size=size)
        assert len(result.bill_ids) == len(ids)
        assert _snapshot(SEPT) == whole, size
    with pytest.raises(ValueError):
        monthly_bills_close(month=SEPT, account_ids=ids, chunk_size=0)


def test_final_months_are_left_and_late_reruns_land_as_adjustments_for_every_account(accounts):
    ids = [a.pk for a in accounts]
    # August (31 August) and September of the three billed accounts; the fourth has no bill to finalise
    assert monthly_bills_finalize_due(now=at(2026, 10, 3, 4), account_ids=ids, chunk_size=2) == 2 * 3
    final = _snapshot(SEPT)
    assert {row[1] for row in final} == {MonthlyBillStatus.FINAL}
    late = accounts[:2]
    for account in late:  # late usage of a final month, its night re-run now (settlements are made now)
        ws = WorkspaceFactory._meta.model.objects.filter(account=account).order_by("pk").last()
        f.usage(ws, "log", date(2026, 9, 6), 8_000_000)
        f.night(account, date(2026, 9, 6))
    assert monthly_bills_refresh_for_day(day=date(2026, 9, 6), account_ids=ids) == 3  # those billed that day
    result = monthly_bills_close(month=SEPT, account_ids=ids[:3])
    assert result.bill_ids == [] and sorted(result.final_account_ids) == sorted(ids[:3])
    assert _snapshot(SEPT) == final
    for account in late:
        current = MonthlyBill.objects.get(account=account, month=month_start(account_today(account)))
        adjustment = BillSettlement.objects.filter(bill__account=account, bill__day=date(2026, 9, 6)).latest("pk")
        assert current.adjustments_total == adjustment.amount > 0
        assert current.total == current.consumption_total + adjustment.amount
        assert current.settlements.get(is_adjustment=True).settlement_id == adjustment.pk
    for account in accounts[2:3]:
        current = MonthlyBill.objects.get(account=account, month=month_start(account_today(account)))
        assert current.adjustments_total == 0


def _partitions_read(plan: str) -> set[str]:
    return set(re.findall(r"\b(quota_billline_(?:p\d{4}_\d{2}|default))\b", plan))


def test_the_close_reads_only_the_month_s_line_partition(accounts):
    with CaptureQueriesContext(connection) as queries:
        monthly_bills_close(month=SEPT, account_ids=[a.pk for a in accounts])
    reading = [q["sql"] for q in queries.captured_queries if "quota_billline" in q["sql"]]
    assert len(reading) == 1  # one statement aggregates the chunk's lines
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {reading[0]}")  # not executed: a plain EXPLAIN of the captured statement
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert _partitions_read(plan) == {"quota_billline_p2026_09"}, plan
    assert BillLine.objects.filter(day__in=[date(2026, 8, 31), OCT]).exists()  # other months have lines
    assert Decimal(0) < MonthlyBill.objects.filter(month=SEPT).aggregate(s=Sum("total"))["s"]
