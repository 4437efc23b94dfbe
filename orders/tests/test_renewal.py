"""Renewals: no day between a package and its renewal, the plan rule, the constraint that lets a workspace be
in a package and its renewal, auto-renew (settlement order, shortfall mail, daily retry, never twice),
expiry reminders once each, the banner after expiry."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.exceptions import ApplicationError, Conflict
from core.models import FinanceSettings
from orders import tasks
from orders.autorenew import auto_renew_due, package_send_expiry_reminders, reminder_due, renewal_pass
from orders.models import (
    AutoRenewAttempt,
    Order,
    OrderKind,
    OrderStatus,
    Package,
    PackagePlanPeriod,
    PackageReminder,
    PackageStatus,
    PackageWorkspace,
)
from orders.packages import package_add_workspace, package_reorder_workspaces, package_update_statuses
from orders.payment import order_pay, order_refund
from orders.pricing import account_today
from orders.purchase import order_create_purchase
from orders.renewal import order_create_renewal, package_set_auto_renew
from orders.tests.factories import cash, fund_cash, give_card, give_voucher, paid_package, plan, traffic_package
from payments.models import LedgerEntry, PaymentTender, VoucherKind, Wallet
from quota import night
from quota.models import BillLine
from quota.tests.factories import usage
from tests.concurrency import run_parallel
from tests.factories import WorkspaceFactory
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db
ONE_DAY = datetime.timedelta(days=1)


def _renew(package, owner, **kwargs):
    kwargs.setdefault("plan", package.plan)
    kwargs.setdefault("workspaces", [row.workspace for row in PackageWorkspace.objects.filter(package=package)
                                     .order_by("position")])
    return order_create_renewal(package=package, actor=owner, **kwargs)


def _pay_cash(order, owner):
    fund_cash(order.account, order.total)
    return order_pay(order=order, tenders=[cash(order.total)], actor=owner)


def _at(account, day: datetime.date) -> datetime.datetime:
    """A moment on `day` in the account's zone (noon there)."""
    today = account_today(account)
    return timezone.now() + (day - today)


def test_renewal_starts_the_day_after_the_end_and_the_night_covers_both_days(account, owner, ws_a, ws_b):
    old = paid_package(account, owner, workspaces=[ws_a, ws_b])
    order = _renew(old, owner, workspaces=[ws_b, ws_a])  # the order is editable
    assert order.kind == OrderKind.RENEWAL and order.renewal_of == old
    assert order.total == Decimal("42000.00")  # priced like a purchase
    order = _pay_cash(order, owner)
    renewal = order.package
    assert renewal.renewal_of == old and renewal.status == PackageStatus.PENDING
    assert renewal.starts_on == old.ends_on + ONE_DAY
    assert renewal.ends_on == old.ends_on + datetime.timedelta(days=365)
    # the old package's rows end on its end day, the renewal's start the day after, in the new order
    assert set(PackageWorkspace.objects.filter(package=old).values_list("valid_until", flat=True)) == {old.ends_on}
    assert list(PackageWorkspace.objects.filter(package=renewal).order_by("position")
                .values_list("workspace_id", "valid_from", "valid_until")) == [
        (ws_b.pk, renewal.starts_on, None), (ws_a.pk, renewal.starts_on, None)]
    # move both periods back in time so that the renewal's first day is yesterday (nights run for past days)
    shift = renewal.starts_on - (account_today(account) - ONE_DAY)
    Package.objects.filter(pk__in=[old.pk, renewal.pk]).update(starts_on=F("starts_on") - shift,
                                                               ends_on=F("ends_on") - shift)
    PackageWorkspace.objects.filter(package__in=[old, renewal]).update(
        valid_from=F("valid_from") - shift, valid_until=F("valid_until") - shift)
    PackagePlanPeriod.objects.filter(package__in=[old, renewal]).update(valid_from=F("valid_from") - shift)
    Workspace.objects.filter(pk__in=[ws_a.pk, ws_b.pk]).update(commercial_since=timezone.now() - 800 * ONE_DAY)
    old.refresh_from_db()
    renewal.refresh_from_db()
    last, first = old.ends_on, renewal.starts_on
    assert first == last + ONE_DAY
    for day in (last, first):
        usage(ws_a, "log", day, 1_000)
        night.night_run(day=day, account_ids=[account.pk])
    lines = {line.bill.day: line for line in BillLine.objects.filter(workspace=ws_a).select_related("bill")}
    assert lines[last].package_id == old.pk and lines[last].overage == 0
    assert lines[first].package_id == renewal.pk and lines[first].overage == 0
    # statuses: the old package expires after its end day, the renewal is active from its start
    assert package_update_statuses() == {"activated": 1, "expired": 1}
    old.refresh_from_db()
    renewal.refresh_from_db()
    assert old.status == PackageStatus.EXPIRED and renewal.status == PackageStatus.ACTIVE
    assert PackageWorkspace.objects.filter(package=renewal, valid_until__isnull=True).count() == 2


