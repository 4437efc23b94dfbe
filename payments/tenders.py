"""Paying with the tenders the payer chose, refunding an order payment, and crediting cash.

Rules (docs/RULES-payments.md):
- every balance change is exactly one LedgerEntry, written in the same transaction (payments/ledger.py);
- locks are taken through payments/locks.py in its one order: Wallet -> PrepaidCard by id -> Voucher by id ->
  documents;
- everything is validated before anything is written; errors carry a PaymentsErrorCode.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ApplicationError, Conflict, Unprocessable
from core.formatting import format_cny
from core.money import ZERO
from payments import ledger
from payments.amounts import checked_amount
from payments.error_codes import PaymentsErrorCode as Code
from payments.ledger import actor_or_none, card_usable, credit_cash_locked, voucher_usable_window
from payments.locks import lock_cards, lock_payment, lock_vouchers, lock_wallet
from payments.models import (
    BalanceKind,
    CardStatus,
    LedgerEntry,
    LedgerReason,
    Payment,
    PaymentPurpose,
    PaymentTender,
    PrepaidCard,
    TenderKind,
    Voucher,
    VoucherKind,
    VoucherStatus,
    Wallet,
)
from workspaces.models import Account

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class TenderSpec:
    kind: str  # "cash" | "card" | "voucher"
    amount: Decimal
    instrument_id: int | None = None  # card id or voucher id; None for cash


def _instrument(tender: TenderSpec) -> int:
    """The card or voucher id of a card or voucher tender (always set on those: see _validate_tenders)."""
    return cast(int, tender.instrument_id)


TENDER_KINDS = ("cash", "card", "voucher")

_PURPOSE_REASON: dict[str, LedgerReason] = {
    PaymentPurpose.ORDER: LedgerReason.ORDER_PAYMENT,
    PaymentPurpose.CARD_PURCHASE: LedgerReason.CARD_PURCHASE,
    PaymentPurpose.BILL: LedgerReason.BILL_SETTLEMENT,
}


# A tender's kind as a message names it (the API's codes stay cash, card, voucher).
TENDER_KIND_NAMES = {"cash": gettext_lazy("cash balance"), "card": gettext_lazy("prepaid card"),
                     "voucher": gettext_lazy("voucher")}


def _kind_name(kind: str) -> str:
    return str(TENDER_KIND_NAMES.get(kind, kind))


def _validate_tenders(
    tenders: Sequence[TenderSpec], amount: Decimal, voucher_payable_amount: Decimal | None
) -> list[TenderSpec]:
    clean: list[TenderSpec] = []
    seen: set[tuple[str, int | None]] = set()
    for index, tender in enumerate(tenders):
        label = _("Tender %(number)s") % {"number": index + 1}
        if not isinstance(tender, TenderSpec):
            raise ApplicationError(_("%(tender)s is not a tender.") % {"tender": label}, code=Code.INVALID_TENDER)
        if tender.kind not in TENDER_KINDS:
            raise ApplicationError(
                _("%(tender)s: unknown kind %(kind)s (use cash, card or voucher).")
                % {"tender": label, "kind": repr(tender.kind)}, code=Code.INVALID_TENDER
            )
        tender_amount = checked_amount(tender.amount, what=label)
        instrument_id = tender.instrument_id
        if tender.kind == "cash":
            if instrument_id is not None:
                raise ApplicationError(_("%(tender)s: a cash tender names no instrument.") % {"tender": label},
                                       code=Code.INVALID_TENDER)
        elif isinstance(instrument_id, bool) or not isinstance(instrument_id, int) or not 0 < instrument_id < 2**63:
            raise ApplicationError(_("%(tender)s: name the %(kind)s to use.")
                                   % {"tender": label, "kind": _kind_name(tender.kind)}, code=Code.INVALID_TENDER)
        key = (tender.kind, instrument_id)
        if key in seen:
            what = _kind_name("cash") if tender.kind == "cash" else f"{_kind_name(tender.kind)} {instrument_id}"
            raise ApplicationError(_("The %(instrument)s is used more than once; name each at most once.")
                                   % {"instrument": what}, code=Code.DUPLICATE_TENDER)
        seen.add(key)
        clean.append(TenderSpec(kind=tender.kind, amount=tender_amount, instrument_id=instrument_id))
    total = sum((t.amount for t in clean), ZERO)
    if total != amount:
        if total < amount:
            message = _("The tenders add up to %(paid)s, %(short)s short of the amount %(amount)s.") % {
                "paid": format_cny(total), "short": format_cny(amount - total), "amount": format_cny(amount)}
        else:
            message = _("The tenders add up to %(paid)s, %(over)s more than the amount %(amount)s.") % {
                "paid": format_cny(total), "over": format_cny(total - amount), "amount": format_cny(amount)}
        raise Unprocessable(message, code=Code.TENDER_TOTAL_MISMATCH,
                            fields={"tenders": [message], "total": str(total), "amount": str(amount)})
    if voucher_payable_amount is not None:
        by_voucher = sum((t.amount for t in clean if t.kind == "voucher"), ZERO)
        if by_voucher > voucher_payable_amount:
            raise Unprocessable(
                _("Vouchers may pay at most %(limit)s of this amount; %(chosen)s was chosen.")
                % {"limit": format_cny(voucher_payable_amount), "chosen": format_cny(by_voucher)},
                code=Code.VOUCHER_LIMIT_EXCEEDED,
            )
    return clean


def _unknown(tender: TenderSpec) -> ApplicationError:
    return ApplicationError(
        _("No %(kind)s %(id)s in this account.") % {"kind": _kind_name(tender.kind), "id": tender.instrument_id},
        code=Code.UNKNOWN_TENDER, status=404,
        fields={"tenders": [_("Unknown %(kind)s %(id)s.") % {"kind": _kind_name(tender.kind),
                                                              "id": tender.instrument_id}]},
    )


def payment_pay(
    *,
    account: Account,
    amount: Decimal,
    tenders: Sequence[TenderSpec],
    purpose: str,
    source_type: str,
    source_id: int,
    actor: User | None,
    voucher_payable_amount: Decimal | None = None,
    wallet: Wallet | None = None,
) -> Payment:
    """Pay exactly `amount` with the tenders the payer chose. Atomic; locks the Wallet, then the chosen cards by
    id, then the chosen vouchers by id. Each tender belongs to `account` (else 404 "unknown_tender"), is active,
    within validity, covers its amount (> 0, <= 2 places); each instrument at most once; vouchers pay at most
    `voucher_payable_amount` in total. The sum must equal `amount` (else 422 "tender_total_mismatch").
    Writes the Payment, its PaymentTender rows and one LedgerEntry per debited balance; nothing on error.

    `wallet`: the account's Wallet row, already locked by the caller in the transaction it holds (a checkout
    locks it first); the payment then runs in that transaction, without a savepoint or a second lock. The
    caller's transaction rolls back whole on an error, so nothing is written then either."""
    if purpose not in _PURPOSE_REASON:
        raise ApplicationError(_("Unknown payment purpose %(purpose)s.") % {"purpose": repr(purpose)},
                               code=Code.INVALID_PURPOSE)
    amount = checked_amount(amount, what=_("Amount"), allow_zero=True)
    if voucher_payable_amount is not None:
        voucher_payable_amount = checked_amount(voucher_payable_amount, what=_("Voucher-payable amount"),
                                                allow_zero=True)
    clean = _validate_tenders(tenders, amount, voucher_payable_amount)
    reason = _PURPOSE_REASON[purpose]
    actor = actor_or_none(actor)
    now = timezone.now()
    if wallet is not None:
        if wallet.account_id != account.pk or not transaction.get_connection().in_atomic_block:
            raise ValueError("A held wallet must be the payer's, locked inside the caller's transaction.")
        held = transaction.atomic(savepoint=False)  # the caller's transaction, wallet already locked
    else:
        held = transaction.atomic()
    with held:
        wallet = wallet if wallet is not None else lock_wallet(account.pk)
        cards = lock_cards([_instrument(t) for t in clean if t.kind == "card"], account_id=account.pk)
        vouchers = lock_vouchers([_instrument(t) for t in clean if t.kind == "voucher"], account_id=account.pk)
        # validate every tender against the locked rows before writing anything
        for tender in clean:
            if tender.kind == "cash":
                if wallet.cash_balance < tender.amount:
                    raise Unprocessable(
                        _("The cash balance is %(balance)s; it does not cover %(amount)s.")
                        % {"balance": format_cny(wallet.cash_balance), "amount": format_cny(tender.amount)},
                        code=Code.INSUFFICIENT_BALANCE,
                    )
            elif tender.kind == "card":
                card = cards.get(_instrument(tender))
                if card is None:
                    raise _unknown(tender)
                if not card_usable(card, now):
                    raise Unprocessable(_("Prepaid card %(number)s has expired.") % {"number": card.number},
                                        code=Code.TENDER_EXPIRED)
                if card.balance < tender.amount:
                    raise Unprocessable(
                        _("Prepaid card %(number)s has %(balance)s left; it does not cover %(amount)s.")
                        % {"number": card.number, "balance": format_cny(card.balance),
                           "amount": format_cny(tender.amount)},
                        code=Code.INSUFFICIENT_BALANCE,
                    )
            else:
                voucher = vouchers.get(_instrument(tender))
                if voucher is None or voucher.status == VoucherStatus.UNACTIVATED:
                    raise _unknown(tender)
                if not voucher_usable_window(voucher, now):
                    raise Unprocessable(_("Voucher %(voucher)s has expired.") % {"voucher": voucher},
                                        code=Code.TENDER_EXPIRED)
                if voucher.valid_from > now:
                    raise Unprocessable(_("Voucher %(voucher)s is not valid before %(day)s.")
                                        % {"voucher": voucher, "day": f"{voucher.valid_from:%Y-%m-%d}"},
                                        code=Code.TENDER_NOT_YET_VALID)
                if voucher.balance < tender.amount:
                    raise Unprocessable(
                        _("Voucher %(voucher)s has %(balance)s left; it does not cover %(amount)s.")
                        % {"voucher": voucher, "balance": format_cny(voucher.balance),
                           "amount": format_cny(tender.amount)},
                        code=Code.INSUFFICIENT_BALANCE,
                    )
        payment = Payment.objects.create(
            account=account, purpose=purpose, source_type=source_type, source_id=source_id, amount=amount,
            created_by=actor,
        )
        rows: list[PaymentTender] = []
        entries: list[LedgerEntry] = []
        common: dict[str, Any] = {"account_id": account.pk, "reason": reason, "source_type": source_type,
                                  "source_id": source_id, "actor": actor, "payment": payment}
        for tender in clean:
            if tender.kind == "cash":
                wallet.cash_balance -= tender.amount
                wallet.save(update_fields=["cash_balance", "updated_at"])
                rows.append(PaymentTender(payment=payment, kind=TenderKind.CASH, amount=tender.amount))
                entries.append(ledger.entry(kind=BalanceKind.CASH, amount=-tender.amount,
                                            balance_after=wallet.cash_balance, **common))
            elif tender.kind == "card":
                card = cards[_instrument(tender)]
                card.balance -= tender.amount
                if card.balance == 0:
                    card.status = CardStatus.EXHAUSTED
                card.save(update_fields=["balance", "status"])
                rows.append(PaymentTender(payment=payment, kind=TenderKind.PREPAID_CARD, card=card,
                                          amount=tender.amount))
                entries.append(ledger.entry(kind=BalanceKind.CARD, card=card, amount=-tender.amount,
                                            balance_after=card.balance, **common))
            else:
                voucher = vouchers[_instrument(tender)]
                voucher.balance -= tender.amount
                if voucher.balance == 0:
                    voucher.status = VoucherStatus.EXHAUSTED
                voucher.save(update_fields=["balance", "status"])
                kind = (TenderKind.ORDINARY_VOUCHER if voucher.kind == VoucherKind.ORDINARY
                        else TenderKind.FULL_REDUCTION_VOUCHER)
                rows.append(PaymentTender(payment=payment, kind=kind, voucher=voucher, amount=tender.amount))
                entries.append(ledger.entry(kind=BalanceKind.VOUCHER, voucher=voucher, amount=-tender.amount,
                                            balance_after=voucher.balance, **common))
        PaymentTender.objects.bulk_create(rows)
        LedgerEntry.objects.bulk_create(entries)
    return payment


