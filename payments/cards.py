"""Prepaid cards: buying them with cash, and the full-reduction gift voucher a purchase earns."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.models import FinanceSettings
from core.money import ZERO
from payments import ledger
from payments.amounts import checked_amount
from payments.error_codes import PaymentsErrorCode as Code
from payments.ledger import actor_or_none
from payments.locks import lock_wallet
from payments.models import (
    BalanceKind,
    CardGiftTier,
    CardStatus,
    LedgerEntry,
    LedgerReason,
    Payment,
    PaymentPurpose,
    PrepaidCard,
    Voucher,
    VoucherKind,
    VoucherStatus,
)
from payments.tenders import TenderSpec, payment_pay
from workspaces.models import Account

if TYPE_CHECKING:
    from django.contrib.auth.models import User


MAX_CARDS_PER_PURCHASE = 50


@dataclass
class CardPurchase:
    payment: Payment
    cards: list[PrepaidCard]
    gift_voucher: Voucher | None = None
    total: Decimal = field(default=ZERO)


def _card_number() -> str:
    while True:
        number = f"PC{timezone.now():%y%m}{secrets.randbelow(10**10):010d}"
        if not PrepaidCard.objects.filter(number=number).exists():
            return number


def prepaid_card_buy(*, account: Account, face_value: Any, quantity: int = 1, actor: User | None) -> CardPurchase:
    """Buy `quantity` prepaid cards of `face_value` each with cash only. Face value: a multiple of 100, at
    least 100. Validity: FinanceSettings.card_validity_days. The purchase (its total) earns the full-reduction
    voucher of the highest CardGiftTier reached, valid FinanceSettings.gift_voucher_validity_days."""
    face = checked_amount(face_value, what=_("Face value"))
    if face < 100 or face % 100 != 0:
        raise ApplicationError(_("A prepaid card's face value is a multiple of 100 and at least 100."),
                               code=Code.INVALID_FACE_VALUE,
                               fields={"face_value": [_("A multiple of 100, at least 100.")]})
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_CARDS_PER_PURCHASE:
        raise ApplicationError(_("Buy between 1 and %(max)s cards at once.") % {"max": MAX_CARDS_PER_PURCHASE},
                               code=Code.INVALID_QUANTITY,
                               fields={"quantity": [_("1 to %(max)s.") % {"max": MAX_CARDS_PER_PURCHASE}]})
    total = face * quantity
    actor = actor_or_none(actor)
    finance = FinanceSettings.load()
    now = timezone.now()
    with transaction.atomic():
        lock_wallet(account.pk)
        cards = [
            PrepaidCard.objects.create(
                account=account, number=_card_number(), face_value=face, balance=ZERO, status=CardStatus.ACTIVE,
                purchased_at=now, expires_at=now + timedelta(days=finance.card_validity_days),
            )
            for _ in range(quantity)
        ]
        payment = payment_pay(
            account=account, amount=total, tenders=[TenderSpec("cash", total)], purpose=PaymentPurpose.CARD_PURCHASE,
            source_type="card_purchase", source_id=cards[0].pk, actor=actor,
        )
        entries: list[LedgerEntry] = []
        for card in cards:
            card.balance = face
            card.purchase_payment = payment
            card.save(update_fields=["balance", "purchase_payment"])
            entries.append(ledger.entry(account_id=account.pk, kind=BalanceKind.CARD, card=card, amount=face,
                                        balance_after=face, reason=LedgerReason.CARD_PURCHASE,
                                        source_type="card_purchase", source_id=cards[0].pk, actor=actor,
                                        payment=payment))
        gift = None
        tier = CardGiftTier.objects.filter(min_purchase__lte=total).order_by("-min_purchase").first()
        if tier is not None:
            gift = Voucher.objects.create(
                account=account, kind=VoucherKind.FULL_REDUCTION, status=VoucherStatus.ACTIVE,
                face_value=tier.voucher_value, balance=tier.voucher_value, valid_from=now,
                valid_until=now + timedelta(days=finance.gift_voucher_validity_days), issued_by=None,
                source_payment=payment,
            )
            entries.append(ledger.entry(account_id=account.pk, kind=BalanceKind.VOUCHER, voucher=gift,
                                        amount=tier.voucher_value, balance_after=tier.voucher_value,
                                        reason=LedgerReason.VOUCHER_ISSUED, source_type="card_purchase",
                                        source_id=cards[0].pk, actor=actor, payment=payment,
                                        memo=f"Gift for a card purchase of {total}"))
        LedgerEntry.objects.bulk_create(entries)
    return CardPurchase(payment=payment, cards=cards, gift_voucher=gift, total=total)
