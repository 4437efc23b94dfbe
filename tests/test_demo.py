"""`manage.py seed_demo`: a story whose dates agree, a summary read from the data, a second run that changes
nothing, and `--reset` (README.md "The demo's story")."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.days import local_date
from orders.models import Order, Package, PackageWorkspace
from payments.models import LedgerEntry, Recharge
from payments.selectors import wallet_summary
from quota.models import Bill, BillSettlement
from workspaces.demo import DEMO_ACCOUNT, FINANCE_USERNAME
from workspaces.models import Account, Membership, Role, WorkspacePlan


def _seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db) -> tuple[Account, str]:
    output = _seed()
    return Account.objects.get(name=DEMO_ACCOUNT), output


def test_the_dates_agree(seeded):
    account, _ = seeded
    order = Order.objects.get(account=account)
    day = local_date(order.created_at, account)
    assert local_date(order.paid_at, account) == day  # created and paid the same day ...
    package = order.package
    assert package.starts_on == day + timedelta(days=1) and package.status == "active"
    assert package.starts_on < Bill.objects.filter(account=account).order_by("-day").first().day
    # ... from cash recharged that day or before, never after the payment
    recharges = Recharge.objects.filter(account=account)
    assert recharges.count() == 2 and all(r.completed_at <= order.paid_at for r in recharges)
    assert local_date(max(r.completed_at for r in recharges), account) == day
    # every bill and settlement is stamped on the night after its day, never today for an old day
    for bill in Bill.objects.filter(account=account):
        assert local_date(bill.created_at, account) == bill.day + timedelta(days=1)
    for settlement in BillSettlement.objects.filter(bill__account=account).select_related("bill"):
        assert local_date(settlement.created_at, account) == settlement.bill.day + timedelta(days=1)
    first_bill = min(Bill.objects.filter(account=account).values_list("day", flat=True))
    assert local_date(account.created_at, account) < first_bill


def test_the_people_and_workspaces(seeded):
    account, _ = seeded
    roles = dict(Membership.objects.filter(account=account).values_list("user__username", "role"))
    assert roles == {"demo-owner": Role.OWNER, "demo-admin": Role.ADMINISTRATOR, "demo-member": Role.MEMBER}
    d = account.workspaces.get(name="Workspace D")
    assert d.plan == WorkspacePlan.COMMERCIAL and not PackageWorkspace.objects.filter(workspace=d).exists()
    assert TOTPDevice.objects.filter(user__username=FINANCE_USERNAME, confirmed=True).count() == 1
    assert _seed("--finance-code").strip().isdigit()


def test_the_summary_is_the_data_and_a_second_run_changes_nothing(seeded):
    account, first = seeded
    counts = (Order.objects.count(), Package.objects.count(), LedgerEntry.objects.count(), Bill.objects.count())
    second = _seed()
    assert "already seeded" in second and "--reset" in second
    assert counts == (Order.objects.count(), Package.objects.count(), LedgerEntry.objects.count(),
                      Bill.objects.count())
    summary = second.split("\n", 1)[1]
    assert summary in first  # the same summary, read from the data both times
    # what it says is what is stored
    package = Package.objects.get(account=account)
    assert f"'Workspace A': Commercial, package {package.plan.name} (position 1, {package.starts_on}" in summary
    assert "'Workspace D': Commercial, no package" in summary
    assert "'Workspace C (free)': Free" in summary

    assert f"cash {wallet_summary(account=account).cash_balance:,.2f}" in summary


def test_reset_starts_over(seeded):
    account, _ = seeded
    output = _seed("--reset")
    assert "deleted" in output and "Demo ready" in output
    assert not Account.objects.filter(pk=account.pk).exists()
    again = Account.objects.get(name=DEMO_ACCOUNT)
    assert Order.objects.filter(account=again).count() == 1
    assert Membership.objects.filter(user__username="demo-owner").count() == 2  # Enterprise and Subsidiary