# ---------------------------------------------------------------------------------------------------------------
# refund


class RefundTo:
    """Where one tender of a refunded order payment goes (docs/PRODUCT.md "Refunds")."""

    CASH = "cash"  # cash tenders, and vouchers that have expired since
    CARD = "card"  # back onto the same prepaid card (never to cash: a card is not refundable to cash)
    CARD_LAPSES = "card_lapses"  # back onto the same card, which has expired: it lapses with the card at once
    VOUCHER = "voucher"  # back onto the same voucher, still valid


@dataclass(frozen=True)
class RefundLeg:
    """One tender of the paid payment and where its amount goes back to."""

    kind: str  # the tender's kind (TenderKind)
    amount: Decimal
    to: str  # RefundTo
    card: PrepaidCard | None = None
    voucher: Voucher | None = None


def _refund_to(card: PrepaidCard | None, voucher: Voucher | None, now: datetime) -> str:
    if card is not None:
        return RefundTo.CARD if card_usable(card, now) else RefundTo.CARD_LAPSES
    if voucher is not None:
        return RefundTo.VOUCHER if voucher_usable_window(voucher, now) else RefundTo.CASH
    return RefundTo.CASH


def payment_refund_preview(*, payment: Payment, now: datetime | None = None) -> list[RefundLeg]:
    """What payment_refund would do with each tender of `payment` now (no lock, no write): finance sees it
    before confirming a refund."""
    now = now or timezone.now()
    tenders = PaymentTender.objects.filter(payment=payment).select_related("card", "voucher").order_by("pk")
    return [RefundLeg(kind=t.kind, amount=t.amount, to=_refund_to(t.card, t.voucher, now), card=t.card,
                      voucher=t.voucher) for t in tenders]


