import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import TestCase

from forecasts import services
from forecasts.models import WarningEpisode, WarningKind, WarningRule
from forecasts.tests.factories import bill
from payments import signals as payments_signals
from payments.models import Recharge, RechargeMethod, RechargeStatus
from payments.tests.factories import fund_cash
from quota.tests import factories as q
from statements.tests.factories import night
from tests.factories import AccountFactory, MembershipFactory, UserFactory, WorkspaceFactory
from webhooks.models import WebhookDelivery, WebhookEndpoint
from workspaces.models import Role

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 9, 14)
NOW = datetime(2026, 9, 15, 10, 0, tzinfo=SHANGHAI)


def evaluate(account, day=DAY, **kwargs):
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.warnings_evaluate(account=account, day=day, **kwargs)


def only(account, kind):
    """Keep the account's default rules of `kind` only."""
    WarningRule.objects.for_account(account).exclude(kind=kind).delete()


@pytest.fixture(autouse=True)
def _no_delivery(monkeypatch):
    """Deliveries are checked as rows; nothing is ever sent from these tests."""
    monkeypatch.setattr("webhooks.services._queue", lambda *args, **kwargs: None)


def subscribe(account, *event_types):
    return WebhookEndpoint.objects.create(account=account, url="https://hooks.example.invalid/fee",
                                          secret="whsec_QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=",
                                          event_types=list(event_types))


def deliveries(event_type):
    return [json.loads(d.body) for d in WebhookDelivery.objects.filter(event_type=event_type).order_by("pk")]


@pytest.fixture
def packaged(account):
    ws = WorkspaceFactory(account=account)
    pkg = q.package(account, [ws], starts_on=DAY - timedelta(days=10))
    q.set_capacity(pkg, "log", 1000)
    return ws, pkg


def test_new_account_gets_the_default_rules(account):
    rules = sorted((r.kind, r.percent, r.runway_days) for r in WarningRule.objects.for_account(account))
    assert rules == [("low_balance", None, 7), ("quota", 80, None), ("quota", 100, None)]


def test_quota_fires_once_mails_owners_and_admins_and_clears(account, owner, administrator, packaged):
    MembershipFactory(account=account, role=Role.MEMBER)  # a member is not mailed
    MembershipFactory(account=account, role=Role.ADMINISTRATOR, user=UserFactory(is_active=False))
    only(account, WarningKind.QUOTA)
    ws, pkg = packaged
    q.usage(ws, "log", DAY, 800)
    night(account, DAY)
    assert evaluate(account) == 1
    episode = WarningEpisode.objects.get()
    assert (episode.subject, episode.rule.percent, episode.detail["used_percent"]) == (
        f"p{pkg.pk}-i{q.item('log').pk}", 80, 80)
    assert len(mail.outbox) == 1 and sorted(mail.outbox[0].to) == sorted([owner.email, administrator.email])
    assert "80" in mail.outbox[0].body
    assert evaluate(account) == 0 and mail.outbox == []  # a re-run repeats nothing
    q.usage(ws, "log", DAY + timedelta(days=1), 850)
    night(account, DAY + timedelta(days=1))
    assert evaluate(account, DAY + timedelta(days=1)) == 0  # still the same episode
    q.usage(ws, "log", DAY + timedelta(days=2), 100)
    night(account, DAY + timedelta(days=2))
    assert evaluate(account, DAY + timedelta(days=2)) == 0
    episode.refresh_from_db()
    assert episode.closed_on == DAY + timedelta(days=3)
    q.usage(ws, "log", DAY + timedelta(days=3), 900)
    night(account, DAY + timedelta(days=3))
    assert evaluate(account, DAY + timedelta(days=3)) == 1  # a new episode after it cleared
    assert WarningEpisode.objects.filter(closed_on__isnull=True).count() == 1


def test_quota_just_below_the_threshold_does_not_fire(account, owner, packaged):
    only(account, WarningKind.QUOTA)
    ws, _pkg = packaged
    q.usage(ws, "log", DAY, 799)
    night(account, DAY)
    assert evaluate(account) == 0 and mail.outbox == []


def test_quota_on_days_in_a_row(account, owner, packaged):
    only(account, WarningKind.QUOTA)
    WarningRule.objects.for_account(account).update(consecutive_days=2)
    ws, _pkg = packaged
    q.usage(ws, "log", DAY - timedelta(days=1), 100)
    q.usage(ws, "log", DAY, 1000)
    night(account, DAY - timedelta(days=1))
    night(account, DAY)
    assert evaluate(account) == 0
    q.usage(ws, "log", DAY + timedelta(days=1), 1000)
    night(account, DAY + timedelta(days=1))
    assert evaluate(account, DAY + timedelta(days=1)) == 2  # 80 % and 100 %, two days in a row


def test_quota_webhook_payload(account, owner, packaged):
    only(account, WarningKind.QUOTA)
    WarningRule.objects.for_account(account).filter(percent=100).delete()
    subscribe(account, "alert.quota_threshold")
    ws, pkg = packaged
    q.usage(ws, "log", DAY, 900)
    night(account, DAY)
    services.warnings_evaluate(account=account, day=DAY)
    (message,) = deliveries("alert.quota_threshold")
    episode = WarningEpisode.objects.get()
    assert message["type"] == "alert.quota_threshold"
    assert message["data"] == {
        "account_id": account.pk, "rule_id": episode.rule_id, "episode_id": episode.pk, "subject": episode.subject,
        "opened_on": "2026-09-15", "package_id": pkg.pk, "plan": pkg.plan.code, "plan_name": pkg.plan.name,
        "billing_item_id": q.item("log").pk,
        "billing_item": "log", "item_name": q.item("log").name, "day": "2026-09-14", "percent": 80,
        "consecutive_days": 1, "capacity": 1000, "covered": 900, "used_percent": 90,
    }


