"""The redesign's rules in quota: the account's day comes from core.days (an unknown stored zone is the default
zone, logged, everywhere); one SQL fragment says which plan applies on a day; arrears status goes through
workspaces.services and is announced by signals (quota never mails)."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core import days
from quota import engine, ingest, night, selectors
from quota.arrears import arrears_sweep
from quota.error_codes import QuotaErrorCode
from quota.models import UsageRecord
from quota.night import BillCharge, BillCredit, BillTotals, charge_or_credit
from quota.signals import arrears_countdown_started, arrears_reminder_due, workspaces_locked
from quota.tests import factories as f
from tests.factories import AccountFactory, WorkspaceFactory
from workspaces import services as workspace_services
from workspaces.models import Account, Workspace, WorkspaceStatus

D = date(2026, 3, 10)


def _unknown_zone_account() -> Account:
    """An account whose stored zone is not a zone (written around the services, which validate it)."""
    account = AccountFactory()
    name = f"Mars/Olympus_{uuid.uuid4().hex[:8]}"  # new name each time: core.days logs once per name
    Account.objects.filter(pk=account.pk).update(time_zone=name, created_at=datetime(2026, 1, 1, tzinfo=UTC))
    account.refresh_from_db()
    return account


# --- the account's day -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_unknown_zone_is_the_default_zone_everywhere_and_logged(caplog):
    """Quota's nights, its ingestion and its pages agree with core.days for an account whose stored zone is
    unknown: core.days' answer (the default zone, logged) is the one orders' prices and statements' months use
    too, since they compute the account's day through core.days as well."""
    account = _unknown_zone_account()
    default = AccountFactory(time_zone=days.DEFAULT_TIME_ZONE)
    Account.objects.filter(pk=default.pk).update(created_at=datetime(2026, 1, 1, tzinfo=UTC))
    now = datetime(2026, 11, 22, 17, 30, tzinfo=UTC)  # Shanghai: 23 Nov 01:30; UTC: still 22 Nov
    with caplog.at_level(logging.ERROR, logger="core.days"):
        today = days.account_today(account, now=now)
    assert today == date(2026, 11, 23) == days.account_today(default, now=now)
    assert any(account.time_zone in record.getMessage() for record in caplog.records)
    # the night: 22 Nov is over for both, 23 Nov for neither; the hourly beat sees the same day due
    assert night._day_is_over(date(2026, 11, 22), account.time_zone, now)
    assert not night._day_is_over(date(2026, 11, 23), account.time_zone, now)
    due = night.nights_due(now=now, catch_up_days=1)
    assert account.pk in due[date(2026, 11, 22)] and default.pk in due[date(2026, 11, 22)]
    assert date(2026, 11, 23) not in due
    # ingestion: today (core.days) is accepted, tomorrow is refused as not begun
    ws = WorkspaceFactory(account=account)
    local_today = days.account_today(account)
    assert ingest.usage_ingest(records=[{"workspace_id": ws.pk, "item": "log", "day": local_today.isoformat(),
                                         "quantity": 1}]).accepted == 1
    result = ingest.usage_ingest(records=[{"workspace_id": ws.pk, "item": "log",
                                           "day": (local_today + timedelta(days=1)).isoformat(), "quantity": 1}])
    assert [r.code for r in result.refused] == [QuotaErrorCode.DAY_IN_FUTURE]
    assert UsageRecord.objects.filter(workspace=ws).count() == 1


@pytest.mark.django_db
def test_usage_page_defaults_to_the_core_days_yesterday(owner_client, account):
    Account.objects.filter(pk=account.pk).update(time_zone=f"Nowhere/{uuid.uuid4().hex[:8]}")
    account.refresh_from_db()
    response = owner_client.get(f"/a/{account.pk}/usage/")
    assert response.status_code == 200
    assert response.context["date_to"] == days.account_yesterday(account)


# --- which plan applies on a day: one fragment ----------------------------------------------------------


def test_plan_in_force_is_the_one_sql_for_every_reader():
    for sql in (engine.ALLOCATION_SELECT, selectors.QUOTA_BY_DAY, selectors.PACKAGE_QUOTA):
        assert sql.count("orders_packageplanperiod") == 1
    assert engine.plan_version_in_force("p.id", "%(day)s", "p.plan_version_id") in engine.ALLOCATION_SELECT
    assert engine.plan_version_in_force("p.id", "days.day", "p.plan_version_id") in selectors.QUOTA_BY_DAY


# --- the night's typed rows --------------------------------------------------------------------------------


