from decimal import Decimal

import pytest
from django.utils import translation

from core.exceptions import ApplicationError
from payments.models import (
    CardStatus,
    LedgerEntry,
    LedgerReason,
    Payment,
    PaymentTender,
    TenderKind,
    VoucherKind,
    VoucherStatus,
    Wallet,
)
from payments.reconcile import check_balances
from payments.settlement import SettlementDemand, settle_demands
from payments.signals import arrears_cleared
from payments.tenders import TenderSpec, cash_credit, payment_pay, payment_refund, settle_credit
from payments.tests.factories import expire_now, fund_cash, give_card, give_voucher
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

D = Decimal


def pay(account, amount, tenders, **kw):
    kw.setdefault("purpose", "order")
    kw.setdefault("source_type", "order")
    kw.setdefault("source_id", 1)
    kw.setdefault("actor", None)
    return payment_pay(account=account, amount=D(amount), tenders=tenders, **kw)


def counts():
    return Payment.objects.count(), PaymentTender.objects.count(), LedgerEntry.objects.count()


def test_mixed_tenders_pay_exactly(account, owner, ledger_clean):
    fund_cash(account, "500")
    card = give_card(account, "300")
    voucher = give_voucher(account, "100", kind=VoucherKind.FULL_REDUCTION)
    payment = pay(account, "650.50", [
        TenderSpec("voucher", D("100"), voucher.pk), TenderSpec("card", D("300"), card.pk),
        TenderSpec("cash", D("250.50")),
    ], actor=owner)
    assert payment.amount == D("650.50") and payment.created_by == owner
    kinds = sorted((t.kind, t.amount) for t in payment.tenders.all())
    assert kinds == sorted([(TenderKind.FULL_REDUCTION_VOUCHER, D("100")), (TenderKind.PREPAID_CARD, D("300")),
                            (TenderKind.CASH, D("250.50"))])
    card.refresh_from_db()
    voucher.refresh_from_db()
    assert card.balance == 0 and card.status == CardStatus.EXHAUSTED
    assert voucher.balance == 0 and voucher.status == VoucherStatus.EXHAUSTED
    assert Wallet.objects.get(account=account).cash_balance == D("249.50")
    reasons = set(payment.ledger.values_list("reason", flat=True))
    assert reasons == {LedgerReason.ORDER_PAYMENT} and payment.ledger.count() == 3


def test_card_purchase_reason(account, ledger_clean):
    fund_cash(account, "100")
    payment = pay(account, "100", [TenderSpec("cash", D("100"))], purpose="card_purchase",
                  source_type="card_purchase")
    assert payment.ledger.get().reason == LedgerReason.CARD_PURCHASE


@pytest.mark.parametrize(
    ("tenders_total", "code"), [("99.99", "tender_total_mismatch"), ("100.01", "tender_total_mismatch")]
)
def test_total_mismatch_names_shortfall_or_excess(account, tenders_total, code):
    fund_cash(account, "1000")
    before = counts()
    with translation.override("en"), pytest.raises(ApplicationError) as exc:
        pay(account, "100", [TenderSpec("cash", D(tenders_total))])
    assert exc.value.code == code and exc.value.status_code == 422
    assert ("short" in exc.value.message) == (D(tenders_total) < 100)
    assert counts() == before


@pytest.mark.parametrize("amount", ["0", "-1", "1.001", "abc", 1.5, None, "NaN"])
def test_bad_tender_amounts(account, amount):
    fund_cash(account, "1000")
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        pay(account, "10", [TenderSpec("cash", amount)])
    assert exc.value.code == "invalid_amount"
    assert counts() == before


def test_foreign_card_is_unknown_and_not_revealed(account, other_account):
    fund_cash(account, "10")
    foreign = give_card(other_account, "500")
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        pay(account, "20", [TenderSpec("cash", D("10")), TenderSpec("card", D("10"), foreign.pk)])
    assert exc.value.code == "unknown_tender" and exc.value.status_code == 404
    assert foreign.number not in exc.value.message
    assert counts() == before
    assert Wallet.objects.get(account=account).cash_balance == D("10")


def test_unknown_voucher_and_unactivated_code(account):
    with pytest.raises(ApplicationError) as exc:
        pay(account, "10", [TenderSpec("voucher", D("10"), 999999)])
    assert exc.value.code == "unknown_tender"


def test_duplicate_instrument_rejected(account):
    card = give_card(account, "500")
    with pytest.raises(ApplicationError) as exc:
        pay(account, "20", [TenderSpec("card", D("10"), card.pk), TenderSpec("card", D("10"), card.pk)])
    assert exc.value.code == "duplicate_tender"
    with pytest.raises(ApplicationError) as exc:
        pay(account, "20", [TenderSpec("cash", D("10")), TenderSpec("cash", D("10"))])
    assert exc.value.code == "duplicate_tender"


