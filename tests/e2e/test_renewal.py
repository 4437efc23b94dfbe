"""Renewal in the browser: an owner renews a package that ends today from plan management (same workspaces in
the same order), pays at the cashier, and plan management shows the renewal starting the day after the old
end. The nights of the old end day and of the renewal's first day bill both workspaces under a package (no
pay-as-you-go day between). Then automatic renewal is switched on for another package while the wallet is
short: the day's pass mails the shortfall with a recharge link, and the page shows the failed attempt.

Test-only time travel: a package bought today starts tomorrow, and the night only bills past days, so the
packages' days are moved back (as tests/e2e/test_journey.py does)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.db.models import F

from core.days import account_today
from core.models import FinanceSettings
from orders.autorenew import auto_renew_due
from orders.models import (
    AutoRenewAttempt,
    Order,
    OrderKind,
    OrderStatus,
    Package,
    PackagePlanPeriod,
    PackageTraffic,
    PackageWorkspace,
)
from orders.tests.factories import paid_package
from payments.models import Wallet
from payments.tests.factories import fund_cash
from quota.models import Bill, BillLine
from quota.tests.factories import usage
from tests.e2e.conftest import login
from tests.factories import AccountFactory, MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ONE_DAY = datetime.timedelta(days=1)


def _confirm(page) -> None:
    """The cashier asks before paying (static/js/app.js, the Bootstrap modal of base.html)."""
    page.wait_for_selector("#confirm-modal.show #confirm-modal-ok")
    with page.expect_navigation():
        page.click("#confirm-modal-ok")
    page.wait_for_load_state("domcontentloaded")


def _shift_back(packages, days: int) -> None:
    """Move the packages' days (validity, plan periods, workspace rows, traffic) `days` back."""

    shift = datetime.timedelta(days=days)
    Package.objects.filter(pk__in=[p.pk for p in packages]).update(starts_on=F("starts_on") - shift,
                                                                   ends_on=F("ends_on") - shift)
    PackagePlanPeriod.objects.filter(package__in=packages).update(valid_from=F("valid_from") - shift)
    PackageWorkspace.objects.filter(package__in=packages).update(valid_from=F("valid_from") - shift,
                                                                 valid_until=F("valid_until") - shift)
    PackageTraffic.objects.filter(package__in=packages).update(valid_from=F("valid_from") - shift,
                                                               valid_until=F("valid_until") - shift)
    for package in packages:
        package.refresh_from_db()


def _ending_today(account, owner, workspaces):
    """A paid package (cash) whose last day is today in the account's zone."""

    package = paid_package(account, owner, workspaces=workspaces)
    _shift_back([package], (package.ends_on - account_today(account)).days)
    return package


