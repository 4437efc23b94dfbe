"""A refunded order payment's prepaid-card part goes back to the same card, never to cash (a card is not
refundable to cash); to a card that has expired since, it lapses with the card (docs/PRODUCT.md "Refunds")."""

from decimal import Decimal as D

import pytest

from payments.models import CardStatus, LedgerEntry, LedgerReason, PaymentPurpose, TenderKind, Wallet
from payments.tenders import RefundTo, TenderSpec, payment_pay, payment_refund, payment_refund_preview
from payments.tests.factories import expire_now, fund_cash, give_card, give_voucher

pytestmark = pytest.mark.django_db


def _pay(account, amount, tenders):
    return payment_pay(account=account, amount=D(amount), tenders=tenders, purpose=PaymentPurpose.ORDER,
                       source_type="order", source_id=1, actor=None)


def test_an_expired_cards_part_lapses_and_never_reaches_cash(account, ledger_clean):
    fund_cash(account, "100")
    card = give_card(account, "200")
    voucher = give_voucher(account, "50")
    payment = _pay(account, "300", [TenderSpec("cash", D("100")), TenderSpec("card", D("150"), card.pk),
                                    TenderSpec("voucher", D("50"), voucher.pk)])
    expire_now(card)
    preview = payment_refund_preview(payment=payment)
    assert [(leg.kind, leg.amount, leg.to) for leg in preview] == [
        (TenderKind.CASH, D("100"), RefundTo.CASH), (TenderKind.PREPAID_CARD, D("150"), RefundTo.CARD_LAPSES),
        (TenderKind.ORDINARY_VOUCHER, D("50"), RefundTo.VOUCHER),
    ]
    refund = payment_refund(payment=payment, actor=None, reason="pending package refunded")
    card.refresh_from_db()
    voucher.refresh_from_db()
    assert card.balance == D("50") and voucher.balance == D("50")  # 200 - 150 paid; the 150 lapsed
    assert Wallet.objects.get(account=account).cash_balance == D("100")  # the card's part never reaches cash
    card_entries = LedgerEntry.objects.filter(payment=refund, card=card).order_by("pk")
    assert [(e.reason, e.amount) for e in card_entries] == [(LedgerReason.ORDER_REFUND, D("150")),
                                                            (LedgerReason.EXPIRY, D("-150"))]
    assert refund.tenders.get(card=card).amount == D("150")


def test_a_valid_cards_part_goes_back_onto_the_card(account, ledger_clean):
    card = give_card(account, "150")
    payment = _pay(account, "150", [TenderSpec("card", D("150"), card.pk)])
    card.refresh_from_db()
    assert card.status == CardStatus.EXHAUSTED
    assert [leg.to for leg in payment_refund_preview(payment=payment)] == [RefundTo.CARD]
    payment_refund(payment=payment, actor=None, reason="pending package refunded")
    card.refresh_from_db()
    assert card.balance == D("150") and card.status == CardStatus.ACTIVE
    assert Wallet.objects.get(account=account).cash_balance == 0
