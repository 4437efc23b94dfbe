"""Dated storage policies in the night (docs/RULES-quota.md "Storage policies"): a change applies from the
account's next billing day; every night and re-run uses the policy in force on the day it bills."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from plans.models import BillingItem, StoragePolicy
from quota.models import Bill, BillLine
from quota.night import night_run_chunk
from quota.tests import factories as f
from tests.factories import WorkspaceFactory
from workspaces.services import workspace_storage_policy_set

pytestmark = pytest.mark.django_db

D = date(2026, 3, 10)
START = date(2026, 1, 1)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def run(account, day=D):
    return night_run_chunk(day=day, account_ids=[account.pk])


def choose(ws, retention_days, *, now=None):
    log = BillingItem.objects.get(code="log")
    sp = StoragePolicy.objects.get(billing_item=log, retention_days=retention_days)
    return workspace_storage_policy_set(workspace=ws, billing_item=log, storage_policy=sp, now=now)


@pytest.fixture
def covered(account):
    """The issue's example: 60,000,000 log entries a day on a Startup package (40,000,000 a day), 14 days
    retention (factor 1): 20,000,000 over at 1.5 = 30.00. At 60 days (factor 3) it would be 210.00."""
    f.fund_cash(account, "10000.00")
    ws = WorkspaceFactory(account=account)
    f.package(account, [ws], starts_on=START)
    for day in (D, D + timedelta(days=1)):
        f.usage(ws, "log", day, 60_000_000)
    return ws


def test_a_policy_changed_now_never_reprices_a_past_day(account, covered):
    run(account)
    bill = Bill.objects.get(account=account, day=D)
    assert bill.total == bill.charged == Decimal("30.00")
    change = choose(covered, 60)  # today: applies from tomorrow, long after D
    assert change.outcome == "scheduled" and change.valid_from > D
    run(account)  # the re-run of D (as the hourly beat or finance would)
    bill.refresh_from_db()
    assert bill.total == bill.charged == Decimal("30.00")
    assert list(bill.settlements.values_list("amount", flat=True)) == [Decimal("30.00")]
    line = BillLine.objects.get(bill=bill)
    assert (line.factor, line.storage_policy.retention_days) == (1, 14)


def test_the_night_of_the_next_billing_day_uses_the_new_policy(account, covered):
    noon_on_d = datetime(2026, 3, 10, 12, tzinfo=SHANGHAI).astimezone(UTC)
    change = choose(covered, 60, now=noon_on_d)
    assert change.valid_from == D + timedelta(days=1)
    run(account)
    assert Bill.objects.get(account=account, day=D).total == Decimal("30.00")  # D keeps 14 days
    run(account, D + timedelta(days=1))
    next_bill = Bill.objects.get(account=account, day=D + timedelta(days=1))
    assert next_bill.total == Decimal("210.00")  # 180,000,000 converted - 40,000,000 = 140,000,000 x 1.5
    assert BillLine.objects.get(bill=next_bill).factor == 3
    run(account)  # re-running D after the new policy is in force changes nothing
    assert Bill.objects.get(account=account, day=D).total == Decimal("30.00")


def test_uncovered_workspace_is_priced_at_the_policy_of_the_day(account):
    f.fund_cash(account, "1000.00")
    ws = WorkspaceFactory(account=account)
    f.policy(ws, "log", 3, valid_from=START)  # 1.00 per 1,000,000 until D
    f.policy(ws, "log", 60, valid_from=D + timedelta(days=1))  # 2.50 from the next day
    for day in (D, D + timedelta(days=1)):
        f.usage(ws, "log", day, 20_000_000)
        run(account, day)
    totals = dict(Bill.objects.filter(account=account).values_list("day", "total"))
    assert totals == {D: Decimal("20.00"), D + timedelta(days=1): Decimal("50.00")}
