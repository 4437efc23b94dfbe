"""Every write of the wallet: payments with chosen tenders, refunds, cash credits, the set-based settlement of
bills, and (further below) recharges, prepaid cards, vouchers, expiry and manual adjustments.

Rules (docs/RULES-payments.md):
- every balance change is exactly one LedgerEntry (signed amount, balance_after), written in the same
  transaction as the change;
- locks are taken in the one order of payments/locks.py: Wallet (by account id) -> PrepaidCard by id ->
  Voucher by id -> documents;
- everything is validated before anything is written; errors are core.exceptions.ApplicationError subclasses
  with a `code`.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from core.exceptions import ApplicationError, Conflict, Unprocessable
from core.models import FinanceSettings
from core.money import ZERO, quantize
from payments.gateways import CallbackRejected, default_provider, get_gateway, online_payment_available
from payments.gateways.base import stored_callback_payload
from payments.locks import lock_cards, lock_vouchers, lock_wallet
from payments.models import (
    BalanceKind,
    CardGiftTier,
    CardStatus,
    GatewayCallback,
    LedgerEntry,
    LedgerReason,
    Payment,
    PaymentPurpose,
    PaymentTender,
    PrepaidCard,
    Recharge,
    RechargeMethod,
    RechargeStatus,
    TenderKind,
    Voucher,
    VoucherCodeBatch,
    VoucherKind,
    VoucherStatus,
    Wallet,
)
from payments.signals import arrears_cleared
from payments.throttling import callback_rejection_allowed
from workspaces.models import Account

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------------------------
# helpers


def _money(value: Any, *, what: str, allow_zero: bool = False) -> Decimal:
    """A Decimal amount with at most two places, > 0 (or >= 0), or ApplicationError naming `what`."""
    if isinstance(value, (bool, float)) or value is None:
        raise ApplicationError(f"{what}: enter the amount as a decimal such as \"100.00\".", code="invalid_amount")
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ApplicationError(f"{what}: {value!r} is not a valid amount.", code="invalid_amount") from None
    if not amount.is_finite():
        raise ApplicationError(f"{what}: {value!r} is not a valid amount.", code="invalid_amount")
    if not -Decimal("10000000000.00") <= amount <= Decimal("10000000000.00"):  # before quantize: 1e999999999
        raise ApplicationError(f"{what}: the amount is too large.", code="invalid_amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise ApplicationError(f"{what}: amounts have at most two decimal places.", code="invalid_amount")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ApplicationError(f"{what}: the amount must be greater than zero.", code="invalid_amount")
    if amount > Decimal("10000000000.00"):
        raise ApplicationError(f"{what}: the amount is too large.", code="invalid_amount")
    return quantize(amount)


def _entry(
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


def _actor(actor: User | None) -> User | None:
    return actor if actor is not None and getattr(actor, "pk", None) else None


def _credit_cash_locked(
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
            _entry(account_id=wallet.account_id, kind=BalanceKind.ARREARS, amount=-repaid,
                   balance_after=wallet.arrears, reason=LedgerReason.ARREARS_REPAID, source_type=source_type,
                   source_id=source_id, actor=actor, payment=payment, memo=memo)
        )
    if rest > 0:
        wallet.cash_balance += rest
        entries.append(
            _entry(account_id=wallet.account_id, kind=BalanceKind.CASH, amount=rest,
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


def _card_usable(card: PrepaidCard, now) -> bool:
    return card.status != CardStatus.EXPIRED and card.expires_at > now


def _voucher_usable_window(voucher: Voucher, now) -> bool:
    return voucher.status != VoucherStatus.EXPIRED and voucher.valid_until > now


# ---------------------------------------------------------------------------------------------------------------
# pay with chosen tenders


@dataclass(frozen=True)
class TenderSpec:
    kind: str  # "cash" | "card" | "voucher"
    amount: Decimal
    instrument_id: int | None = None  # card id or voucher id; None for cash


TENDER_KINDS = ("cash", "card", "voucher")

_PURPOSE_REASON = {
    PaymentPurpose.ORDER: LedgerReason.ORDER_PAYMENT,
    PaymentPurpose.CARD_PURCHASE: LedgerReason.CARD_PURCHASE,
    PaymentPurpose.BILL: LedgerReason.BILL_SETTLEMENT,
}


def _validate_tenders(
    tenders: Sequence[TenderSpec], amount: Decimal, voucher_payable_amount: Decimal | None
) -> list[TenderSpec]:
    clean: list[TenderSpec] = []
    seen: set[tuple[str, int | None]] = set()
    for index, tender in enumerate(tenders):
        label = f"Tender {index + 1}"
        if not isinstance(tender, TenderSpec):
            raise ApplicationError(f"{label} is not a tender.", code="invalid_tender")
        if tender.kind not in TENDER_KINDS:
            raise ApplicationError(
                f"{label}: unknown kind {tender.kind!r} (use cash, card or voucher).", code="invalid_tender"
            )
        tender_amount = _money(tender.amount, what=label)
        instrument_id = tender.instrument_id
        if tender.kind == "cash":
            if instrument_id is not None:
                raise ApplicationError(f"{label}: a cash tender names no instrument.", code="invalid_tender")
        elif isinstance(instrument_id, bool) or not isinstance(instrument_id, int) or not 0 < instrument_id < 2**63:
            raise ApplicationError(f"{label}: name the {tender.kind} to use.", code="invalid_tender")
        key = (tender.kind, instrument_id)
        if key in seen:
            what = "cash balance" if tender.kind == "cash" else f"{tender.kind} {instrument_id}"
            raise ApplicationError(f"The {what} is used more than once; name each at most once.",
                                   code="duplicate_tender")
        seen.add(key)
        clean.append(TenderSpec(kind=tender.kind, amount=tender_amount, instrument_id=instrument_id))
    total = sum((t.amount for t in clean), ZERO)
    if total != amount:
        if total < amount:
            message = f"The tenders add up to {total}, {amount - total} short of the amount {amount}."
        else:
            message = f"The tenders add up to {total}, {total - amount} more than the amount {amount}."
        raise Unprocessable(message, code="tender_total_mismatch",
                            fields={"tenders": [message], "total": str(total), "amount": str(amount)})
    if voucher_payable_amount is not None:
        by_voucher = sum((t.amount for t in clean if t.kind == "voucher"), ZERO)
        if by_voucher > voucher_payable_amount:
            raise Unprocessable(
                f"Vouchers may pay at most {voucher_payable_amount} of this amount; {by_voucher} was chosen.",
                code="voucher_limit_exceeded",
            )
    return clean


def _unknown(tender: TenderSpec) -> ApplicationError:
    return ApplicationError(
        f"No {tender.kind} {tender.instrument_id} in this account.", code="unknown_tender", status=404,
        fields={"tenders": [f"Unknown {tender.kind} {tender.instrument_id}."]},
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
) -> Payment:
    """Pay exactly `amount` with the tenders the payer chose. Atomic; locks the Wallet, then the chosen cards by
    id, then the chosen vouchers by id. Each tender belongs to `account` (else 404 "unknown_tender"), is active,
    within validity, covers its amount (> 0, <= 2 places); each instrument at most once; vouchers pay at most
    `voucher_payable_amount` in total. The sum must equal `amount` (else 422 "tender_total_mismatch").
    Writes the Payment, its PaymentTender rows and one LedgerEntry per debited balance; nothing on error."""
    if purpose not in _PURPOSE_REASON:
        raise ApplicationError(f"Unknown payment purpose {purpose!r}.", code="invalid_purpose")
    amount = _money(amount, what="Amount", allow_zero=True)
    if voucher_payable_amount is not None:
        voucher_payable_amount = _money(voucher_payable_amount, what="Voucher-payable amount", allow_zero=True)
    clean = _validate_tenders(tenders, amount, voucher_payable_amount)
    reason = _PURPOSE_REASON[purpose]
    actor = _actor(actor)
    now = timezone.now()
    with transaction.atomic():
        wallet = lock_wallet(account.pk)
        cards = lock_cards([t.instrument_id for t in clean if t.kind == "card"], account_id=account.pk)
        vouchers = lock_vouchers([t.instrument_id for t in clean if t.kind == "voucher"], account_id=account.pk)
        # validate every tender against the locked rows before writing anything
        for tender in clean:
            if tender.kind == "cash":
                if wallet.cash_balance < tender.amount:
                    raise Unprocessable(
                        f"The cash balance is {wallet.cash_balance}; it does not cover {tender.amount}.",
                        code="insufficient_balance",
                    )
            elif tender.kind == "card":
                card = cards.get(tender.instrument_id)
                if card is None:
                    raise _unknown(tender)
                if not _card_usable(card, now):
                    raise Unprocessable(f"Prepaid card {card.number} has expired.", code="tender_expired")
                if card.balance < tender.amount:
                    raise Unprocessable(
                        f"Prepaid card {card.number} has {card.balance} left; it does not cover {tender.amount}.",
                        code="insufficient_balance",
                    )
            else:
                voucher = vouchers.get(tender.instrument_id)
                if voucher is None or voucher.status == VoucherStatus.UNACTIVATED:
                    raise _unknown(tender)
                if not _voucher_usable_window(voucher, now):
                    raise Unprocessable(f"Voucher {voucher} has expired.", code="tender_expired")
                if voucher.valid_from > now:
                    raise Unprocessable(f"Voucher {voucher} is not valid before {voucher.valid_from:%Y-%m-%d}.",
                                        code="tender_not_yet_valid")
                if voucher.balance < tender.amount:
                    raise Unprocessable(
                        f"Voucher {voucher} has {voucher.balance} left; it does not cover {tender.amount}.",
                        code="insufficient_balance",
                    )
        payment = Payment.objects.create(
            account=account, purpose=purpose, source_type=source_type, source_id=source_id, amount=amount,
            created_by=actor,
        )
        rows: list[PaymentTender] = []
        entries: list[LedgerEntry] = []
        common = {"account_id": account.pk, "reason": reason, "source_type": source_type, "source_id": source_id,
                  "actor": actor, "payment": payment}
        for tender in clean:
            if tender.kind == "cash":
                wallet.cash_balance -= tender.amount
                wallet.save(update_fields=["cash_balance", "updated_at"])
                rows.append(PaymentTender(payment=payment, kind=TenderKind.CASH, amount=tender.amount))
                entries.append(_entry(kind=BalanceKind.CASH, amount=-tender.amount,
                                      balance_after=wallet.cash_balance, **common))
            elif tender.kind == "card":
                card = cards[tender.instrument_id]
                card.balance -= tender.amount
                if card.balance == 0:
                    card.status = CardStatus.EXHAUSTED
                card.save(update_fields=["balance", "status"])
                rows.append(PaymentTender(payment=payment, kind=TenderKind.PREPAID_CARD, card=card,
                                          amount=tender.amount))
                entries.append(_entry(kind=BalanceKind.CARD, card=card, amount=-tender.amount,
                                      balance_after=card.balance, **common))
            else:
                voucher = vouchers[tender.instrument_id]
                voucher.balance -= tender.amount
                if voucher.balance == 0:
                    voucher.status = VoucherStatus.EXHAUSTED
                voucher.save(update_fields=["balance", "status"])
                kind = (TenderKind.ORDINARY_VOUCHER if voucher.kind == VoucherKind.ORDINARY
                        else TenderKind.FULL_REDUCTION_VOUCHER)
                rows.append(PaymentTender(payment=payment, kind=kind, voucher=voucher, amount=tender.amount))
                entries.append(_entry(kind=BalanceKind.VOUCHER, voucher=voucher, amount=-tender.amount,
                                      balance_after=voucher.balance, **common))
        PaymentTender.objects.bulk_create(rows)
        LedgerEntry.objects.bulk_create(entries)
    return payment


# ---------------------------------------------------------------------------------------------------------------
# refund


def payment_refund(*, payment: Payment, actor: User | None, reason: str) -> Payment:
    """Give an order payment back to the tenders it used: a refund Payment (purpose "refund",
    refunded_payment=payment) with ledger ORDER_REFUND entries. A card or voucher that has expired since the
    payment gets its part credited to cash instead; cash credited back repays arrears first. A payment is
    refunded at most once (409 "already_refunded"); only order payments are refundable."""
    if payment.purpose != PaymentPurpose.ORDER or payment.refunded_payment_id is not None:
        raise Conflict("Only an order payment can be refunded.", code="not_refundable")
    actor = _actor(actor)
    memo = (reason or "").strip()[:500]
    now = timezone.now()
    with transaction.atomic():
        tenders = list(PaymentTender.objects.filter(payment=payment).order_by("pk"))
        wallet = lock_wallet(payment.account_id)
        cards = lock_cards([t.card_id for t in tenders if t.card_id])
        vouchers = lock_vouchers([t.voucher_id for t in tenders if t.voucher_id])
        Payment.objects.select_for_update().filter(pk=payment.pk).order_by("pk").first()
        if Payment.objects.filter(refunded_payment=payment).exists():
            raise Conflict("This payment has already been refunded.", code="already_refunded")
        refund = Payment.objects.create(
            account_id=payment.account_id, purpose=PaymentPurpose.REFUND, source_type=payment.source_type,
            source_id=payment.source_id, amount=payment.amount, refunded_payment=payment, created_by=actor,
        )
        common = {"account_id": payment.account_id, "reason": LedgerReason.ORDER_REFUND,
                  "source_type": payment.source_type, "source_id": payment.source_id, "actor": actor,
                  "payment": refund, "memo": memo}
        rows: list[PaymentTender] = []
        entries: list[LedgerEntry] = []
        to_cash = ZERO
        for tender in tenders:
            if tender.card_id:
                card = cards[tender.card_id]
                if _card_usable(card, now):
                    card.balance += tender.amount
                    card.status = CardStatus.ACTIVE
                    card.save(update_fields=["balance", "status"])
                    rows.append(PaymentTender(payment=refund, kind=TenderKind.PREPAID_CARD, card=card,
                                              amount=tender.amount))
                    entries.append(_entry(kind=BalanceKind.CARD, card=card, amount=tender.amount,
                                          balance_after=card.balance, **common))
                    continue
            elif tender.voucher_id:
                voucher = vouchers[tender.voucher_id]
                if _voucher_usable_window(voucher, now):
                    voucher.balance += tender.amount
                    voucher.status = VoucherStatus.ACTIVE
                    voucher.save(update_fields=["balance", "status"])
                    rows.append(PaymentTender(payment=refund, kind=tender.kind, voucher=voucher,
                                              amount=tender.amount))
                    entries.append(_entry(kind=BalanceKind.VOUCHER, voucher=voucher, amount=tender.amount,
                                          balance_after=voucher.balance, **common))
                    continue
            to_cash += tender.amount
        if to_cash > 0:
            rows.append(PaymentTender(payment=refund, kind=TenderKind.CASH, amount=to_cash))
            entries.extend(
                _credit_cash_locked(wallet=wallet, amount=to_cash, reason=LedgerReason.ORDER_REFUND,
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
        raise ApplicationError(f"Unknown ledger reason {reason!r}.", code="invalid_reason")
    amount = _money(amount, what="Amount")
    with transaction.atomic():
        wallet = lock_wallet(account.pk)
        entries = _credit_cash_locked(wallet=wallet, amount=amount, reason=reason, source_type=source_type,
                                      source_id=source_id, actor=_actor(actor), memo=memo)
        LedgerEntry.objects.bulk_create(entries)


def settle_credit(*, account: Account, amount: Decimal, source_type: str, source_id: int) -> None:
    """A negative re-run difference of a bill: the amount is credited to cash (reason BILL_ADJUSTMENT),
    repaying arrears first. It is not given back to the vouchers or cards that paid the bill (documented in
    docs/RULES-payments.md)."""
    cash_credit(account=account, amount=amount, reason=LedgerReason.BILL_ADJUSTMENT, source_type=source_type,
                source_id=source_id, actor=None, memo="Bill re-run: charged less than before")


# ---------------------------------------------------------------------------------------------------------------
# set-based settlement


@dataclass(frozen=True)
class SettlementDemand:
    account_id: int
    amount: Decimal  # > 0, what to charge now
    voucher_payable_amount: Decimal  # 0 <= x <= amount (everything but SMS)
    source_type: str  # "bill"
    source_id: int


_SETTLE_DDL = """
DROP TABLE IF EXISTS _settle_demand;
DROP TABLE IF EXISTS _settle_alloc;
CREATE TEMP TABLE _settle_demand (
    idx integer PRIMARY KEY,
    account_id bigint NOT NULL,
    amount numeric(16, 2) NOT NULL,
    vpa numeric(16, 2) NOT NULL,
    source_type varchar(32) NOT NULL,
    source_id bigint NOT NULL,
    payment_id bigint,
    paid numeric(16, 2) NOT NULL DEFAULT 0,
    rest numeric(16, 2) NOT NULL DEFAULT 0
) ON COMMIT DROP;
"""

_SETTLE_FILL = """
INSERT INTO _settle_demand (idx, account_id, amount, vpa, source_type, source_id)
SELECT * FROM unnest(%s::integer[], %s::bigint[], %s::numeric[], %s::numeric[], %s::varchar[], %s::bigint[]);
ANALYZE _settle_demand;
"""

_SETTLE_LOCK = """
INSERT INTO payments_wallet (account_id, cash_balance, arrears, arrears_since, updated_at)
SELECT DISTINCT d.account_id, 0, 0, NULL::timestamptz, %(now)s FROM _settle_demand d
ON CONFLICT (account_id) DO NOTHING;
SELECT count(*) FROM (
    SELECT w.id FROM payments_wallet w WHERE w.account_id IN (SELECT account_id FROM _settle_demand)
    ORDER BY w.account_id FOR UPDATE
) locked_wallets;
SELECT count(*) FROM (
    SELECT c.id FROM payments_prepaidcard c WHERE c.account_id IN (SELECT account_id FROM _settle_demand)
      AND c.status = 'active' AND c.balance > 0 AND c.expires_at > %(now)s
    ORDER BY c.id FOR UPDATE
) locked_cards;
SELECT count(*) FROM (
    SELECT v.id FROM payments_voucher v WHERE v.account_id IN (SELECT account_id FROM _settle_demand)
      AND v.status = 'active' AND v.balance > 0 AND v.valid_from <= %(now)s AND v.valid_until > %(now)s
    ORDER BY v.id FOR UPDATE
) locked_vouchers;
"""

# The allocation of every demand over its account's instruments, in the fixed order:
# rank 1 ordinary vouchers, 2 full-reduction vouchers, 3 prepaid cards, 4 cash; earliest expiry first, then id.
# Vouchers are first capped by the voucher-payable amount, then everything by the amount (running sums).
_SETTLE_ALLOCATE = """
CREATE TEMP TABLE _settle_alloc ON COMMIT DROP AS
WITH inst AS (
    SELECT d.idx, d.amount, d.vpa, CASE v.kind WHEN 'ordinary' THEN 1 ELSE 2 END AS rank,
           v.valid_until AS expiry, v.id AS inst_id, NULL::bigint AS card_id, v.id AS voucher_id,
           v.balance, TRUE AS is_voucher
    FROM _settle_demand d JOIN payments_voucher v ON v.account_id = d.account_id
    WHERE d.vpa > 0 AND v.status = 'active' AND v.balance > 0
      AND v.valid_from <= %(now)s AND v.valid_until > %(now)s
    UNION ALL
    SELECT d.idx, d.amount, d.vpa, 3, c.expires_at, c.id, c.id, NULL::bigint, c.balance, FALSE
    FROM _settle_demand d JOIN payments_prepaidcard c ON c.account_id = d.account_id
    WHERE c.status = 'active' AND c.balance > 0 AND c.expires_at > %(now)s
    UNION ALL
    SELECT d.idx, d.amount, d.vpa, 4, NULL::timestamptz, 0, NULL::bigint, NULL::bigint, w.cash_balance, FALSE
    FROM _settle_demand d JOIN payments_wallet w ON w.account_id = d.account_id
    WHERE w.cash_balance > 0
), capped AS (
    SELECT inst.*,
           CASE WHEN is_voucher THEN GREATEST(0, LEAST(balance, vpa - (SUM(balance) OVER w - balance)))
                ELSE balance END AS avail
    FROM inst
    WINDOW w AS (PARTITION BY idx ORDER BY rank, expiry, inst_id ROWS UNBOUNDED PRECEDING)
), taken AS (
    SELECT capped.*, GREATEST(0, LEAST(avail, amount - (SUM(avail) OVER w - avail))) AS take
    FROM capped
    WINDOW w AS (PARTITION BY idx ORDER BY rank, expiry, inst_id ROWS UNBOUNDED PRECEDING)
)
SELECT idx, rank, expiry, inst_id, card_id, voucher_id, balance, take FROM taken WHERE take > 0;
ANALYZE _settle_alloc;
UPDATE _settle_demand d SET paid = s.paid
FROM (SELECT idx, SUM(take) AS paid FROM _settle_alloc GROUP BY idx) s WHERE s.idx = d.idx;
UPDATE _settle_demand SET rest = amount - paid;
"""

_SETTLE_WRITE = """
WITH ins AS (
    INSERT INTO payments_payment (account_id, purpose, source_type, source_id, amount, refunded_payment_id,
                                  created_by_id, created_at)
    SELECT account_id, 'bill', source_type, source_id, amount, NULL, %(actor)s, %(now)s
    FROM _settle_demand ORDER BY idx
    RETURNING id, source_type, source_id
)
UPDATE _settle_demand d SET payment_id = ins.id FROM ins
WHERE ins.source_type = d.source_type AND ins.source_id = d.source_id;

