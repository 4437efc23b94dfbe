from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, InternalError, transaction
from django.db.models import Sum
from django.test import TestCase

from core.days import account_today, month_end, month_start, next_month, previous_month
from core.exceptions import Conflict
from payments.models import BalanceKind, LedgerEntry, PaymentTender
from quota.models import Bill, BillLine, BillSettlement
from statements.models import MonthlyBill, MonthlyBillLine, MonthlyBillStatus
from statements.monthly_bills import (
    finalisation_day,
    monthly_bill_finalize,
    monthly_bill_refresh,
    monthly_bills_finalize_due,
    monthly_bills_refresh_for_day,
)
from statements.tests import factories as f
from tests.factories import MembershipFactory, WorkspaceFactory
from workspaces.models import Role

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
SEPT = date(2026, 9, 1)


def at(y, m, d, h=12):
    return datetime(y, m, d, h, tzinfo=SH)


@pytest.fixture
def billed(account, owner):
    """Two commercial workspaces, PAYG, three days in September and one in October; cash for part of it. The
    recharge is made on 1 September and each night runs at 01:00 after its day, as the beat would run them, so
    the ledger's times are those of the story (the month-end arrears read them)."""
    a = WorkspaceFactory(account=account, name="A")
    b = WorkspaceFactory(account=account, name="B")
    with time_machine.travel(at(2026, 9, 1)):
        f.recharge(account, "10.00")
    for day, (logs_a, logs_b, hosts) in {
        date(2026, 9, 5): (3_000_000, 1_000_000, 2),
        date(2026, 9, 6): (2_000_000, 0, 3),
        date(2026, 9, 30): (1_000_000, 5_000_000, 1),
        date(2026, 10, 1): (9_000_000, 0, 0),
    }.items():
        f.usage(a, "log", day, logs_a)
        if logs_b:
            f.usage(b, "log", day, logs_b)
        if hosts:
            f.usage(b, "datakit", day, hosts)
        with time_machine.travel(at(day.year, day.month, day.day, 1) + timedelta(days=1)):
            f.night(account, day)
    return a, b


def test_monthly_totals_equal_daily_bills_lines_and_ledger(account, billed):
    bill = monthly_bill_refresh(account=account, month=date(2026, 9, 17))
    sept = Bill.objects.filter(account=account, day__gte=SEPT, day__lte=date(2026, 9, 30))
    assert bill.month == SEPT and bill.daily_bill_count == 3
    assert bill.consumption_total == sept.aggregate(s=Sum("total"))["s"] > 0
    assert bill.total == bill.consumption_total and bill.adjustments_total == 0
    lines = MonthlyBillLine.objects.filter(monthly_bill=bill)
    assert lines.aggregate(s=Sum("amount"))["s"] == bill.consumption_total
    assert lines.aggregate(s=Sum("amount"))["s"] == BillLine.objects.filter(bill__in=sept).aggregate(
        s=Sum("amount"))["s"]
    # per workspace and item: one line each, sums of the days
    a_logs = lines.get(workspace=billed[0], billing_item__code="log")
    assert a_logs.usage == 6_000_000
    assert a_logs.amount == BillLine.objects.filter(bill__in=sept, workspace=billed[0]).aggregate(
        s=Sum("amount"))["s"]
    # tenders: what the settlements were paid with, and the ledger agrees
    settlements = BillSettlement.objects.filter(bill__in=sept)
    assert bill.paid_total + bill.paid_arrears == settlements.aggregate(s=Sum("amount"))["s"]
    payments = settlements.values("payment")
    cash_out = LedgerEntry.objects.filter(payment__in=payments, balance_kind=BalanceKind.CASH).aggregate(
        s=Sum("amount"))["s"] or 0
    arrears_in = LedgerEntry.objects.filter(payment__in=payments, balance_kind=BalanceKind.ARREARS).aggregate(
        s=Sum("amount"))["s"] or 0
    assert bill.paid_cash == -cash_out == Decimal("10.00")
    assert bill.paid_arrears == arrears_in == PaymentTender.objects.filter(
        payment__in=payments, kind="arrears").aggregate(s=Sum("amount"))["s"]
    # owed at the month's end: the nights of 5 and 6 September, less the 10.00 of cash. The night of the 30th
    # runs on 1 October, after the month's end, so its arrears are not in it (though paid_arrears counts them)
    sept_5_and_6 = Bill.objects.filter(account=account, day__in=[date(2026, 9, 5), date(2026, 9, 6)])
    assert bill.arrears_at_month_end == sept_5_and_6.aggregate(s=Sum("total"))["s"] - Decimal("10.00") > 0
    assert bill.arrears_at_month_end < bill.paid_arrears