def test_renewal_to_a_smaller_plan_is_refused(account, owner, ws_a):
    old = paid_package(account, owner, plan_code="growth", workspaces=[ws_a])
    with pytest.raises(ApplicationError) as error:
        _renew(old, owner, plan=plan("startup"))
    assert error.value.code == "renewal_plan_smaller"
    assert not Order.objects.filter(kind=OrderKind.RENEWAL).exists()
    bigger = _renew(old, owner, plan=plan("enterprise"))
    assert bigger.plan.code == "enterprise"


def test_a_package_is_renewed_once_and_not_after_its_end(account, owner, ws_a):
    old = paid_package(account, owner, workspaces=[ws_a])
    first, second = _renew(old, owner), _renew(old, owner)  # two unpaid orders may exist
    _pay_cash(first, owner)
    second.refresh_from_db()  # paying the first cancelled the second, naming it (docs/RULES-orders.md)
    assert (second.status, second.superseded_by_id) == (OrderStatus.CANCELLED, first.pk)
    fund_cash(account, second.total)
    with pytest.raises(Conflict) as error:
        order_pay(order=second, tenders=[cash(second.total)], actor=owner)
    assert error.value.code == "order_cancelled"
    with pytest.raises(Conflict):
        _renew(old, owner)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses a second renewal
        Package.objects.create(account=account, plan=old.plan, plan_version=old.plan_version,
                               catalogue_day=old.catalogue_day, starts_on=old.ends_on + ONE_DAY,
                               ends_on=old.ends_on + ONE_DAY, renewal_of=old)
    other = paid_package(account, owner, workspaces=[WorkspaceFactory(account=account)])
    Package.objects.filter(pk=other.pk).update(status=PackageStatus.EXPIRED)
    with pytest.raises(Conflict) as ended:
        _renew(other, owner)
    assert ended.value.code == "package_ended"


def test_a_workspace_is_never_in_two_packages_on_one_day(account, owner, ws_a):
    old = paid_package(account, owner, workspaces=[ws_a])
    with pytest.raises(IntegrityError), transaction.atomic():
        PackageWorkspace.objects.create(package=old, workspace=ws_a, position=2, valid_from=old.ends_on)
    renewal = _pay_cash(_renew(old, owner), owner).package
    # reordering the old package after its renewal keeps its rows within its own days
    ws_b = WorkspaceFactory(account=account)
    package_add_workspace(package=old, workspace=ws_b, actor=owner)
    package_reorder_workspaces(package=old, workspaces=[ws_b, ws_a], actor=owner)
    assert not PackageWorkspace.objects.filter(package=old, valid_until__isnull=True).exists()
    assert PackageWorkspace.objects.filter(package=renewal).count() == 1
    # ws_b is still covered by the old package until its end: not buyable elsewhere
    with pytest.raises(Conflict):
        order_create_purchase(account=account, plan=plan(), workspaces=[ws_b], actor=owner)


