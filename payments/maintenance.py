"""Upkeep of the wallet: the expiry of cards and vouchers, and finance's manual adjustments of the cash balance."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, Unprocessable
from core.formatting import format_cny
from core.money import ZERO
from payments import ledger
from payments.amounts import checked_signed_amount
from payments.error_codes import PaymentsErrorCode as Code
from payments.ledger import actor_or_none
from payments.locks import lock_cards, lock_vouchers, lock_wallet
from payments.models import BalanceKind, CardStatus, LedgerEntry, LedgerReason, PrepaidCard, Voucher, VoucherStatus
from payments.tenders import cash_credit
from workspaces.models import Account

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def instruments_expire(*, now: datetime | None = None) -> int:
    """Expire every card and voucher whose validity has ended: what is left lapses through the ledger (reason
    EXPIRY), balance 0, status expired. One transaction per account, locks in the documented order.
    Returns how many instruments expired. Unactivated codes are left as they are (activation refuses them)."""
    now = now or timezone.now()
    due_cards = PrepaidCard.objects.filter(expires_at__lte=now).exclude(status=CardStatus.EXPIRED)
    due_vouchers = (Voucher.objects.filter(valid_until__lte=now, account__isnull=False)
                    .exclude(status__in=[VoucherStatus.EXPIRED, VoucherStatus.UNACTIVATED]))
    account_ids = sorted(set(due_cards.values_list("account_id", flat=True))
                         | set(due_vouchers.values_list("account_id", flat=True)))
    expired = 0
    for account_id in account_ids:
        with transaction.atomic():
            lock_wallet(account_id)
            cards = lock_cards(due_cards.filter(account_id=account_id).values_list("pk", flat=True))
            vouchers = lock_vouchers(due_vouchers.filter(account_id=account_id).values_list("pk", flat=True))
            entries: list[LedgerEntry] = []
            for card in cards.values():
                if card.status == CardStatus.EXPIRED or card.expires_at > now:
                    continue
                if card.balance > 0:
                    entries.append(ledger.entry(account_id=account_id, kind=BalanceKind.CARD, card=card,
                                                amount=-card.balance, balance_after=ZERO, reason=LedgerReason.EXPIRY,
                                                source_type="expiry", source_id=card.pk, actor=None))
                PrepaidCard.objects.filter(pk=card.pk).update(balance=ZERO, status=CardStatus.EXPIRED)
                expired += 1
            for voucher in vouchers.values():
                if voucher.status in (VoucherStatus.EXPIRED, VoucherStatus.UNACTIVATED) or voucher.valid_until > now:
                    continue
                if voucher.balance > 0:
                    entries.append(ledger.entry(account_id=account_id, kind=BalanceKind.VOUCHER, voucher=voucher,
                                                amount=-voucher.balance, balance_after=ZERO, reason=LedgerReason.EXPIRY,
                                                source_type="expiry", source_id=voucher.pk, actor=None))
                Voucher.objects.filter(pk=voucher.pk).update(balance=ZERO, status=VoucherStatus.EXPIRED)
                expired += 1
            LedgerEntry.objects.bulk_create(entries)
    return expired


def wallet_adjust(*, account: Account, amount: Any, reason: str, actor: User) -> None:
    """Finance's manual adjustment of the cash balance, through the ledger (reason ADJUSTMENT) with a mandatory
    reason. A positive amount is a credit (repaying arrears first, like every cash credit); a negative one a
    debit that may not take the cash balance below 0."""
    memo = (reason or "").strip()
    if not memo:
        raise ApplicationError(_("A manual adjustment needs a reason."), code=Code.REASON_REQUIRED,
                               fields={"reason": [_("Required.")]})
    try:
        sign, value = checked_signed_amount(amount, what=_("Amount"))
    except ApplicationError as error:
        raise ApplicationError(error.message, code=Code.INVALID_AMOUNT,
                               fields={"amount": [_("A non-zero amount.")]}) from None
    acting = actor_or_none(actor)
    if sign > 0:
        cash_credit(account=account, amount=value, reason=LedgerReason.ADJUSTMENT, source_type="adjustment",
                    source_id=None, actor=acting, memo=memo)
        return
    with transaction.atomic():
        wallet = lock_wallet(account.pk)
        if wallet.cash_balance < value:
            raise Unprocessable(
                _("The cash balance is %(balance)s; a debit of %(amount)s would make it negative.")
                % {"balance": format_cny(wallet.cash_balance), "amount": format_cny(value)},
                code=Code.INSUFFICIENT_BALANCE, fields={"amount": [_("Too large.")]})
        wallet.cash_balance -= value
        wallet.save(update_fields=["cash_balance", "updated_at"])
        ledger.entry(account_id=account.pk, kind=BalanceKind.CASH, amount=-value, balance_after=wallet.cash_balance,
                     reason=LedgerReason.ADJUSTMENT, source_type="adjustment", source_id=None, actor=acting,
                     memo=memo).save()
