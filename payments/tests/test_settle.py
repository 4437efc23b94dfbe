from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from core.exceptions import ApplicationError
from payments.models import LedgerEntry, LedgerReason, Payment, TenderKind, VoucherKind, Wallet
from payments.settlement import SettlementDemand, settle_demands
from payments.tests.factories import expire_now, fund_cash, give_card, give_voucher
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
D = Decimal


def split(payment_id):
    return [(t.kind, t.card_id or t.voucher_id, t.amount) for t in Payment.objects.get(pk=payment_id).tenders.all()]


def test_fixed_order_and_expiry_first(account, ledger_clean):
    fund_cash(account, "100")
    late_card = give_card(account, "50", days=300)
    early_card = give_card(account, "50", days=100)
    fr = give_voucher(account, "30", kind=VoucherKind.FULL_REDUCTION, days=5)
    ord_late = give_voucher(account, "20", days=20)
    ord_early = give_voucher(account, "20", days=10)
    result = settle_demands(demands=[SettlementDemand(account.pk, D("300"), D("300"), "bill", 11)])
    assert split(result[("bill", 11)]) == [
        (TenderKind.ORDINARY_VOUCHER, ord_early.pk, D("20")),
        (TenderKind.ORDINARY_VOUCHER, ord_late.pk, D("20")),
        (TenderKind.FULL_REDUCTION_VOUCHER, fr.pk, D("30")),
        (TenderKind.PREPAID_CARD, early_card.pk, D("50")),
        (TenderKind.PREPAID_CARD, late_card.pk, D("50")),
        (TenderKind.CASH, None, D("100")),
        (TenderKind.ARREARS, None, D("30")),
    ]
    wallet = Wallet.objects.get(account=account)
    assert wallet.cash_balance == 0 and wallet.arrears == D("30") and wallet.arrears_since
    assert LedgerEntry.objects.filter(reason=LedgerReason.ARREARS_INCURRED).get().balance_after == D("30")


def test_sms_part_never_paid_by_vouchers(account, ledger_clean):
    voucher = give_voucher(account, "100")
    fund_cash(account, "5")
    result = settle_demands(demands=[SettlementDemand(account.pk, D("50"), D("40"), "bill", 1)])
    assert split(result[("bill", 1)]) == [(TenderKind.ORDINARY_VOUCHER, voucher.pk, D("40")),
                                          (TenderKind.CASH, None, D("5")), (TenderKind.ARREARS, None, D("5"))]
    voucher.refresh_from_db()
    assert voucher.balance == D("60")


def test_partial_use_stops_at_amount(account, ledger_clean):
    card = give_card(account, "100")
    fund_cash(account, "100")
    result = settle_demands(demands=[SettlementDemand(account.pk, D("30.25"), D("0"), "bill", 1)])
    assert split(result[("bill", 1)]) == [(TenderKind.PREPAID_CARD, card.pk, D("30.25"))]
    assert Wallet.objects.get(account=account).cash_balance == D("100")


def test_expired_inactive_and_empty_skipped(account, ledger_clean):
    old = give_voucher(account, "100")
    expire_now(old)
    future = give_voucher(account, "100", start_days=3)
    card = give_card(account, "100")
    expire_now(card)
    result = settle_demands(demands=[SettlementDemand(account.pk, D("10"), D("10"), "bill", 1)])
    assert split(result[("bill", 1)]) == [(TenderKind.ARREARS, None, D("10"))]
    future.refresh_from_db()
    assert future.balance == D("100")


def test_many_accounts_and_several_demands_per_account(ledger_clean):
    accounts = [AccountFactory() for _ in range(5)]
    for i, acc in enumerate(accounts):
        fund_cash(acc, str(10 * i + 1))
    demands = [SettlementDemand(acc.pk, D("7"), D("7"), "bill", 100 + i) for i, acc in enumerate(accounts)]
    demands.append(SettlementDemand(accounts[4].pk, D("40"), D("0"), "bill", 999))
    with transaction.atomic():
        result = settle_demands(demands=demands)
    assert len(result) == 6 and len(set(result.values())) == 6
    wallets = {w.account_id: w for w in Wallet.objects.filter(account__in=accounts)}
    assert wallets[accounts[0].pk].cash_balance == 0 and wallets[accounts[0].pk].arrears == D("6")
    assert wallets[accounts[4].pk].cash_balance == 0 and wallets[accounts[4].pk].arrears == D("6")
    assert split(result[("bill", 999)]) == [(TenderKind.CASH, None, D("34")), (TenderKind.ARREARS, None, D("6"))]


def test_existing_arrears_accumulate_and_keep_since(account, ledger_clean):
    settle_demands(demands=[SettlementDemand(account.pk, D("5"), D("5"), "bill", 1)])
    since = Wallet.objects.get(account=account).arrears_since
    settle_demands(demands=[SettlementDemand(account.pk, D("5"), D("5"), "bill", 2)])
    wallet = Wallet.objects.get(account=account)
    assert wallet.arrears == D("10") and wallet.arrears_since == since


@pytest.mark.parametrize(("amount", "vpa"), [("0", "0"), ("-1", "0"), ("10", "11"), ("1.001", "0"), ("5", "-1")])
def test_bad_demands(account, amount, vpa):
    with pytest.raises(ApplicationError):
        settle_demands(demands=[SettlementDemand(account.pk, D(amount), D(vpa), "bill", 1)])
    assert not Payment.objects.exists()


def test_duplicate_and_unknown_account(account):
    with pytest.raises(ApplicationError):
        settle_demands(demands=[SettlementDemand(account.pk, D("1"), D("0"), "bill", 1)] * 2)
    with pytest.raises(ApplicationError):
        settle_demands(demands=[SettlementDemand(987654321, D("1"), D("0"), "bill", 1)])
    assert settle_demands(demands=[]) == {}


def test_exhausted_instruments_get_status(account):
    card = give_card(account, "10")
    voucher = give_voucher(account, "10")
    settle_demands(demands=[SettlementDemand(account.pk, D("20"), D("20"), "bill", 1)])
    card.refresh_from_db()
    voucher.refresh_from_db()
    assert (card.balance, card.status, voucher.balance, voucher.status) == (0, "exhausted", 0, "exhausted")


def test_timestamps_set(account):
    fund_cash(account, "1")
    result = settle_demands(demands=[SettlementDemand(account.pk, D("1"), D("0"), "bill", 1)])
    payment = Payment.objects.get(pk=result[("bill", 1)])
    assert payment.created_at and payment.purpose == "bill"
    assert payment.created_at - LedgerEntry.objects.filter(payment=payment).get().created_at < timedelta(seconds=1)