def test_refunding_a_renewal_before_it_starts(account, owner, ws_a):
    old = paid_package(account, owner, workspaces=[ws_a])
    order = _pay_cash(_renew(old, owner), owner)
    order_refund(order=order, actor=owner, reason="changed mind")
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert _renew(old, owner).status == OrderStatus.PENDING_PAYMENT  # renewable again


# ------------------------------------------------------------------------------------------------ auto-renew


def _auto_window(account, package):
    days = FinanceSettings.load().auto_renew_days_before
    return _at(account, package.ends_on - datetime.timedelta(days=days))


def test_auto_renew_pays_vouchers_then_cards_then_cash_and_mails(
    account, owner, ws_a, django_capture_on_commit_callbacks
):
    old = paid_package(account, owner, workspaces=[ws_a])
    package_set_auto_renew(package=old, enabled=True, actor=owner)
    full = give_voucher(account, "1000", kind=VoucherKind.FULL_REDUCTION, days=400)
    ordinary_late = give_voucher(account, "2000", days=400)
    ordinary_early = give_voucher(account, "3000", days=390)
    card_late = give_card(account, "10000", days=500)
    card_early = give_card(account, "20000", days=450)
    fund_cash(account, "10000")
    now = _at(account, old.ends_on - datetime.timedelta(days=8))
    assert auto_renew_due(now=now) == {"renewed": 0, "failed": 0}  # not yet in the window
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert renewal_pass(now=_auto_window(account, old))["renewed"] == 1
    order = Order.objects.get(kind=OrderKind.RENEWAL)
    assert order.status == OrderStatus.PAID and order.package.starts_on == old.ends_on + ONE_DAY
    tenders = list(PaymentTender.objects.filter(payment=order.payment).order_by("pk")
                   .values_list("kind", "voucher_id", "card_id", "amount"))
    assert tenders == [
        ("ordinary_voucher", ordinary_early.pk, None, Decimal("3000.00")),
        ("ordinary_voucher", ordinary_late.pk, None, Decimal("2000.00")),
        ("full_reduction_voucher", full.pk, None, Decimal("1000.00")),
        ("prepaid_card", None, card_early.pk, Decimal("20000.00")),
        ("prepaid_card", None, card_late.pk, Decimal("10000.00")),
        ("cash", None, None, Decimal("6000.00")),
    ]
    assert Wallet.objects.get(account=account).cash_balance == Decimal("4000.00")
    assert any("renewed automatically" in m.body for m in mail.outbox)
    # re-running the beat renews nothing twice
    assert renewal_pass(now=_auto_window(account, old))["renewed"] == 0
    assert tasks.renewal_pass.delay().get()["renewed"] == 0
    assert Order.objects.filter(kind=OrderKind.RENEWAL).count() == 1


def test_auto_renew_failure_mails_the_shortfall_and_retries_the_next_day(
    account, owner, ws_a, django_capture_on_commit_callbacks
):
    old = paid_package(account, owner, workspaces=[ws_a])
    package_set_auto_renew(package=old, enabled=True, actor=owner)
    fund_cash(account, "40000")
    day1 = _auto_window(account, old)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert auto_renew_due(now=day1) == {"renewed": 0, "failed": 1}
    failure = AutoRenewAttempt.objects.get(package=old)
    assert failure.shortfall == Decimal("2000.00") and not failure.succeeded
    assert not Order.objects.filter(kind=OrderKind.RENEWAL).exists()  # nothing written but the attempt
    assert Wallet.objects.get(account=account).cash_balance == Decimal("40000.00")
    [message] = [m for m in mail.outbox if "automatic renewal" in m.subject.lower()]
    assert "2,000.00" in message.body or "2000.00" in message.body
    assert f"/a/{account.pk}/wallet/recharge/" in message.body
    # the same day again: no second attempt, no second mail
    mail.outbox.clear()
    assert auto_renew_due(now=day1) == {"renewed": 0, "failed": 0}
    assert mail.outbox == []
    # the next day, after a recharge, it succeeds
    fund_cash(account, "2000")
    assert auto_renew_due(now=day1 + ONE_DAY) == {"renewed": 1, "failed": 0}
    assert Wallet.objects.get(account=account).cash_balance == Decimal("0.00")
    assert AutoRenewAttempt.objects.filter(package=old).count() == 2