INSERT INTO payments_paymenttender (payment_id, kind, card_id, voucher_id, amount)
SELECT payment_id, kind, card_id, voucher_id, amount FROM (
    SELECT d.payment_id, a.idx, a.rank, a.expiry, a.inst_id,
           CASE a.rank WHEN 1 THEN 'ordinary_voucher' WHEN 2 THEN 'full_reduction_voucher'
                       WHEN 3 THEN 'prepaid_card' ELSE 'cash' END AS kind,
           a.card_id, a.voucher_id, a.take AS amount
    FROM _settle_alloc a JOIN _settle_demand d ON d.idx = a.idx
    UNION ALL
    SELECT d.payment_id, d.idx, 5, NULL, 0, 'arrears', NULL, NULL, d.rest
    FROM _settle_demand d WHERE d.rest > 0
) t ORDER BY idx, rank, expiry, inst_id;

INSERT INTO payments_ledgerentry (account_id, balance_kind, card_id, voucher_id, amount, balance_after, reason,
                                  source_type, source_id, payment_id, memo, created_by_id, created_at)
SELECT account_id, balance_kind, card_id, voucher_id, amount, balance_after, reason, source_type, source_id,
       payment_id, '', %(actor)s, %(now)s
FROM (
    SELECT d.account_id, d.idx, a.rank, a.expiry, a.inst_id,
           CASE a.rank WHEN 3 THEN 'card' WHEN 4 THEN 'cash' ELSE 'voucher' END AS balance_kind,
           a.card_id, a.voucher_id, -a.take AS amount, a.balance - a.take AS balance_after,
           'bill_settlement' AS reason, d.source_type, d.source_id, d.payment_id
    FROM _settle_alloc a JOIN _settle_demand d ON d.idx = a.idx
    UNION ALL
    SELECT d.account_id, d.idx, 5, NULL, 0, 'arrears', NULL, NULL, d.rest, w.arrears + d.rest,
           'arrears_incurred', d.source_type, d.source_id, d.payment_id
    FROM _settle_demand d JOIN payments_wallet w ON w.account_id = d.account_id
    WHERE d.rest > 0
) t ORDER BY idx, rank, expiry, inst_id;