@time_machine.travel(NOW, tick=False)
def test_low_balance_fires_below_the_runway_and_clears_after_a_recharge(account, owner):
    only(account, WarningKind.LOW_BALANCE)
    subscribe(account, "alert.low_balance")
    for d in range(1, 15):
        bill(account, date(2026, 9, d), "100.00")
    fund_cash(account, "700.00")  # 7 days: not below 7
    assert evaluate(account) == 0
    WarningRule.objects.for_account(account).update(runway_days=8)
    assert evaluate(account) == 1
    (message,) = deliveries("alert.low_balance")
    assert message["data"]["runway_days"] == 7 and message["data"]["arrears_day"] == "2026-09-22"
    assert message["data"]["usable_balance"] == "700.00" and message["data"]["threshold_days"] == 8
    assert "2026-09-22" in mail.outbox[0].body
    fund_cash(account, "1000.00")
    assert evaluate(account) == 0
    assert WarningEpisode.objects.get().closed_on is not None


@time_machine.travel(NOW, tick=False)
def test_low_balance_amount(account, owner):
    only(account, WarningKind.LOW_BALANCE)
    WarningRule.objects.for_account(account).update(runway_days=None, balance_below=Decimal("500.00"))
    fund_cash(account, "500.00")
    assert evaluate(account) == 0  # not below
    WarningRule.objects.for_account(account).update(balance_below=Decimal("500.01"))
    assert evaluate(account) == 1
    assert WarningEpisode.objects.get().detail == {"usable_balance": "500.00", "threshold_amount": "500.01"}


def _budget_history(account, ws, other):
    for d in range(1, 15):  # 100 a day in ws, 1,000 a day in the other workspace (not in the budget)
        for workspace, amount in ((ws, "100.00"), (other, "1000.00")):
            b = bill(account, date(2026, 9, d), "1100.00") if workspace is ws else account.bills.get(
                day=date(2026, 9, d))
            b.lines.create(workspace=workspace, billing_item=q.item("log"),
                           storage_policy=q.item("log").storage_policies.get(is_default=True), usage=1, factor=1,
                           converted=1, overage=1, unit_price=Decimal(amount), amount=Decimal(amount))


@time_machine.travel(NOW, tick=False)
def test_budget_steps_and_forecast(account, owner):
    ws, other = WorkspaceFactory(account=account), WorkspaceFactory(account=account)
    rule = services.warning_rule_create(account=account, data=services.RuleInput(
        kind="budget", name="Team A", budget="2800.00", workspace_ids=[ws.pk]))
    WarningRule.objects.for_account(account).exclude(pk=rule.pk).delete()
    subscribe(account, "alert.budget_threshold")
    _budget_history(account, ws, other)  # month to date 1,400 = 50 %; forecast 3,000 > 2,800
    assert evaluate(account) == 2
    assert sorted(WarningEpisode.objects.values_list("subject", flat=True)) == ["50", "forecast"]
    data = {m["data"]["subject"]: m["data"] for m in deliveries("alert.budget_threshold")}
    assert data["50"]["month_to_date"] == "1400.00" and data["forecast"]["forecast"] == "3000.00"
    assert data["50"]["workspace_ids"] == [ws.pk] and data["50"]["budget"] == "2800.00"
    assert evaluate(account) == 0
    services.warning_rule_update(rule=rule, data=services.RuleInput(kind="budget", budget="1750.00",
                                                                     workspace_ids=[ws.pk]))
    assert evaluate(account) == 3  # 50 %, 80 % and the forecast again (editing a rule starts afresh)
    assert WarningEpisode.objects.filter(subject="100").count() == 0


def test_isolation_other_accounts_are_not_evaluated(account, owner, packaged):
    other = AccountFactory()
    MembershipFactory(account=other, role=Role.OWNER)
    ws, _pkg = packaged
    q.usage(ws, "log", DAY, 1000)
    night(account, DAY)
    assert evaluate(other) == 0
    assert WarningEpisode.objects.filter(account=other).count() == 0


def test_the_night_signal_evaluates(account, owner, packaged):
    only(account, WarningKind.QUOTA)
    ws, _pkg = packaged
    q.usage(ws, "log", DAY, 1000)
    with TestCase.captureOnCommitCallbacks(execute=True):
        night(account, DAY)
    assert WarningEpisode.objects.filter(account=account).count() == 2


def test_no_low_balance_warning_while_in_arrears(account, owner):
    only(account, WarningKind.LOW_BALANCE)
    ws = WorkspaceFactory(account=account)
    q.usage(ws, "log", DAY, 100_000_000)  # uncovered: 150.00, nothing to pay it with
    night(account, DAY)
    assert account.wallet.__class__.objects.get(account=account).arrears == Decimal("150.00")
    assert evaluate(account) == 0 and mail.outbox == []


@time_machine.travel(NOW, tick=False)
def test_a_credited_recharge_clears_the_low_balance_warning_at_once(account, owner):
    only(account, WarningKind.LOW_BALANCE)
    for d in range(1, 15):
        bill(account, date(2026, 9, d), "100.00")
    fund_cash(account, "300.00")
    assert evaluate(account) == 1
    recharge = Recharge.objects.create(account=account, method=RechargeMethod.OFFLINE, amount=Decimal("1000.00"),
                                       status=RechargeStatus.SUCCEEDED, requested_by=owner, completed_at=NOW)
    with TestCase.captureOnCommitCallbacks(execute=True):
        fund_cash(account, "1000.00")
        payments_signals.recharge_credited.send(sender=Recharge, recharge=recharge)
    assert WarningEpisode.objects.get().closed_on == date(2026, 9, 15)