def test_insufficient_and_expired_and_exhausted(account):
    fund_cash(account, "5")
    card = give_card(account, "50")
    voucher = give_voucher(account, "20")
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        pay(account, "10", [TenderSpec("cash", D("10"))])
    assert exc.value.code == "insufficient_balance"
    with pytest.raises(ApplicationError) as exc:
        pay(account, "60", [TenderSpec("card", D("60"), card.pk)])
    assert exc.value.code == "insufficient_balance"
    expire_now(voucher)
    with pytest.raises(ApplicationError) as exc:
        pay(account, "10", [TenderSpec("voucher", D("10"), voucher.pk)])
    assert exc.value.code == "tender_expired"
    expire_now(card)
    with pytest.raises(ApplicationError) as exc:
        pay(account, "10", [TenderSpec("card", D("10"), card.pk)])
    assert exc.value.code == "tender_expired"
    future = give_voucher(account, "20", start_days=2)
    with pytest.raises(ApplicationError) as exc:
        pay(account, "10", [TenderSpec("voucher", D("10"), future.pk)])
    assert exc.value.code == "tender_not_yet_valid"
    assert counts()[0] == before[0]


def test_second_tender_failing_writes_nothing(account):
    fund_cash(account, "100")
    card = give_card(account, "5")
    before = counts()
    with pytest.raises(ApplicationError):
        pay(account, "20", [TenderSpec("cash", D("10")), TenderSpec("card", D("10"), card.pk)])
    assert counts() == before
    assert Wallet.objects.get(account=account).cash_balance == D("100")


def test_voucher_payable_limit(account):
    voucher = give_voucher(account, "100")
    fund_cash(account, "100")
    with pytest.raises(ApplicationError) as exc:
        pay(account, "100", [TenderSpec("voucher", D("60"), voucher.pk), TenderSpec("cash", D("40"))],
            voucher_payable_amount=D("50"))
    assert exc.value.code == "voucher_limit_exceeded"
    pay(account, "100", [TenderSpec("voucher", D("50"), voucher.pk), TenderSpec("cash", D("50"))],
        voucher_payable_amount=D("50"))


def test_refund_back_to_tenders_and_expired_to_cash(account, ledger_clean):
    fund_cash(account, "100")
    card = give_card(account, "200")
    voucher = give_voucher(account, "50")
    payment = pay(account, "300", [TenderSpec("cash", D("100")), TenderSpec("card", D("150"), card.pk),
                                   TenderSpec("voucher", D("50"), voucher.pk)])
    expire_now(voucher)
    refund = payment_refund(payment=payment, actor=None, reason="pending package refunded")
    assert refund.refunded_payment == payment and refund.amount == D("300") and refund.purpose == "refund"
    card.refresh_from_db()
    voucher.refresh_from_db()
    assert card.balance == D("200") and card.status == CardStatus.ACTIVE
    assert voucher.balance == 0
    assert Wallet.objects.get(account=account).cash_balance == D("150")  # 100 + the expired voucher's 50
    assert set(refund.ledger.values_list("reason", flat=True)) == {LedgerReason.ORDER_REFUND}
    with pytest.raises(ApplicationError) as exc:
        payment_refund(payment=payment, actor=None, reason="again")
    assert exc.value.code == "already_refunded"
    with pytest.raises(ApplicationError):
        payment_refund(payment=refund, actor=None, reason="refund of refund")


def test_cash_credit_repays_arrears_first_and_signals(account, ledger_clean):
    settle_demands(demands=[SettlementDemand(account.pk, D("80"), D("80"), "bill", 1)])
    wallet = Wallet.objects.get(account=account)
    assert wallet.arrears == D("80") and wallet.arrears_since is not None
    received = []

    def receiver(sender, account, **kwargs):
        received.append(account.pk)

    arrears_cleared.connect(receiver)
    try:
        cash_credit(account=account, amount=D("50"), reason=LedgerReason.RECHARGE, source_type="recharge",
                    source_id=None, actor=None)
        assert received == []
        cash_credit(account=account, amount=D("100"), reason=LedgerReason.RECHARGE, source_type="recharge",
                    source_id=None, actor=None)
        assert received == [account.pk]
    finally:
        arrears_cleared.disconnect(receiver)
    wallet.refresh_from_db()
    assert wallet.arrears == 0 and wallet.cash_balance == D("70") and wallet.arrears_since is None
    assert LedgerEntry.objects.filter(reason=LedgerReason.ARREARS_REPAID).count() == 2


def test_settle_credit_is_bill_adjustment(account, ledger_clean):
    settle_credit(account=account, amount=D("12.34"), source_type="bill", source_id=7)
    entry = LedgerEntry.objects.get(account=account)
    assert entry.reason == LedgerReason.BILL_ADJUSTMENT and entry.amount == D("12.34")


def test_reconcile_detects_tampering(account):
    fund_cash(account, "10")
    assert check_balances() == []
    Wallet.objects.filter(account=account).update(cash_balance=D("11"))
    assert any("cash balance" in p for p in check_balances())


def test_other_account_untouched(account):
    other = AccountFactory()
    fund_cash(other, "10")
    fund_cash(account, "10")
    pay(account, "10", [TenderSpec("cash", D("10"))])
    assert Wallet.objects.get(account=other).cash_balance == D("10")