UPDATE payments_voucher v
SET balance = v.balance - a.take, status = CASE WHEN v.balance - a.take = 0 THEN 'exhausted' ELSE v.status END
FROM _settle_alloc a WHERE a.voucher_id = v.id;

UPDATE payments_prepaidcard c
SET balance = c.balance - a.take, status = CASE WHEN c.balance - a.take = 0 THEN 'exhausted' ELSE c.status END
FROM _settle_alloc a WHERE a.card_id = c.id;

UPDATE payments_wallet w
SET cash_balance = w.cash_balance - s.cash_take,
    arrears = w.arrears + s.rest,
    arrears_since = CASE WHEN w.arrears = 0 AND s.rest > 0 THEN %(now)s ELSE w.arrears_since END,
    updated_at = %(now)s
FROM (
    SELECT d.account_id, d.rest, COALESCE(a.take, 0) AS cash_take
    FROM _settle_demand d LEFT JOIN _settle_alloc a ON a.idx = d.idx AND a.rank = 4
) s
WHERE w.account_id = s.account_id AND (s.cash_take > 0 OR s.rest > 0);
"""


def _validate_demands(demands: Sequence[SettlementDemand]) -> list[SettlementDemand]:
    clean: list[SettlementDemand] = []
    seen: set[tuple[str, int]] = set()
    for index, demand in enumerate(demands):
        label = f"Demand {index + 1}"
        if not isinstance(demand, SettlementDemand):
            raise ApplicationError(f"{label} is not a SettlementDemand.", code="invalid_demand")
        amount = _money(demand.amount, what=f"{label} amount")
        vpa = _money(demand.voucher_payable_amount, what=f"{label} voucher-payable amount", allow_zero=True)
        if vpa > amount:
            raise ApplicationError(f"{label}: the voucher-payable amount exceeds the amount.", code="invalid_demand")
        if not demand.source_type or len(demand.source_type) > 32:
            raise ApplicationError(f"{label}: source_type must be 1 to 32 characters.", code="invalid_demand")
        key = (demand.source_type, int(demand.source_id))
        if key in seen:
            raise ApplicationError(f"{label}: {key} appears twice.", code="duplicate_demand")
        seen.add(key)
        clean.append(SettlementDemand(account_id=int(demand.account_id), amount=amount, voucher_payable_amount=vpa,
                                      source_type=demand.source_type, source_id=int(demand.source_id)))
    return clean


def settle_demands(
    *, demands: Sequence[SettlementDemand], actor: User | None = None
) -> dict[tuple[str, int], int]:
    """Settle many charges at once in the fixed order: ordinary vouchers, full-reduction vouchers, prepaid
    cards, cash; what is still owed becomes arrears (Wallet.arrears, ledger ARREARS_INCURRED, tender "arrears";
    arrears_since set when the arrears go from 0 to > 0). Within a kind the instrument that expires first goes
    first, then the lowest id. Vouchers pay at most each demand's voucher_payable_amount. Returns
    {(source_type, source_id): payment_id}.

    Set-based: the demands go into a temporary table, the wallets, cards and vouchers of all their accounts are
    locked (wallets by account id, then cards by id, then vouchers by id), the allocation is one query with
    window functions, and payments, tenders, ledger entries and balances are written with one statement each.
    Several demands of one account are settled in successive rounds (one demand per account per round)."""
    clean = _validate_demands(demands)
    if not clean:
        return {}
    known = set(Account.objects.filter(pk__in={d.account_id for d in clean}).values_list("pk", flat=True))
    unknown = sorted({d.account_id for d in clean} - known)
    if unknown:
        raise ApplicationError(f"Unknown accounts {unknown[:10]}.", code="unknown_account")
    rounds: list[list[SettlementDemand]] = []
    depth: dict[int, int] = defaultdict(int)
    for demand in clean:
        level = depth[demand.account_id]
        depth[demand.account_id] += 1
        if level == len(rounds):
            rounds.append([])
        rounds[level].append(demand)
    params = {"now": timezone.now(), "actor": getattr(_actor(actor), "pk", None)}
    result: dict[tuple[str, int], int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for batch in rounds:
            cursor.execute(_SETTLE_DDL)
            cursor.execute(
                _SETTLE_FILL,
                [
                    list(range(len(batch))),
                    [d.account_id for d in batch],
                    [d.amount for d in batch],
                    [d.voucher_payable_amount for d in batch],
                    [d.source_type for d in batch],
                    [d.source_id for d in batch],
                ],
            )
            cursor.execute(_SETTLE_LOCK, params)
            cursor.execute(_SETTLE_ALLOCATE, params)
            cursor.execute(_SETTLE_WRITE, params)
            cursor.execute("SELECT source_type, source_id, payment_id FROM _settle_demand")
            for source_type, source_id, payment_id in cursor.fetchall():
                result[(source_type, source_id)] = payment_id
            cursor.execute("DROP TABLE _settle_demand; DROP TABLE _settle_alloc;")
    return result


# ---------------------------------------------------------------------------------------------------------------
# prepaid cards


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
    face = _money(face_value, what="Face value")
    if face < 100 or face % 100 != 0:
        raise ApplicationError("A prepaid card's face value is a multiple of 100 and at least 100.",
                               code="invalid_face_value", fields={"face_value": ["A multiple of 100, at least 100."]})
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_CARDS_PER_PURCHASE:
        raise ApplicationError(f"Buy between 1 and {MAX_CARDS_PER_PURCHASE} cards at once.", code="invalid_quantity",
                               fields={"quantity": [f"1 to {MAX_CARDS_PER_PURCHASE}."]})
    total = face * quantity
    actor = _actor(actor)
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
            entries.append(_entry(account_id=account.pk, kind=BalanceKind.CARD, card=card, amount=face,
                                  balance_after=face, reason=LedgerReason.CARD_PURCHASE, source_type="card_purchase",
                                  source_id=cards[0].pk, actor=actor, payment=payment))
        gift = None
        tier = CardGiftTier.objects.filter(min_purchase__lte=total).order_by("-min_purchase").first()
        if tier is not None:
            gift = Voucher.objects.create(
                account=account, kind=VoucherKind.FULL_REDUCTION, status=VoucherStatus.ACTIVE,
                face_value=tier.voucher_value, balance=tier.voucher_value, valid_from=now,
                valid_until=now + timedelta(days=finance.gift_voucher_validity_days), issued_by=None,
                source_payment=payment,
            )
            entries.append(_entry(account_id=account.pk, kind=BalanceKind.VOUCHER, voucher=gift,
                                  amount=tier.voucher_value, balance_after=tier.voucher_value,
                                  reason=LedgerReason.VOUCHER_ISSUED, source_type="card_purchase",
                                  source_id=cards[0].pk, actor=actor, payment=payment,
                                  memo=f"Gift for a card purchase of {total}"))
        LedgerEntry.objects.bulk_create(entries)
    return CardPurchase(payment=payment, cards=cards, gift_voucher=gift, total=total)


# ---------------------------------------------------------------------------------------------------------------
# vouchers

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 16
MAX_BATCH = 10_000


def _window(valid_from: datetime | None, valid_until: datetime | None) -> tuple[datetime, datetime]:
    start = valid_from or timezone.now()
    if valid_until is None or valid_until <= start:
        raise ApplicationError("The validity window must end after it starts.", code="invalid_window",
                               fields={"valid_until": ["Must be after valid from."]})
    if valid_until <= timezone.now():
        raise ApplicationError("The validity window has already ended.", code="invalid_window",
                               fields={"valid_until": ["Must be in the future."]})
    return start, valid_until


def voucher_issue(
    *, account: Account, face_value: Any, valid_until: datetime, actor: User | None,
    valid_from: datetime | None = None, memo: str = "",
) -> Voucher:
    """Finance issues an ordinary voucher to an account (ledger VOUCHER_ISSUED)."""
    value = _money(face_value, what="Face value")
    start, end = _window(valid_from, valid_until)
    actor = _actor(actor)
    with transaction.atomic():
        lock_wallet(account.pk)
        voucher = Voucher.objects.create(
            account=account, kind=VoucherKind.ORDINARY, status=VoucherStatus.ACTIVE, face_value=value,
            balance=value, valid_from=start, valid_until=end, issued_by=actor,
        )
        _entry(account_id=account.pk, kind=BalanceKind.VOUCHER, voucher=voucher, amount=value, balance_after=value,
               reason=LedgerReason.VOUCHER_ISSUED, source_type="voucher_issue", source_id=voucher.pk, actor=actor,
               memo=memo or "Issued by finance").save()
    return voucher


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: Any) -> str:
    return "".join(ch for ch in str(raw or "").upper() if ch.isalnum())


def voucher_batch_generate(
    *, name: str, face_value: Any, quantity: int, valid_until: datetime, actor: User,
    valid_from: datetime | None = None,
) -> VoucherCodeBatch:
    """Finance generates `quantity` unused activation codes (Vouchers without account or balance)."""
    value = _money(face_value, what="Face value")
    name = (name or "").strip()
    if not name:
        raise ApplicationError("The batch needs a name.", code="invalid", fields={"name": ["Required."]})
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_BATCH:
        raise ApplicationError(f"Generate between 1 and {MAX_BATCH} codes.", code="invalid_quantity",
                               fields={"quantity": [f"1 to {MAX_BATCH}."]})
    start, end = _window(valid_from, valid_until)
    with transaction.atomic():
        batch = VoucherCodeBatch.objects.create(name=name[:200], face_value=value, quantity=quantity,
                                                valid_from=start, valid_until=end, created_by=actor)
        codes: set[str] = set()
        while len(codes) < quantity:
            codes.add(_new_code())
        taken = set(Voucher.objects.filter(code__in=codes).values_list("code", flat=True))
        while taken:  # astronomically unlikely
            codes -= taken
            while len(codes) < quantity:
                codes.add(_new_code())
            taken = set(Voucher.objects.filter(code__in=codes).values_list("code", flat=True))
        Voucher.objects.bulk_create([
            Voucher(account=None, kind=VoucherKind.ORDINARY, status=VoucherStatus.UNACTIVATED, face_value=value,
                    balance=ZERO, valid_from=start, valid_until=end, code=code, batch=batch, issued_by=actor)
            for code in sorted(codes)
        ])
    return batch


def voucher_activate(*, account: Account, code: Any, actor: User | None) -> Voucher:
    """An owner enters an activation code: the unactivated voucher gets the account and its face value (ledger
    VOUCHER_ACTIVATED). Unknown code: 404 "unknown_code"; already used: 409 "code_used"; ended: 422
    "code_expired"."""
    normalized = normalize_code(code)
    if not normalized or len(normalized) > 32:
        raise ApplicationError("Enter an activation code.", code="invalid_code", fields={"code": ["Required."]})
    actor = _actor(actor)
    now = timezone.now()
    with transaction.atomic():
        lock_wallet(account.pk)
        voucher = Voucher.objects.select_for_update().filter(code=normalized).first()
        if voucher is None:
            raise ApplicationError("This activation code does not exist. Check it and try again.",
                                   code="unknown_code", status=404, fields={"code": ["Unknown code."]})
        if voucher.status != VoucherStatus.UNACTIVATED:
            raise Conflict("This activation code has already been used.", code="code_used",
                           fields={"code": ["Already used."]})
        if voucher.valid_until <= now:
            raise Unprocessable("This activation code has expired.", code="code_expired",
                                fields={"code": ["Expired."]})
        voucher.account = account
        voucher.balance = voucher.face_value
        voucher.status = VoucherStatus.ACTIVE
        voucher.activated_at = now
        voucher.activated_by = actor
        voucher.save(update_fields=["account", "balance", "status", "activated_at", "activated_by"])
        _entry(account_id=account.pk, kind=BalanceKind.VOUCHER, voucher=voucher, amount=voucher.face_value,
               balance_after=voucher.face_value, reason=LedgerReason.VOUCHER_ACTIVATED, source_type="voucher_code",
               source_id=voucher.pk, actor=actor).save()
    return voucher


# ---------------------------------------------------------------------------------------------------------------
# recharges


def recharge_start_online(
    *, account: Account, amount: Any, actor: User, provider: str | None = None
) -> tuple[Recharge, str]:
    """A pending online recharge and the gateway URL where the payer pays it."""
    value = _money(amount, what="Amount")
    if not online_payment_available():
        raise Conflict("Online payment is not configured on this Fee Center. Use an offline remittance (bank "
                       "transfer) instead.", code="online_payment_unavailable",
                       fields={"method": ["Online payment is not configured."]})
    provider = provider or default_provider()
    gateway = get_gateway(provider)
    if gateway is None:
        raise ApplicationError(f"Unknown payment provider {provider!r}.", code="unknown_provider",
                               fields={"provider": ["Unknown provider."]})
    recharge = Recharge.objects.create(
        account=account, method=RechargeMethod.ONLINE, amount=value, provider=provider,
        gateway_reference=f"R{secrets.token_hex(15)}", requested_by=actor,
    )
    return recharge, gateway.create_payment(recharge)  # outside any lock


def recharge_submit_offline(*, account: Account, amount: Any, transfer_reference: str, actor: User) -> Recharge:
    """The owner declares a bank transfer; finance confirms or rejects it in admin."""
    value = _money(amount, what="Amount")
    reference = (transfer_reference or "").strip()
    if not reference or len(reference) > 100:
        raise ApplicationError("Enter the bank transfer reference (at most 100 characters).",
                               code="invalid_transfer_reference", fields={"transfer_reference": ["Required."]})
    return Recharge.objects.create(account=account, method=RechargeMethod.OFFLINE, amount=value,
                                   transfer_reference=reference, requested_by=actor)


def _lock_recharge(recharge_id: int, account_id: int) -> Recharge:
    lock_wallet(account_id)
    return Recharge.objects.select_for_update().get(pk=recharge_id)


def _recharge_succeed(recharge: Recharge, actor: User | None) -> None:
    recharge.status = RechargeStatus.SUCCEEDED
    recharge.completed_at = timezone.now()
    recharge.decided_by = actor
    recharge.save(update_fields=["status", "completed_at", "decided_by", "decision_note"])
    cash_credit(account=recharge.account, amount=recharge.amount, reason=LedgerReason.RECHARGE,
                source_type="recharge", source_id=recharge.pk, actor=actor,
                memo=recharge.transfer_reference or recharge.provider)


def recharge_confirm(*, recharge: Recharge, actor: User, note: str = "") -> Recharge:
    """Finance confirms an offline remittance: cash credited exactly once (arrears repaid first)."""
    actor = _actor(actor)
    with transaction.atomic():
        locked = _lock_recharge(recharge.pk, recharge.account_id)
        if locked.method != RechargeMethod.OFFLINE:
            raise Conflict("Only offline remittances are confirmed by finance.", code="not_offline")
        if locked.status != RechargeStatus.PENDING:
            raise Conflict(f"This remittance is already {locked.get_status_display().lower()}.",
                           code="already_decided")
        locked.decision_note = (note or "").strip()[:500]
        _recharge_succeed(locked, actor)
    return locked


def recharge_reject(*, recharge: Recharge, actor: User, note: str) -> Recharge:
    """Finance rejects an offline remittance (a reason is required); nothing is credited."""
    note = (note or "").strip()
    if not note:
        raise ApplicationError("Say why the remittance is rejected.", code="reason_required",
                               fields={"note": ["Required."]})
    with transaction.atomic():
        locked = _lock_recharge(recharge.pk, recharge.account_id)
        if locked.method != RechargeMethod.OFFLINE:
            raise Conflict("Only offline remittances are rejected by finance.", code="not_offline")
        if locked.status != RechargeStatus.PENDING:
            raise Conflict(f"This remittance is already {locked.get_status_display().lower()}.",
                           code="already_decided")
        locked.status = RechargeStatus.REJECTED
        locked.decided_by = _actor(actor)
        locked.decision_note = note[:500]
        locked.save(update_fields=["status", "decided_by", "decision_note"])
    return locked


@dataclass(frozen=True)
class CallbackOutcome:
    status_code: int  # what to answer the gateway
    outcome: str
    message: str
    recharge: Recharge | None = None


def _log_callback(provider: str, data: Mapping[str, Any], valid: bool, outcome: str,
                  recharge: Recharge | None = None) -> None:
    payload = stored_callback_payload(data)  # bounded: a few hundred bytes, or a prefix + size + hash
    GatewayCallback.objects.create(provider=provider[:32], payload=payload, signature_valid=valid, outcome=outcome,
                                   recharge=recharge)


def gateway_callback_handle(*, provider: str, data: Mapping[str, Any]) -> CallbackOutcome:
    """A gateway's callback. A bad signature, a stale timestamp, an unknown reference or a wrong amount answer
    400 and change nothing but the GatewayCallback log. A success moves the Recharge pending (or failed) ->
    succeeded once (row lock) and credits cash; replays and concurrent duplicates answer 200 and credit nothing."""
    if not isinstance(data, Mapping):
        data = {}
    gateway = get_gateway(provider)
    if gateway is None:  # unknown or switched off (the sandbox): nothing stored, anyone can post here
        logger.warning("callback for unknown payment provider %r", provider[:32])
        return CallbackOutcome(404, "unknown_provider", "Unknown payment provider.")
    try:
        result = gateway.verify_callback(data)
    except CallbackRejected as rejected:
        logger.warning("gateway %s callback rejected: %s", provider, rejected.outcome)
        signed = rejected.outcome not in ("bad_signature", "malformed")
        # Only unsigned/forged callbacks count against the provider's bucket (payments/throttling.py).
        if not signed and not callback_rejection_allowed(provider):
            return CallbackOutcome(429, "too_many_rejected_callbacks",
                                   "Too many rejected callbacks for this provider; try again in a minute.")
        _log_callback(provider, data, signed, rejected.outcome)
        return CallbackOutcome(400, rejected.outcome, rejected.message)
    recharge = Recharge.objects.filter(provider=provider, gateway_reference=result.reference,
                                       method=RechargeMethod.ONLINE).first()
    if recharge is None:
        _log_callback(provider, data, True, "unknown_reference")
        return CallbackOutcome(400, "unknown_reference", "No such payment.")
    with transaction.atomic():
        locked = _lock_recharge(recharge.pk, recharge.account_id)
        # A success after a failure is the bank taking the money on a retry: it must still be credited (once,
        # under this lock). Anything else on a decided recharge is a duplicate or a conflict and changes nothing.
        late_success = locked.status == RechargeStatus.FAILED and result.succeeded
        if locked.status != RechargeStatus.PENDING and not late_success:
            already = locked.status
            outcome = "duplicate" if (already == RechargeStatus.SUCCEEDED) == result.succeeded else "conflicting"
            _log_callback(provider, data, True, outcome, locked)
            return CallbackOutcome(200, outcome, f"Already {already}.", locked)
        if result.amount != locked.amount:
            _log_callback(provider, data, True, "amount_mismatch", locked)
            return CallbackOutcome(400, "amount_mismatch", "The paid amount differs from the recharge.", locked)
        if result.succeeded:
            _recharge_succeed(locked, None)
            outcome = "succeeded"
        else:
            locked.status = RechargeStatus.FAILED
            locked.save(update_fields=["status"])
            outcome = "failed"
        _log_callback(provider, data, True, outcome, locked)
    return CallbackOutcome(200, outcome, "OK", locked)


# ---------------------------------------------------------------------------------------------------------------
# expiry and manual adjustment


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
                    entries.append(_entry(account_id=account_id, kind=BalanceKind.CARD, card=card,
                                          amount=-card.balance, balance_after=ZERO, reason=LedgerReason.EXPIRY,
                                          source_type="expiry", source_id=card.pk, actor=None))
                PrepaidCard.objects.filter(pk=card.pk).update(balance=ZERO, status=CardStatus.EXPIRED)
                expired += 1
            for voucher in vouchers.values():
                if voucher.status in (VoucherStatus.EXPIRED, VoucherStatus.UNACTIVATED) or voucher.valid_until > now:
                    continue
                if voucher.balance > 0:
                    entries.append(_entry(account_id=account_id, kind=BalanceKind.VOUCHER, voucher=voucher,
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
        raise ApplicationError("A manual adjustment needs a reason.", code="reason_required",
                               fields={"reason": ["Required."]})
    try:
        signed = Decimal(str(amount).strip()) if not isinstance(amount, (float, bool)) and amount is not None else None
    except (InvalidOperation, ValueError):
        signed = None
    if signed is None or not signed.is_finite() or signed == 0:
        raise ApplicationError("Enter a non-zero amount such as 100.00 or -100.00.", code="invalid_amount",
                               fields={"amount": ["A non-zero amount."]})
    value = _money(abs(signed), what="Amount")
    actor = _actor(actor)
    if signed > 0:
        cash_credit(account=account, amount=value, reason=LedgerReason.ADJUSTMENT, source_type="adjustment",
                    source_id=None, actor=actor, memo=memo)
        return
    with transaction.atomic():
        wallet = lock_wallet(account.pk)
        if wallet.cash_balance < value:
            raise Unprocessable(f"The cash balance is {wallet.cash_balance}; a debit of {value} would make it "
                                "negative.", code="insufficient_balance", fields={"amount": ["Too large."]})
        wallet.cash_balance -= value
        wallet.save(update_fields=["cash_balance", "updated_at"])
        _entry(account_id=account.pk, kind=BalanceKind.CASH, amount=-value, balance_after=wallet.cash_balance,
               reason=LedgerReason.ADJUSTMENT, source_type="adjustment", source_id=None, actor=actor,
               memo=memo).save()