def payment_refund(*, payment: Payment, actor: User | None, reason: str) -> Payment:
    """Give an order payment back to the tenders it used: a refund Payment (purpose "refund",
    refunded_payment=payment) with ledger ORDER_REFUND entries. Cash goes back to cash; a voucher's part to the
    voucher while it is valid, else to cash; a prepaid card's part always to the same card, never to cash (a
    card is not refundable to cash): to a card that has expired since the payment it is credited and lapses at
    once (an EXPIRY entry), as the card's balance did. Cash credited back repays arrears first. A payment is
    refunded at most once (409 "already_refunded"); only order payments are refundable."""
    if payment.purpose != PaymentPurpose.ORDER or payment.refunded_payment_id is not None:
        raise Conflict(_("Only an order payment can be refunded."), code=Code.NOT_REFUNDABLE)
    actor = actor_or_none(actor)
    memo = (reason or "").strip()[:500]
    now = timezone.now()
    with transaction.atomic():
        tenders = list(PaymentTender.objects.filter(payment=payment).order_by("pk"))
        wallet = lock_wallet(payment.account_id)
        cards = lock_cards([t.card_id for t in tenders if t.card_id])
        vouchers = lock_vouchers([t.voucher_id for t in tenders if t.voucher_id])
        lock_payment(payment.pk)
        if Payment.objects.filter(refunded_payment=payment).exists():
            raise Conflict(_("This payment has already been refunded."), code=Code.ALREADY_REFUNDED)
        refund = Payment.objects.create(
            account_id=payment.account_id, purpose=PaymentPurpose.REFUND, source_type=payment.source_type,
            source_id=payment.source_id, amount=payment.amount, refunded_payment=payment, created_by=actor,
        )
        common: dict[str, Any] = {"account_id": payment.account_id, "reason": LedgerReason.ORDER_REFUND,
                  "source_type": payment.source_type, "source_id": payment.source_id, "actor": actor,
                  "payment": refund, "memo": memo}
        rows: list[PaymentTender] = []
        entries: list[LedgerEntry] = []
        to_cash = ZERO
        for tender in tenders:
            card = cards[tender.card_id] if tender.card_id else None
            voucher = vouchers[tender.voucher_id] if tender.voucher_id else None
            to = _refund_to(card, voucher, now)
            if card is not None:
                rows.append(PaymentTender(payment=refund, kind=TenderKind.PREPAID_CARD, card=card,
                                          amount=tender.amount))
                entries.append(ledger.entry(kind=BalanceKind.CARD, card=card, amount=tender.amount,
                                            balance_after=card.balance + tender.amount, **common))
                if to == RefundTo.CARD:
                    card.balance += tender.amount
                    card.status = CardStatus.ACTIVE
                    card.save(update_fields=["balance", "status"])
                else:  # the card has expired: what comes back lapses with it, like its balance did
                    entries.append(ledger.entry(
                        kind=BalanceKind.CARD, card=card, amount=-tender.amount, balance_after=card.balance,
                        **{**common, "reason": LedgerReason.EXPIRY},
                    ))
            elif voucher is not None and to == RefundTo.VOUCHER:
                voucher.balance += tender.amount
                voucher.status = VoucherStatus.ACTIVE
                voucher.save(update_fields=["balance", "status"])
                rows.append(PaymentTender(payment=refund, kind=tender.kind, voucher=voucher, amount=tender.amount))
                entries.append(ledger.entry(kind=BalanceKind.VOUCHER, voucher=voucher, amount=tender.amount,
                                            balance_after=voucher.balance, **common))
            else:
                to_cash += tender.amount
        if to_cash > 0:
            rows.append(PaymentTender(payment=refund, kind=TenderKind.CASH, amount=to_cash))
            entries.extend(
                credit_cash_locked(wallet=wallet, amount=to_cash, reason=LedgerReason.ORDER_REFUND,
                                   source_type=payment.source_type, source_id=payment.source_id, actor=actor,
                                   memo=memo, payment=refund)
            )
        PaymentTender.objects.bulk_create(rows)
        LedgerEntry.objects.bulk_create(entries)
    return refund


