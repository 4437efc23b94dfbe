"""The ledger writer: every balance change is exactly one LedgerEntry (signed amount, balance_after), written
in the same transaction as the change. Also the one cash credit (arrears are repaid first) that recharges,
refunds, adjustments and bill re-runs share; whether a card's or voucher's validity has ended is asked of
payments/allocation.py (the one usable rule)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from payments import allocation
from payments.models import (
    BalanceKind,
    LedgerEntry,
    LedgerReason,
    Payment,
    PrepaidCard,
    Voucher,
    Wallet,
)
from payments.signals import arrears_cleared

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def entry(
    *,
    account_id: int,
    kind: str,
    amount: Decimal,
    balance_after: Decimal,
    reason: str,
    source_type: str,
    source_id: int | None,
    actor: User | None,
    card: PrepaidCard | None = None,
    voucher: Voucher | None = None,
    payment: Payment | None = None,
    memo: str = "",
) -> LedgerEntry:
    """An unsaved LedgerEntry (the caller saves it, or bulk-creates several)."""
    return LedgerEntry(
        account_id=account_id,
        balance_kind=kind,
        card=card,
        voucher=voucher,
        amount=amount,
        balance_after=balance_after,
        reason=reason,
        source_type=source_type,
        source_id=source_id,
        payment=payment,
        memo=memo[:500],
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def actor_or_none(actor: User | None) -> User | None:
    """The acting user if it is a saved user (the night and gateways act as nobody)."""
    return actor if actor is not None and getattr(actor, "pk", None) else None


def credit_cash_locked(
    *,
    wallet: Wallet,
    amount: Decimal,
    reason: str,
    source_type: str,
    source_id: int | None,
    actor: User | None,
    memo: str = "",
    payment: Payment | None = None,
) -> list[LedgerEntry]:
    """Credit a locked wallet: repay arrears first, the rest to cash. Saves the wallet, returns unsaved entries.
    Sends arrears_cleared (inside the transaction) when the arrears reach zero."""
    entries: list[LedgerEntry] = []
    repaid = min(wallet.arrears, amount)
    rest = amount - repaid
    had_arrears = wallet.arrears > 0
    if repaid > 0:
        wallet.arrears -= repaid
        entries.append(
            entry(account_id=wallet.account_id, kind=BalanceKind.ARREARS, amount=-repaid,
                  balance_after=wallet.arrears, reason=LedgerReason.ARREARS_REPAID, source_type=source_type,
                  source_id=source_id, actor=actor, payment=payment, memo=memo)
        )
    if rest > 0:
        wallet.cash_balance += rest
        entries.append(
            entry(account_id=wallet.account_id, kind=BalanceKind.CASH, amount=rest,
                  balance_after=wallet.cash_balance, reason=reason, source_type=source_type,
                  source_id=source_id, actor=actor, payment=payment, memo=memo)
        )
    cleared = had_arrears and wallet.arrears == 0
    if cleared:
        wallet.arrears_since = None
    wallet.save(update_fields=["cash_balance", "arrears", "arrears_since", "updated_at"])
    if cleared:
        arrears_cleared.send(sender=Wallet, account=wallet.account)
    return entries


def card_usable(card: PrepaidCard, now: datetime) -> bool:
    """The card's validity has not ended (payments.allocation's rule; balance and status are checked apart)."""
    return not allocation.has_lapsed(allocation.CARDS, card, now)


def voucher_usable_window(voucher: Voucher, now: datetime) -> bool:
    """The voucher's validity has not ended (payments.allocation's rule; its start is checked apart)."""
    return not allocation.has_lapsed(allocation.VOUCHERS, voucher, now)