def test_october_is_separate_and_refresh_is_idempotent(account, billed):
    monthly_bill_refresh(account=account, month=SEPT)
    again = monthly_bill_refresh(account=account, month=SEPT)
    october = monthly_bill_refresh(account=account, month=date(2026, 10, 1))
    assert MonthlyBill.objects.filter(account=account).count() == 2
    assert MonthlyBillLine.objects.filter(monthly_bill=again).count() == 3
    assert october.consumption_total == Bill.objects.get(account=account, day=date(2026, 10, 1)).total


def test_final_bill_cannot_change_service_or_database(account, billed):
    bill = monthly_bill_finalize(account=account, month=SEPT, now=at(2026, 10, 3, 4))
    assert bill.status == MonthlyBillStatus.FINAL and bill.finalized_at
    with pytest.raises(Conflict) as error:
        monthly_bill_refresh(account=account, month=SEPT)
    assert error.value.code == "monthly_bill_final"
    for attempt in (
        lambda: MonthlyBill.objects.filter(pk=bill.pk).update(total=0, consumption_total=0),
        lambda: MonthlyBill.objects.filter(pk=bill.pk).update(status="open"),
        lambda: MonthlyBill.objects.filter(pk=bill.pk).delete(),
        lambda: MonthlyBillLine.objects.filter(monthly_bill=bill).update(amount=0),
        lambda: MonthlyBillLine.objects.filter(monthly_bill=bill).delete(),
        lambda: MonthlyBillLine.objects.create(monthly_bill=bill, workspace=billed[0],
                                               billing_item_id=BillLine.objects.first().billing_item_id),
    ):
        with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
            attempt()
    bill.refresh_from_db()
    assert bill.status == MonthlyBillStatus.FINAL and bill.total > 0


def test_finalised_only_from_the_third_and_owners_and_admins_are_told_once(account, billed, owner, administrator):
    member = MembershipFactory(account=account, role=Role.MEMBER).user
    with pytest.raises(Conflict):
        monthly_bill_finalize(account=account, month=SEPT, now=at(2026, 10, 2, 23))
    with transaction.atomic():
        assert monthly_bills_finalize_due(now=at(2026, 10, 2, 23), account_ids=[account.pk]) == 0
    mail.outbox.clear()
    third = at(2026, 10, 3, 3)
    done = _run_on_commit(lambda: monthly_bills_finalize_due(now=third, account_ids=[account.pk]))
    assert done == 1
    assert MonthlyBill.objects.get(account=account, month=SEPT).status == MonthlyBillStatus.FINAL
    assert not MonthlyBill.objects.filter(account=account, month=date(2026, 10, 1), status="final").exists()
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([owner.email, administrator.email])
    assert member.email not in mail.outbox[0].to
    later = at(2026, 10, 4)
    assert _run_on_commit(lambda: monthly_bills_finalize_due(now=later, account_ids=[account.pk])) == 0
    assert len(mail.outbox) == 1


def _run_on_commit(fn):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return fn()


def test_late_rerun_of_a_final_month_lands_in_the_month_it_is_made(account, billed):
    sept = monthly_bill_finalize(account=account, month=SEPT, now=at(2026, 10, 3, 4))
    frozen = (sept.total, sept.paid_total, MonthlyBillLine.objects.filter(monthly_bill=sept).count())
    before = Bill.objects.get(account=account, day=date(2026, 9, 6)).total
    f.usage(billed[1], "log", date(2026, 9, 6), 4_000_000)  # late usage
    f.night(account, date(2026, 9, 6))
    diff = Bill.objects.get(account=account, day=date(2026, 9, 6)).total - before
    assert diff == Decimal("6.00")
    monthly_bills_refresh_for_day(day=date(2026, 9, 6), account_ids=[account.pk])
    sept.refresh_from_db()
    assert (sept.total, sept.paid_total, MonthlyBillLine.objects.filter(monthly_bill=sept).count()) == frozen
    current = MonthlyBill.objects.get(account=account, month=month_start(account_today(account)))
    assert current.adjustments_total == diff
    assert current.settlements.filter(is_adjustment=True).count() == 1


def test_month_helpers():
    assert month_end(date(2028, 2, 10)) == date(2028, 2, 29)
    assert next_month(date(2026, 12, 5)) == date(2027, 1, 1)
    assert previous_month(date(2027, 1, 1)) == date(2026, 12, 1)
    assert finalisation_day(date(2026, 12, 1)) == date(2027, 1, 3)
