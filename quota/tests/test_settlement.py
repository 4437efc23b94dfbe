"""Settlement through the wallet, re-runs by difference, redelivered chunks, dry-run, arrears and locks."""

import io
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import DataError, connection, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from payments.models import LedgerEntry, Payment, PaymentTender, Voucher, VoucherKind, Wallet
from quota import engine, tasks
from quota.arrears import arrears_sweep
from quota.ingest import usage_ingest
from quota.models import Bill, BillLine, BillSettlement, NightMark, UsageRecord
from quota.night import late_usage_reruns, night_run_chunk, nights_due
from quota.reconcile import check_bills
from quota.tasks import run_night_chunk
from quota.tests import factories as f
from tests.factories import AccountFactory, MembershipFactory, WorkspaceFactory
from workspaces.models import Role, Workspace, WorkspaceStatus

D = date(2026, 3, 10)
INGEST_NOW = datetime(2026, 3, 11, 6, tzinfo=UTC)  # D is inside the usage window


def run(account, day=D, **kwargs):
    return night_run_chunk(day=day, account_ids=[account.pk], **kwargs)


def bill(account, day=D) -> Bill:
    return Bill.objects.get(account=account, day=day)


def counts():
    models = (Bill, BillLine, BillSettlement, Payment, PaymentTender, LedgerEntry)
    balances = tuple(Wallet.objects.order_by("pk").values_list("cash_balance", "arrears"))
    return (*(m.objects.count() for m in models), balances)


@pytest.mark.django_db
def test_sms_is_never_paid_by_vouchers(account):
    ws = WorkspaceFactory(account=account)
    voucher = f.give_voucher(account, "100.00")
    f.fund_cash(account, "10.00")
    f.usage(ws, "sms", D, 30)  # 3.00
    f.usage(ws, "datakit", D, 2)  # 6.00
    run(account)
    voucher.refresh_from_db()
    wallet = Wallet.objects.get(account=account)
    assert voucher.balance == Decimal("94.00")
    assert wallet.cash_balance == Decimal("7.00")
    assert check_bills() == []


@pytest.mark.django_db
def test_settlement_order_vouchers_then_cards_then_cash_then_arrears(account):
    ws = WorkspaceFactory(account=account)
    late_ordinary = f.give_voucher(account, "2.00", days=60)
    early_ordinary = f.give_voucher(account, "1.00", days=10)
    gift = f.give_voucher(account, "1.00", kind=VoucherKind.FULL_REDUCTION, days=5)
    card = f.give_card(account, "2.00")
    f.fund_cash(account, "1.00")
    f.usage(ws, "datakit", D, 3)  # 9.00
    run(account)
    tenders = list(
        PaymentTender.objects.filter(payment__source_type="bill").order_by("id").values_list("kind", "amount")
    )
    assert tenders == [
        ("ordinary_voucher", Decimal("1.00")), ("ordinary_voucher", Decimal("2.00")),
        ("full_reduction_voucher", Decimal("1.00")), ("prepaid_card", Decimal("2.00")),
        ("cash", Decimal("1.00")), ("arrears", Decimal("2.00")),
    ]
    for obj in (late_ordinary, early_ordinary, gift, card):
        obj.refresh_from_db()
        assert obj.balance == 0
    assert Wallet.objects.get(account=account).arrears == Decimal("2.00")
    assert bill(account).settlements.get().payment.amount == Decimal("9.00")


@pytest.mark.django_db
def test_three_reruns_change_nothing_and_late_usage_is_one_adjustment(account):
    ws = WorkspaceFactory(account=account)
    f.fund_cash(account, "1000.00")
    f.usage(ws, "datakit", D, 2)
    run(account)
    before = counts()
    for _ in range(3):
        result = run(account)
        assert result.charged == 0 and result.settlements == 0
    after = counts()
    assert before == after  # lines are replaced by equal lines: counts and balances unchanged
    assert bill(account).runs == 4
    f.usage(ws, "datakit", D, 5)  # late usage: 15.00 instead of 6.00
    f.usage(ws, "sms", D, 10)  # and 1.00 of SMS
    run(account)
    run(account)
    b = bill(account)
    assert (b.total, b.charged) == (Decimal("16.00"), Decimal("16.00"))
    assert list(b.settlements.values_list("sequence", "amount")) == [(1, Decimal("6.00")), (2, Decimal("10.00"))]
    assert Wallet.objects.get(account=account).cash_balance == Decimal("984.00")
    assert check_bills() == []


@pytest.mark.django_db
def test_lower_rerun_is_credited_back(account):
    ws = WorkspaceFactory(account=account)
    f.fund_cash(account, "100.00")
    f.usage(ws, "datakit", D, 5)
    run(account)
    f.usage(ws, "datakit", D, 1)  # corrected downward
    run(account)
    b = bill(account)
    assert (b.total, b.charged) == (Decimal("3.00"), Decimal("3.00"))
    assert list(b.settlements.values_list("amount", flat=True)) == [Decimal("15.00"), Decimal("-12.00")]
    assert Wallet.objects.get(account=account).cash_balance == Decimal("97.00")
    assert check_bills() == []


