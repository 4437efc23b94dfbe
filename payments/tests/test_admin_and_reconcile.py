from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from payments.models import LedgerEntry, LedgerReason, Recharge, RechargeStatus, Voucher, VoucherCodeBatch, Wallet
from payments.recharges import recharge_submit_offline
from payments.reconcile import check_balances
from payments.tests.factories import fund_cash
from tests.auth import login_staff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
D = Decimal



def test_confirm_and_reject_remittances(finance_client, account, owner, ledger_clean):
    first = recharge_submit_offline(account=account, amount="100", transfer_reference="A", actor=owner)
    second = recharge_submit_offline(account=account, amount="50", transfer_reference="B", actor=owner)
    url = "/admin/payments/recharge/"
    finance_client.post(url, {"action": "confirm_remittances", "_selected_action": [first.pk]})
    finance_client.post(url, {"action": "confirm_remittances", "_selected_action": [first.pk]})
    assert Wallet.objects.get(account=account).cash_balance == D("100")
    page = finance_client.post(url, {"action": "reject_remittances", "_selected_action": [second.pk]})
    assert page.status_code == 200 and b'name="note"' in page.content
    finance_client.post(url, {"action": "reject_remittances", "_selected_action": [second.pk], "apply": "1",
                              "note": "no such transfer"})
    second.refresh_from_db()
    assert second.status == RechargeStatus.REJECTED and second.decision_note == "no such transfer"
    assert Wallet.objects.get(account=account).cash_balance == D("100")


def test_issue_voucher_in_admin(finance_client, account, ledger_clean):
    now = timezone.now()
    response = finance_client.post("/admin/payments/voucher/add/", {
        "account": account.pk, "face_value": "2000", "valid_from_0": now.strftime("%Y-%m-%d"),
        "valid_from_1": "00:00:00", "valid_until_0": (now + timedelta(days=30)).strftime("%Y-%m-%d"),
        "valid_until_1": "00:00:00", "memo": "welcome",
    })
    assert response.status_code == 302, response.content[:3000]
    voucher = Voucher.objects.get()
    assert voucher.account == account and voucher.balance == D("2000")
    assert LedgerEntry.objects.get(voucher=voucher).reason == LedgerReason.VOUCHER_ISSUED
    assert finance_client.get(f"/admin/payments/voucher/{voucher.pk}/change/").status_code == 200


def test_generate_batch_and_download_codes(finance_client):
    now = timezone.now()
    response = finance_client.post("/admin/payments/vouchercodebatch/add/", {
        "name": "Expo", "face_value": "500", "quantity": "3", "valid_from_0": now.strftime("%Y-%m-%d"),
        "valid_from_1": "00:00:00", "valid_until_0": (now + timedelta(days=30)).strftime("%Y-%m-%d"),
        "valid_until_1": "00:00:00",
    })
    assert response.status_code == 302
    batch = VoucherCodeBatch.objects.get()
    assert batch.vouchers.count() == 3
    csv = finance_client.get(f"/admin/payments/vouchercodebatch/{batch.pk}/codes.csv")
    text = csv.content.decode("utf-8-sig")
    assert all(v.code in text for v in batch.vouchers.all())


def test_manual_adjustment_form(finance_client, account, ledger_clean):
    wallet = Wallet.objects.get(account=account)
    url = f"/admin/payments/wallet/{wallet.pk}/adjust/"
    assert finance_client.post(url, {"amount": "25", "reason": ""}).status_code == 200
    assert finance_client.post(url, {"amount": "-1", "reason": "x"}).status_code == 200  # would go negative
    assert finance_client.post(url, {"amount": "25", "reason": "goodwill"}).status_code == 302
    wallet.refresh_from_db()
    assert wallet.cash_balance == D("25")


def test_money_rows_are_read_only(finance_client, account):
    fund_cash(account, "5")
    wallet = Wallet.objects.get(account=account)
    entry = LedgerEntry.objects.get()
    assert finance_client.get("/admin/payments/ledgerentry/add/").status_code == 403
    assert finance_client.post(f"/admin/payments/ledgerentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    finance_client.post(f"/admin/payments/wallet/{wallet.pk}/change/", {"cash_balance": "999"})
    wallet.refresh_from_db()
    assert wallet.cash_balance == D("5")


def test_stranger_staff_cannot_adjust(account):
    user = UserFactory(is_staff=True)
    client = login_staff(Client(), user)
    wallet = Wallet.objects.get(account=account)
    assert client.post(f"/admin/payments/wallet/{wallet.pk}/adjust/", {"amount": "5", "reason": "x"}
                       ).status_code == 403


def test_reconcile_command_clean_and_tampered(account, capsys):
    fund_cash(account, "10")
    call_command("reconcile")
    assert "clean" in capsys.readouterr().out
    Wallet.objects.filter(account=account).update(cash_balance=D("9"))
    with pytest.raises(CommandError):
        call_command("reconcile")
    assert f"account {account.pk}" in capsys.readouterr().out


def test_reconcile_detects_broken_chain(account):
    LedgerEntry.objects.create(account=account, balance_kind="cash", amount=D("5"), balance_after=D("6"),
                               reason="recharge", source_type="test")
    Wallet.objects.filter(account=account).update(cash_balance=D("5"))
    problems = check_balances()
    assert len(problems) == 1 and "balance_after" in problems[0]


def test_recharge_admin_lists(finance_client, account, owner):
    Recharge.objects.create(account=account, method="offline", amount=D("1"), transfer_reference="x",
                            requested_by=owner)
    for url in ("/admin/payments/recharge/", "/admin/payments/wallet/", "/admin/payments/payment/",
                "/admin/payments/ledgerentry/", "/admin/payments/prepaidcard/", "/admin/payments/gatewaycallback/",
                "/admin/payments/voucher/", "/admin/payments/vouchercodebatch/"):
        assert finance_client.get(url).status_code == 200, url