def test_charge_or_credit_caps_the_voucher_payable_part():
    def totals(total, vp_total, charged, vp_charged):
        return BillTotals(1, 2, Decimal(total), Decimal(vp_total), Decimal(charged), Decimal(vp_charged))

    assert charge_or_credit(totals("10.00", "4.00", "10.00", "4.00")) is None
    assert charge_or_credit(totals("10.00", "4.00", "3.00", "1.00")) == BillCharge(
        bill_id=1, account_id=2, amount=Decimal("7.00"), voucher_payable_amount=Decimal("3.00"),
        voucher_payable_charged=Decimal("4.00"),
    )
    assert charge_or_credit(totals("2.00", "1.50", "5.00", "3.00")) == BillCredit(
        bill_id=1, account_id=2, amount=Decimal("3.00"), voucher_payable_charged=Decimal("1.50")
    )
    with pytest.raises(AttributeError):
        totals("1", "1", "1", "1").total = Decimal(0)  # frozen



# --- arrears: status through workspaces.services, owners told by signals ----------------------------------


@pytest.fixture
def received():
    calls: list[tuple[str, dict]] = []
    handlers = {}
    for name, signal in (("started", arrears_countdown_started), ("reminder", arrears_reminder_due),
                         ("locked", workspaces_locked)):
        def handler(sender, workspaces_by_account, _name=name, **kwargs):
            calls.append((_name, workspaces_by_account))

        handlers[name] = (signal, handler)
        signal.connect(handler, weak=False, dispatch_uid=f"test.{name}")
    yield calls
    for name, (signal, _handler) in handlers.items():
        signal.disconnect(dispatch_uid=f"test.{name}")


@pytest.mark.django_db
def test_arrears_signals_carry_the_workspaces_by_account(account, received):
    ws = WorkspaceFactory(account=account)
    WorkspaceFactory(account=account, free=True)
    f.usage(ws, "datakit", D, 2)
    assert night.night_run_chunk(day=D, account_ids=[account.pk]).countdowns_started == 1
    assert received == [("started", {account.pk: [ws.pk]})]
    night.night_run_chunk(day=D, account_ids=[account.pk])  # a re-run starts nothing, announces nothing
    assert len(received) == 1
    now = timezone.now()
    assert arrears_sweep(now=now + timedelta(days=11, minutes=1))["reminded"] == 1
    assert received[-1] == ("reminder", {account.pk: [ws.pk]})
    assert arrears_sweep(now=now + timedelta(days=14, minutes=1))["locked"] == 1
    assert received[-1] == ("locked", {account.pk: [ws.pk]})
    assert arrears_sweep(now=now + timedelta(days=15)) == {"unlocked": 0, "locked": 0, "reminded": 0}
    assert len(received) == 3


@pytest.mark.django_db
def test_a_failing_receiver_never_undoes_the_night(account):
    ws = WorkspaceFactory(account=account)
    f.usage(ws, "datakit", D, 2)

    def broken(sender, **kwargs):
        raise RuntimeError("mail server on fire")

    arrears_countdown_started.connect(broken, weak=False, dispatch_uid="test.broken")
    try:
        assert night.night_run_chunk(day=D, account_ids=[account.pk]).countdowns_started == 1
    finally:
        arrears_countdown_started.disconnect(dispatch_uid="test.broken")
    ws.refresh_from_db()
    assert ws.status == WorkspaceStatus.COUNTDOWN


@pytest.mark.django_db
def test_workspace_status_services_are_set_based_and_guarded(account, other_account):
    a1, a2 = WorkspaceFactory(account=account), WorkspaceFactory(account=account)
    free = WorkspaceFactory(account=account, free=True)
    b1 = WorkspaceFactory(account=other_account)
    started = workspace_services.workspaces_start_countdown(account_ids=[other_account.pk, account.pk])
    assert started == {account.pk: sorted([a1.pk, a2.pk]), other_account.pk: [b1.pk]}
    assert workspace_services.workspaces_start_countdown(account_ids=[account.pk]) == {}  # already counting
    assert Workspace.objects.get(pk=free.pk).status == WorkspaceStatus.ACTIVE
    at = timezone.now()
    assert workspace_services.workspaces_mark_reminded(workspace_ids=[a1.pk], at=at) == {account.pk: [a1.pk]}
    assert workspace_services.workspaces_lock(workspace_ids=[a1.pk, free.pk], at=at) == {account.pk: [a1.pk]}
    a1.refresh_from_db()
    assert a1.status == WorkspaceStatus.LOCKED and a1.locked_at == at and a1.countdown_reminded_at == at
    assert workspace_services.workspaces_lock(workspace_ids=[a1.pk], at=at) == {}  # only from countdown
    assert workspace_services.workspaces_unlock(account_ids=[account.pk]) == 2
    a1.refresh_from_db()
    assert a1.status == WorkspaceStatus.ACTIVE and a1.locked_at is None and a1.countdown_started_at is None
    assert Workspace.objects.get(pk=b1.pk).status == WorkspaceStatus.COUNTDOWN
    assert workspace_services.workspaces_unlock(account_ids=[]) == 0
