"""Planning the tenders of a payment the payer did not choose (an automatic renewal): the wallet in the
settlement order of a purchase, the same order the nightly settlement uses (docs/RULES-payments.md):

    ordinary vouchers -> full-reduction vouchers -> prepaid cards -> cash balance

within a kind the instrument that expires first goes first (then the lower id); vouchers pay at most the
voucher-payable amount (never SMS lines). This module only READS the wallet and returns the tenders; the
payment itself goes through payments.services.payment_pay like any chosen tenders (no new money path).
Call it with the account's Wallet row locked (payments/locks.py) so the balances cannot change before the
payment is written."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.money import ZERO, quantize
from payments.models import VoucherKind
from payments.selectors import cash_balance, usable_cards, usable_vouchers
from payments.services import TenderSpec
from workspaces.models import Account


@dataclass(frozen=True)
class TenderPlan:
    tenders: list[TenderSpec]
    amount: Decimal
    shortfall: Decimal  # what the wallet lacks (0 when the tenders cover the amount)

    @property
    def covered(self) -> bool:
        return self.shortfall == ZERO


def plan_wallet_tenders(
    *, account: Account, amount: Decimal, voucher_payable_amount: Decimal | None = None
) -> TenderPlan:
    """The tenders that pay `amount` from the account's wallet in the settlement order, or the shortfall."""
    amount = quantize(amount)
    voucher_cap = amount if voucher_payable_amount is None else min(quantize(voucher_payable_amount), amount)
    tenders: list[TenderSpec] = []
    left = amount
    vouchers = list(usable_vouchers(account=account))
    ordered_vouchers = [v for v in vouchers if v.kind == VoucherKind.ORDINARY] + [
        v for v in vouchers if v.kind != VoucherKind.ORDINARY
    ]
    for voucher in ordered_vouchers:  # each kind already by valid_until, id
        take = min(voucher.balance, left, voucher_cap)
        if take > ZERO:
            tenders.append(TenderSpec(kind="voucher", amount=take, instrument_id=voucher.pk))
            left -= take
            voucher_cap -= take
    for card in usable_cards(account=account):  # by expires_at, id
        take = min(card.balance, left)
        if take > ZERO:
            tenders.append(TenderSpec(kind="card", amount=take, instrument_id=card.pk))
            left -= take
    cash = min(cash_balance(account=account), left)
    if cash > ZERO:
        tenders.append(TenderSpec(kind="cash", amount=cash))
        left -= cash
    return TenderPlan(tenders=tenders, amount=amount, shortfall=left)
