"""Finance's reports (accounts in arrears, expiring cards and vouchers, monthly bills, revenue per day): read by
statements.selectors, exported by statements.exports through core.csv in the interface's language; the admin
only calls them."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from core.csv import header
from payments.cards import prepaid_card_buy
from payments.maintenance import wallet_adjust
from payments.models import VoucherKind
from payments.settlement import SettlementDemand, settle_demands
from payments.vouchers import voucher_issue
from plans.models import BillingItem
from statements import exports, selectors
from statements.models import MonthlyBill, MonthlyBillLine
from tests.factories import AccountFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _in_arrears(amount: str = "250.00"):
    account = AccountFactory(name="Owing Ltd")
    WorkspaceFactory(account=account)
    settle_demands(demands=[SettlementDemand(account_id=account.pk, amount=Decimal(amount),
                                             voucher_payable_amount=Decimal(amount), source_type="bill",
                                             source_id=account.pk)])
    return account


def test_arrears_report_reads_and_exports_in_the_interface_language():
    account = _in_arrears()
    [wallet] = selectors.arrears_accounts()
    assert (wallet.account_id, wallet.arrears, wallet.workspaces_counting, wallet.workspaces_locked) == (
        account.pk, Decimal("250.00"), 0, 0)
    assert list(selectors.arrears_accounts_in_state(selectors.arrears_accounts(), "locked")) == []
    with translation.override("zh-hans"):
        rows = _csv(exports.arrears_accounts_csv(wallets=selectors.arrears_accounts()))
        expected_header = header("account", "arrears", "arrears_since", "countdown_started", "locks_on",
                                 "days_left", "workspaces_counting", "workspaces_locked")
    assert rows[0] == expected_header and rows[0][1].startswith("欠费")
    assert rows[1][:2] == ["Owing Ltd", "250.00"]


def test_expiring_cards_and_vouchers_reports():
    account = AccountFactory(name="Cards Ltd")
    wallet_adjust(account=account, amount=Decimal("1000.00"), reason="test", actor=UserFactory(is_staff=True))
    prepaid_card_buy(account=account, face_value="500", actor=None)
    voucher_issue(account=account, face_value="80", valid_until=timezone.now() + timedelta(days=20), actor=None)
    voucher_issue(account=account, face_value="90", valid_until=timezone.now() + timedelta(days=60), actor=None)
    assert selectors.expiring_cards(within_days=30).count() == 0  # a card is valid a year
    assert selectors.expiring_cards(within_days=400).count() == 1
    assert [v.face_value for v in selectors.expiring_vouchers(within_days=30)] == [Decimal("80.00")]
    with translation.override("zh-hans"):
        rows = _csv(exports.expiring_vouchers_csv(vouchers=selectors.expiring_vouchers(within_days=90)))
        assert rows[0] == header("voucher", "account", "kind", "balance", "face_value", "valid_until")
        ordinary = str(VoucherKind.ORDINARY.label)
    assert rows[0][3].startswith("余额")
    assert {(row[1], row[2], row[3]) for row in rows[1:]} == {("Cards Ltd", ordinary, "80.00"),
                                                              ("Cards Ltd", ordinary, "90.00")}


def test_monthly_bills_export_uses_labels_and_two_places(finance_client):
    account = AccountFactory(name="Monthly Ltd")
    bill = MonthlyBill.objects.create(account=account, month=timezone.now().date().replace(day=1),
                                      consumption_total=Decimal("12.5"), total=Decimal("12.5"),
                                      paid_cash=Decimal("12.5"), refreshed_at=timezone.now())
    response = finance_client.post(reverse("admin:statements_monthlybill_changelist"),
                                   {"action": "export_csv", "_selected_action": [bill.pk]})
    rows = _csv(response)
    with translation.override("zh-hans"):
        assert rows[0] == header("account", "month", "status", "consumption", "adjustments", "total",
                                 "paid_ordinary_voucher", "paid_full_reduction_voucher", "paid_prepaid_card",
                                 "paid_cash", "left_owing", "arrears_at_month_end")
        assert rows[1][:6] == ["Monthly Ltd", f"{bill.month:%Y-%m}", str(bill.get_status_display()), "12.50",
                               "0.00", "12.50"]


def test_revenue_report_exports_every_day_of_the_range(finance_client):
    account = _in_arrears("10.00")
    assert account.pk
    today = timezone.localdate()
    start = today - timedelta(days=2)
    rows = selectors.revenue_per_day(start=start, end=today)
    assert [r["day"] for r in rows] == [start, start + timedelta(days=1), today]
    response = finance_client.get(reverse("admin:statements_revenueday_changelist"),
                                  {"from": start.isoformat(), "to": today.isoformat(), "format": "csv"})
    exported = _csv(response)
    with translation.override("zh-hans"):
        assert exported[0] == header("day", "usage_billed", "orders_paid", "revenue", "cash_received")
    assert [row[0] for row in exported[1:]] == [r["day"].isoformat() for r in rows]
    assert all(row[1] == "0.00" for row in exported[1:])  # no daily bill in the range: usage billed is zero


def test_the_admin_calls_the_selectors(finance_client):
    _in_arrears()
    page = finance_client.get(reverse("admin:statements_arrearsaccount_changelist"), {"countdown": "none"})
    assert page.status_code == 200 and "Owing Ltd" in page.content.decode()
    exported = finance_client.post(reverse("admin:statements_arrearsaccount_changelist"),
                                   {"action": "export_csv",
                                    "_selected_action": [w.pk for w in selectors.arrears_accounts()]})
    assert _csv(exported)[1][0] == "Owing Ltd"


def test_a_monthly_bills_change_page_shows_its_lines_in_one_table(finance_client):
    """Finance reads a monthly bill's lines as one read-only table (no inline formset), figures formatted, with
    the same number of queries whatever the number of lines."""
    account = AccountFactory(name="Lines Ltd")
    bill = MonthlyBill.objects.create(account=account, month=timezone.now().date().replace(day=1),
                                      consumption_total=Decimal("30.00"), total=Decimal("30.00"),
                                      refreshed_at=timezone.now())
    items = list(BillingItem.objects.order_by("pk")[:3])
    workspace = WorkspaceFactory(account=account, name="Lines workspace")
    MonthlyBillLine.objects.create(monthly_bill=bill, workspace=workspace, billing_item=items[0],
                                   usage=12_345_678, covered=10_000_000, overage=2_345_678, amount=Decimal("10.00"))
    url = reverse("admin:statements_monthlybill_change", args=[bill.pk])
    finance_client.get(url)
    with CaptureQueriesContext(connection) as one:
        html = finance_client.get(url).content.decode()
    assert 'class="readonly-table"' in html and "lines-TOTAL_FORMS" not in html
    assert "Lines workspace" in html and "12,345,678" in html and "¥10.00" in html
    for item in items[1:]:
        MonthlyBillLine.objects.create(monthly_bill=bill, workspace=WorkspaceFactory(account=account),
                                       billing_item=item, usage=1, amount=Decimal("10.00"))
    with CaptureQueriesContext(connection) as three:
        assert finance_client.get(url).content.decode().count('<td class="num">') == 3 * 4
    assert len(three.captured_queries) == len(one.captured_queries)