def test_auto_renew_is_opt_in_and_keeps_traffic(account, owner, ws_a):
    old = paid_package(account, owner, workspaces=[ws_a], traffic=[(traffic_package("log"), 10_000_000)])
    fund_cash(account, "1000000")
    assert auto_renew_due(now=_auto_window(account, old)) == {"renewed": 0, "failed": 0}
    package_set_auto_renew(package=old, enabled=True, actor=owner)
    assert auto_renew_due(now=_auto_window(account, old))["renewed"] == 1
    renewal = Package.objects.get(renewal_of=old)
    assert renewal.auto_renew
    assert list(renewal.traffic.values_list("capacity", "valid_from", "valid_until")) == [
        (10_000_000, renewal.starts_on, renewal.ends_on)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_data")
def test_concurrent_auto_renew_runs_charge_once(account, owner, ws_a):
    old = paid_package(account, owner, workspaces=[ws_a])
    package_set_auto_renew(package=old, enabled=True, actor=owner)
    fund_cash(account, "100000")
    now = _auto_window(account, old)
    results = run_parallel(3, lambda _i: auto_renew_due(now=now))
    assert sum(r["renewed"] for r in results) == 1
    assert Order.objects.filter(kind=OrderKind.RENEWAL, status=OrderStatus.PAID).count() == 1
    assert Wallet.objects.get(account=account).cash_balance == Decimal("58000.00")
    assert LedgerEntry.objects.filter(account=account, reason="order_payment").count() == 2


# ------------------------------------------------------------------------------------------------ reminders


def test_reminder_days():
    assert [reminder_due(n) for n in (31, 30, 8, 7, 2, 1, 0, -1)] == [None, 30, 30, 7, 7, 1, 1, None]


def test_expiry_reminders_go_out_once_each(account, owner, ws_a, django_capture_on_commit_callbacks):
    old = paid_package(account, owner, workspaces=[ws_a])
    mail.outbox.clear()
    sent = []
    for days_left in (40, 30, 29, 7, 7, 3, 1, 1):
        with django_capture_on_commit_callbacks(execute=True):
            sent.append(package_send_expiry_reminders(now=_at(account, old.ends_on - days_left * ONE_DAY)))
    assert sent == [0, 1, 0, 1, 0, 0, 1, 0]
    assert list(PackageReminder.objects.filter(package=old).values_list("days_before", flat=True)) == [30, 7, 1]
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 3 and "30" in subjects[0] and "1" in subjects[2]
    # a renewed package gets no reminder
    other = paid_package(account, owner, workspaces=[WorkspaceFactory(account=account)])
    _pay_cash(_renew(other, owner), owner)
    assert package_send_expiry_reminders(now=_at(account, other.ends_on - 7 * ONE_DAY)) == 0


def test_expired_package_mail_and_banner(account, owner, owner_client, ws_a, django_capture_on_commit_callbacks):
    old = paid_package(account, owner, workspaces=[ws_a])
    mail.outbox.clear()
    after = _at(account, old.ends_on + ONE_DAY)
    with django_capture_on_commit_callbacks(execute=True):
        assert package_update_statuses(now=after)["expired"] == 1
    assert any("pay-as-you-go" in m.body for m in mail.outbox)
    Package.objects.filter(pk=old.pk).update(ends_on=account_today(account) - ONE_DAY,
                                             starts_on=account_today(account) - 365 * ONE_DAY)
    PackageWorkspace.objects.filter(package=old).update(valid_until=account_today(account) - ONE_DAY,
                                                        valid_from=account_today(account) - 365 * ONE_DAY)
    page = owner_client.get(f"/a/{account.pk}/packages/")
    assert f'id="package-ended-{old.pk}"' in page.content.decode()