@pytest.mark.django_db
def test_redelivered_chunk_charges_nothing_twice(account, other_account):
    for acc in (account, other_account):
        f.fund_cash(acc, "100.00")
        f.usage(WorkspaceFactory(account=acc), "datakit", D, 1)
    ids = [account.pk, other_account.pk]

    run_night_chunk.delay(D.isoformat(), ids)
    run_night_chunk.delay(D.isoformat(), ids)  # the broker redelivers the same chunk
    for acc in (account, other_account):
        assert bill(acc).settlements.count() == 1
        assert Wallet.objects.get(account=acc).cash_balance == Decimal("97.00")


@pytest.mark.django_db(transaction=True)
def test_chunk_that_dies_midway_is_rerun_cleanly(catalogue):
    accounts = [AccountFactory() for _ in range(3)]
    for acc in accounts:
        f.fund_cash(acc, "100.00")
        f.usage(WorkspaceFactory(account=acc), "datakit", D, 2)
    ids = [a.pk for a in accounts]
    with (mock.patch.object(engine, "MARK_CHARGED", "SELECT 1/0"),
          pytest.raises(DataError, match="division by zero")):
        night_run_chunk(day=D, account_ids=ids)  # dies after settle_demands, before the end
    assert not Bill.objects.exists() and not Payment.objects.filter(source_type="bill").exists()
    assert all(w == Decimal("100.00") for w in Wallet.objects.values_list("cash_balance", flat=True))
    night_run_chunk(day=D, account_ids=ids)
    night_run_chunk(day=D, account_ids=ids)
    assert sorted(Wallet.objects.values_list("cash_balance", flat=True)) == [Decimal("94.00")] * 3
    assert BillSettlement.objects.count() == 3 and check_bills() == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_chunk_settle_once(catalogue):
    acc = AccountFactory()
    f.fund_cash(acc, "100.00")
    f.usage(WorkspaceFactory(account=acc), "datakit", D, 2)
    errors = []

    def work():
        try:
            night_run_chunk(day=D, account_ids=[acc.pk])
        except Exception as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Wallet.objects.get(account=acc).cash_balance == Decimal("94.00")
    assert BillSettlement.objects.count() == 1


@pytest.mark.django_db
def test_dry_run_writes_nothing(account):
    ws = WorkspaceFactory(account=account)
    f.fund_cash(account, "100.00")
    f.usage(ws, "datakit", D, 2)
    before = counts()
    result = run(account, dry_run=True)
    assert result.charged == Decimal("6.00") and result.outcomes[0].difference == Decimal("6.00")
    assert counts() == before
    call_command("run_deduction", "--date", D.isoformat(), "--dry-run", stdout=io.StringIO())
    assert counts() == before
    run(account)
    f.usage(ws, "datakit", D, 3)
    before = counts()
    result = run(account, dry_run=True)
    assert result.charged == Decimal("3.00") and counts() == before


@pytest.mark.django_db
def test_run_deduction_command(account, capsys):
    ws = WorkspaceFactory(account=account)
    f.fund_cash(account, "100.00")
    f.usage(ws, "datakit", D, 2)
    call_command("run_deduction", "--date", D.isoformat(), "--account", str(account.pk))
    assert bill(account).charged == Decimal("6.00")
    out = capsys.readouterr().out
    assert "6.00" in out