@pytest.fixture
def tenant(seeded_data, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "en"  # the mails in English, like the pages the browser asks for
    owner = UserFactory(username="renew-owner", email="renew-owner@example.com")
    account = AccountFactory(name="Acme Renewals")
    MembershipFactory(account=account, user=owner, role=Role.OWNER)
    a = WorkspaceFactory(account=account, name="Alpha")
    b = WorkspaceFactory(account=account, name="Bravo")
    c = WorkspaceFactory(account=account, name="Charlie")
    return {"owner": owner, "account": account, "a": a, "b": b, "c": c}


def test_renew_without_a_gap_then_auto_renew_failure_mail(page, shot, tenant):

    account, owner = tenant["account"], tenant["owner"]
    a, b, c = tenant["a"], tenant["b"], tenant["c"]
    old = _ending_today(account, owner, [b, a])  # Bravo first, then Alpha
    today = account_today(account)
    assert old.ends_on == today

    # --- Plan management: the package ends today and offers renewal.
    login(page, "renew-owner")
    page.goto(f"/a/{account.pk}/packages/")
    shot(page, "plan-management-ending")
    card = page.locator(f"#package-{old.pk}")
    card.get_by_role("link", name="Renew", exact=True).click()
    page.wait_for_load_state("domcontentloaded")
    shot(page, "renew-page")
    # the current plan is chosen and the workspaces are kept in their order
    assert page.is_checked(f"#renew-plan-{old.plan_id}")
    assert page.is_checked(f"#include-{b.pk}") and page.is_checked(f"#include-{a.pk}")
    assert page.input_value(f"input[name=position_{b.pk}]") == "1"
    assert page.input_value(f"input[name=position_{a.pk}]") == "2"
    starts, ends = today + ONE_DAY, today + 365 * ONE_DAY
    assert f"{starts.isoformat()} \u2013 {ends.isoformat()}" in page.inner_text("main")  # an en dash
    page.click("button[type=submit]:has-text('Create renewal order')")
    page.wait_for_url(f"**/a/{account.pk}/orders/*/pay/")
    order = Order.objects.get(account=account, kind=OrderKind.RENEWAL)
    assert order.status == OrderStatus.PENDING_PAYMENT and order.renewal_of_id == old.pk
    assert list(order.workspaces.order_by("position").values_list("workspace_id", flat=True)) == [b.pk, a.pk]

    # --- The cashier: the wallet gets the price, the rest is paid in cash.
    fund_cash(account, order.total)
    page.reload()
    shot(page, "cashier")
    page.fill("#cash", f"{order.total:.2f}")
    page.click("#cashier button[type=submit]")
    _confirm(page)
    shot(page, "paid")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID, page.inner_text("main")
    renewal = Package.objects.get(renewal_of=old)
    assert renewal.starts_on == old.ends_on + ONE_DAY

    # --- Plan management lists the renewal from the day after the old end, same workspaces in order.
    page.goto(f"/a/{account.pk}/packages/")
    shot(page, "plan-management-renewed")
    old_card = page.inner_text(f"#package-{old.pk}")
    assert (f"Renewed: Startup Acceleration from {starts.isoformat()} to {ends.isoformat()}, "
            "with no day in between.") in old_card
    new_card = page.inner_text(f"#package-{renewal.pk}")
    assert f"valid {starts.isoformat()} to {ends.isoformat()}" in new_card
    assert f"it starts covering usage on {starts.isoformat()}" in new_card
    assert new_card.index("Bravo") < new_card.index("Alpha")

    # --- The nights of the old end day and of the renewal's first day (moved into the past: nights bill
    # past days). Both days bill both workspaces under a package.
    _shift_back([old, renewal], 2)
    last, first = old.ends_on, renewal.starts_on
    assert first == last + ONE_DAY and first == today - ONE_DAY
    for day in (last, first):
        for ws in (a, b):
            usage(ws, "log", day, 1_000_000)
        call_command("run_deduction", date=day.isoformat(), account=account.pk)
    for day, package in ((last, old), (first, renewal)):
        bill = Bill.objects.get(account=account, day=day)
        lines = list(BillLine.objects.filter(bill=bill).values_list("workspace_id", "package_id", "overage"))
        assert sorted(lines) == sorted([(a.pk, package.pk, 0), (b.pk, package.pk, 0)]), (day, lines)
        page.goto(f"/a/{account.pk}/bills/daily/{bill.pk}/")
        shot(page, f"bill-{day.isoformat()}")
        table = page.inner_text("#bill-lines")
        assert "Alpha" in table and "Bravo" in table
        assert "no package" not in table
    assert not BillLine.objects.filter(bill__account=account, package__isnull=True).exists()

    # --- Automatic renewal on for another package (Charlie's, ending today) with too little in the wallet.
    other = _ending_today(account, owner, [c])
    assert PackageWorkspace.objects.filter(package=other).count() == 1
    assert FinanceSettings.load().auto_renew_days_before >= 0
    page.goto(f"/a/{account.pk}/packages/")
    page.locator(f"#package-{other.pk}").locator("a", has_text="Turn automatic renewal on").click()
    page.wait_for_load_state("domcontentloaded")
    assert "First charge attempt" in page.inner_text("main")  # confirmed with the amount, tenders and day
    page.locator("main button", has_text="Turn on").click()
    page.wait_for_load_state("domcontentloaded")
    assert "Automatic renewal is on." in page.inner_text("main")
    assert "Automatic renewal is on:" in page.inner_text(f"#package-{other.pk}")
    shot(page, "auto-renew-on")
    other.refresh_from_db()
    assert other.auto_renew

    fund_cash(account, "1000")
    cash_before = Wallet.objects.get(account=account).cash_balance
    price = other.plan_version.price
    shortfall = price - cash_before
    assert shortfall > 0
    mail.outbox.clear()
    assert auto_renew_due() == {"renewed": 0, "failed": 1}
    attempt = AutoRenewAttempt.objects.get(package=other)
    assert not attempt.succeeded and attempt.shortfall == shortfall
    assert not Package.objects.filter(renewal_of=other).exists()
    assert Wallet.objects.get(account=account).cash_balance == cash_before  # nothing charged
    [message] = [m for m in mail.outbox if "automatic renewal" in m.subject.lower()]
    assert message.to == ["renew-owner@example.com"]
    assert f"{shortfall:,.2f}" in message.body, message.body
    assert f"/a/{account.pk}/wallet/recharge/" in message.body
    # the same day again: no second attempt, no second mail
    assert auto_renew_due() == {"renewed": 0, "failed": 0}
    assert len([m for m in mail.outbox if "automatic renewal" in m.subject.lower()]) == 1

    # --- The page: the package is not renewed, automatic renewal stays on (retried daily), the failure and
    # its shortfall are shown with the way to recharge; renewing by hand is still offered.
    page.goto(f"/a/{account.pk}/packages/")
    shot(page, "auto-renew-failed")
    other_card = page.locator(f"#package-{other.pk}")
    text = other_card.inner_text()
    assert "Renewed:" not in text and "Automatic renewal is on:" in text
    notice = page.locator(f"#auto-renew-failed-{other.pk}")
    assert f"{shortfall:,.2f}" in notice.inner_text()
    assert notice.locator(f"a[href='/a/{account.pk}/wallet/recharge/']").count() == 1
    assert other_card.get_by_role("link", name="Renew", exact=True).count() == 1
    assert Decimal(Wallet.objects.get(account=account).cash_balance) == cash_before