# ---------------------------------------------------------------------------------------------------------------
# cash credit


def cash_credit(
    *,
    account: Account,
    amount: Decimal,
    reason: str,
    source_type: str,
    source_id: int | None,
    actor: User | None,
    memo: str = "",
) -> None:
    """Credit the account's cash: arrears are repaid first (ledger ARREARS_REPAID on the arrears balance), the
    rest goes to cash with `reason`. When the arrears reach 0, payments.signals.arrears_cleared is sent inside
    the transaction."""
    if reason not in LedgerReason.values:
        raise ApplicationError(_("Unknown ledger reason %(reason)s.") % {"reason": repr(reason)},
                               code=Code.INVALID_REASON)
    amount = checked_amount(amount, what=_("Amount"))
    with transaction.atomic():
        wallet = lock_wallet(account.pk)
        entries = credit_cash_locked(wallet=wallet, amount=amount, reason=reason, source_type=source_type,
                                     source_id=source_id, actor=actor_or_none(actor), memo=memo)
        LedgerEntry.objects.bulk_create(entries)


def settle_credit(*, account: Account, amount: Decimal, source_type: str, source_id: int) -> None:
    """A negative re-run difference of a bill: the amount is credited to cash (reason BILL_ADJUSTMENT),
    repaying arrears first. It is not given back to the vouchers or cards that paid the bill (documented in
    docs/RULES-payments.md)."""
    cash_credit(account=account, amount=amount, reason=LedgerReason.BILL_ADJUSTMENT, source_type=source_type,
                source_id=source_id, actor=None, memo="Bill re-run: charged less than before")
