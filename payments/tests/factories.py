"""Factories of the payments app. Balances are given through the ledger (services), never set directly, so
`reconcile` stays clean: use `fund_cash`, `give_card`, `give_voucher`."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from payments.models import (
    BalanceKind,
    CardStatus,
    LedgerEntry,
    LedgerReason,
    PrepaidCard,
    Voucher,
    VoucherKind,
    VoucherStatus,
)
from payments.tenders import cash_credit
from workspaces.models import Account

_numbers = itertools.count(1)


def fund_cash(account: Account, amount: str | Decimal) -> None:
    cash_credit(account=account, amount=Decimal(amount), reason=LedgerReason.RECHARGE, source_type="test",
                source_id=None, actor=None, memo="test funding")


def give_card(account: Account, value: str | Decimal, *, days: int = 365, purchased_at=None) -> PrepaidCard:
    """A card with `value` on it (as if issued), with its ledger entry."""
    value = Decimal(value)
    face = max(Decimal(100), ((value + 99) // 100) * 100)
    now = purchased_at or timezone.now()
    card = PrepaidCard.objects.create(
        account=account, number=f"T{next(_numbers):012d}", face_value=face, balance=value,
        status=CardStatus.ACTIVE if value > 0 else CardStatus.EXHAUSTED, purchased_at=now,
        expires_at=now + timedelta(days=days),
    )
    if value > 0:
        LedgerEntry.objects.create(account=account, balance_kind=BalanceKind.CARD, card=card, amount=value,
                                   balance_after=value, reason=LedgerReason.CARD_ISSUED, source_type="test")
    return card


def give_voucher(
    account: Account, value: str | Decimal, *, kind: str = VoucherKind.ORDINARY, days: int = 30, start_days: int = -1
) -> Voucher:
    value = Decimal(value)
    now = timezone.now()
    voucher = Voucher.objects.create(
        account=account, kind=kind, status=VoucherStatus.ACTIVE, face_value=value, balance=value,
        valid_from=now + timedelta(days=start_days), valid_until=now + timedelta(days=days),
    )
    LedgerEntry.objects.create(account=account, balance_kind=BalanceKind.VOUCHER, voucher=voucher, amount=value,
                               balance_after=value, reason=LedgerReason.VOUCHER_ISSUED, source_type="test")
    return voucher


def expire_now(obj: PrepaidCard | Voucher) -> None:
    """Move an instrument's end of validity into the past (status unchanged: the beat task has not run yet)."""
    past = timezone.now() - timedelta(seconds=1)
    if isinstance(obj, PrepaidCard):
        PrepaidCard.objects.filter(pk=obj.pk).update(purchased_at=past - timedelta(days=1), expires_at=past)
    else:
        Voucher.objects.filter(pk=obj.pk).update(valid_from=past - timedelta(days=1), valid_until=past)
    obj.refresh_from_db()