@pytest.mark.django_db
def test_arrears_countdown_reminder_lock_and_unlock(account, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner = MembershipFactory(account=account, role=Role.OWNER).user
    ws = WorkspaceFactory(account=account)
    free = WorkspaceFactory(account=account, free=True)
    f.usage(ws, "datakit", D, 2)

    with mock.patch.object(transaction, "on_commit", lambda fn, *a, **k: fn()):
        result = run(account)
        assert result.countdowns_started == 1
        ws.refresh_from_db()
        free.refresh_from_db()
        assert ws.status == WorkspaceStatus.COUNTDOWN and ws.countdown_started_at and free.status == "active"
        assert len(mail.outbox) == 1 and mail.outbox[0].to == [owner.email]
        run(account)  # a re-run does not restart the countdown nor mail again
        assert len(mail.outbox) == 1
        now = timezone.now()
        assert arrears_sweep(now=now + timedelta(days=10)) == {"unlocked": 0, "locked": 0, "reminded": 0}
        assert arrears_sweep(now=now + timedelta(days=11, minutes=1))["reminded"] == 1
        assert len(mail.outbox) == 2
        assert arrears_sweep(now=now + timedelta(days=14, minutes=1))["locked"] == 1
        assert len(mail.outbox) == 3
    ws.refresh_from_db()
    assert ws.status == WorkspaceStatus.LOCKED and ws.locked_at
    f.fund_cash(account, "6.00")  # a recharge pays the arrears: unlocked at once
    ws.refresh_from_db()
    assert ws.status == WorkspaceStatus.ACTIVE and ws.locked_at is None and ws.countdown_started_at is None


@pytest.mark.django_db
def test_nights_due_by_local_midnight():
    shanghai = AccountFactory(time_zone="Asia/Shanghai")
    la = AccountFactory(time_zone="America/Los_Angeles")
    for acc in (shanghai, la):
        type(acc).objects.filter(pk=acc.pk).update(created_at=datetime(2026, 10, 1, tzinfo=UTC))
    now = datetime(2026, 11, 22, 17, 30, tzinfo=UTC)  # Shanghai 23 Nov 01:30, LA 22 Nov 09:30
    due = nights_due(now=now, catch_up_days=1)
    assert shanghai.pk in due[date(2026, 11, 22)] and la.pk in due[date(2026, 11, 21)]
    night_run_chunk(day=date(2026, 11, 22), account_ids=[shanghai.pk])
    due = nights_due(now=now, catch_up_days=1)
    assert shanghai.pk not in due.get(date(2026, 11, 22), [])


@pytest.mark.django_db
def test_start_nights_fans_out_chunks(account, monkeypatch):
    calls = []

    monkeypatch.setattr(tasks.run_night_chunk, "delay", lambda day, ids: calls.append((day, ids)))
    monkeypatch.setattr("quota.night.CHUNK_SIZE", 2)
    for _ in range(4):
        AccountFactory()
    assert tasks.start_nights() == len(calls)
    assert all(len(ids) <= 2 for _day, ids in calls)


@pytest.mark.django_db
def test_beat_schedules_exist():
    assert set(PeriodicTask.objects.values_list("task", flat=True)) >= {"quota.start_nights", "quota.arrears_sweep"}
    assert Voucher  # imported for the settlement-order test


@pytest.mark.django_db
def test_rerun_keeps_unchanged_lines_and_drops_stale_ones(account):
    a, b = WorkspaceFactory(account=account), WorkspaceFactory(account=account)
    f.fund_cash(account, "100.00")
    f.usage(a, "datakit", D, 1)
    f.usage(b, "datakit", D, 2)
    run(account)
    ids = dict(BillLine.objects.values_list("workspace_id", "id"))
    f.usage(b, "datakit", D, 3)
    result = run(account)
    assert result.lines == 1 and dict(BillLine.objects.values_list("workspace_id", "id")) == ids
    Workspace.objects.filter(pk=b.pk).update(plan="free", commercial_since=None)  # no longer billed
    run(account)
    assert list(BillLine.objects.values_list("workspace_id", flat=True)) == [a.pk]
    assert bill(account).total == Decimal("3.00") == bill(account).charged
    assert check_bills() == []


@pytest.mark.django_db
def test_late_usage_is_picked_up_by_the_hourly_beat(account):
    type(account).objects.filter(pk=account.pk).update(created_at=datetime(2026, 1, 1, tzinfo=UTC))
    ws = WorkspaceFactory(account=account)
    f.fund_cash(account, "100.00")
    record = {"workspace_id": ws.pk, "item": "datakit", "day": D.isoformat(), "quantity": 2}
    usage_ingest(records=[record], now=INGEST_NOW)
    run(account)
    hour_ago = timezone.now() - timedelta(hours=1)
    UsageRecord.objects.update(updated_at=hour_ago)  # reported well before the night
    now = datetime(2026, 3, 12, tzinfo=UTC)
    assert late_usage_reruns(now=now) == {}
    usage_ingest(records=[record], now=INGEST_NOW)  # the same quantity again: nothing changed
    assert late_usage_reruns(now=now) == {}
    usage_ingest(records=[{**record, "quantity": 3}], now=INGEST_NOW)
    assert late_usage_reruns(now=now) == {D: [account.pk]}
    run(account)
    UsageRecord.objects.update(updated_at=hour_ago)
    assert late_usage_reruns(now=now) == {}
    assert list(bill(account).settlements.values_list("amount", flat=True)) == [Decimal("6.00"), Decimal("3.00")]


@pytest.mark.django_db
def test_a_night_for_a_day_not_over_bills_nothing_and_marks_nothing(account):
    ws = WorkspaceFactory(account=account)
    today = timezone.now().astimezone(ZoneInfo(account.time_zone)).date()
    f.usage(ws, "log", today, 3_000_000)
    result = night_run_chunk(day=today, account_ids=[account.pk])
    assert result.accounts == 0
    assert not Bill.objects.filter(account=account).exists()
    assert not NightMark.objects.filter(account=account).exists()


@pytest.mark.django_db
def test_late_usage_for_a_night_that_had_no_bill_is_picked_up(account):
    type(account).objects.filter(pk=account.pk).update(created_at=datetime(2026, 1, 1, tzinfo=UTC))
    ws = WorkspaceFactory(account=account)
    f.fund_cash(account, "100.00")
    run(account)  # the night of D runs while the account has reported nothing for D: no bill
    assert not Bill.objects.filter(account=account, day=D).exists()
    now = datetime(2026, 3, 12, tzinfo=UTC)
    assert late_usage_reruns(now=now) == {}
    usage_ingest(
        records=[{"workspace_id": ws.pk, "item": "datakit", "day": D.isoformat(), "quantity": 2}], now=INGEST_NOW
    )
    assert late_usage_reruns(now=now) == {D: [account.pk]}
    run(account)
    assert bill(account).total == Decimal("6.00") == bill(account).charged
