"""Planning the tenders of a payment the payer did not choose (an automatic renewal): the wallet in the
settlement order of a purchase, the same order the nightly settlement uses (docs/RULES-payments.md):

    ordinary vouchers -> full-reduction vouchers -> prepaid cards -> cash balance

within a kind the instrument that expires first goes first (then the lower id); vouchers pay at most the
voucher-payable amount (never SMS lines). The order and the allocation are payments/allocation.py's (the SQL
the night's settlement runs); this module only turns its read-only plan into tenders. The
payment itself goes through payments.tenders.payment_pay like any chosen tenders (no new money path).
Call it with the account's Wallet row locked (payments/locks.py) so the balances cannot change before the
payment is written."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.money import ZERO, quantize
from payments.allocation import DemandPlan, PlanDemand, plan_demands
from payments.models import TenderKind
from payments.tenders import TenderSpec
from workspaces.models import Account


@dataclass(frozen=True)
class TenderPlan:
    tenders: list[TenderSpec]
    amount: Decimal
    shortfall: Decimal  # what the wallet lacks (0 when the tenders cover the amount)

    @property
    def covered(self) -> bool:
        return self.shortfall == ZERO


def tenders_of(plan: DemandPlan) -> list[TenderSpec]:
    """The plan's takes as tenders a payment accepts (payments.tenders.payment_pay)."""
    tenders = []
    for take in plan.takes:
        if take.card_id is not None:
            tenders.append(TenderSpec(kind="card", amount=take.amount, instrument_id=take.card_id))
        elif take.voucher_id is not None:
            tenders.append(TenderSpec(kind="voucher", amount=take.amount, instrument_id=take.voucher_id))
        elif take.kind == TenderKind.CASH:
            tenders.append(TenderSpec(kind="cash", amount=take.amount))
        else:  # a new kind of instrument must say here how a payment names it
            raise ValueError(f"No tender for a take of kind {take.kind!r}.")
    return tenders


def plan_wallet_tenders(
    *, account: Account, amount: Decimal, voucher_payable_amount: Decimal | None = None
) -> TenderPlan:
    """The tenders that pay `amount` from the account's wallet in the settlement order, or the shortfall
    (payments.allocation.plan_demands: the settlement's own allocation, read-only)."""
    amount = quantize(amount)
    voucher_cap = amount if voucher_payable_amount is None else min(quantize(voucher_payable_amount), amount)
    (plan,) = plan_demands(demands=[PlanDemand(account_id=account.pk, amount=amount,
                                               voucher_payable_amount=voucher_cap)])
    return TenderPlan(tenders=tenders_of(plan), amount=amount, shortfall=plan.arrears)
