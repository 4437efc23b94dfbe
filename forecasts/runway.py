"""The runway: the first day the wallet's instruments would no longer cover the expected daily charge.

ONE function, `simulate_runway`, whose only job is to ask payments for a read-only simulation of daily demands
in the settlement order. Until `payments/allocation.py` lands, a temporary walk below stands in for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from core import days
from core.money import ZERO
from payments import selectors as wallet
from payments.models import VoucherKind
from workspaces.models import Account

# how far the walk looks ahead; a longer runway is reported as "more than HORIZON_DAYS"
HORIZON_DAYS = 366


@dataclass(frozen=True)
class Runway:
    days: int | None  # the number of days fully covered from `first_day`; None: beyond HORIZON_DAYS
    arrears_day: date | None  # the first day not covered (arrears would start with its bill); None: beyond
    first_day: date


# TODO(lead): switch to payments.allocation (simulate_daily_demands) when it lands on this branch.
def simulate_runway(
    *, account: Account, first_day: date, daily_amount: Decimal, daily_voucher_payable: Decimal
) -> Runway:
    """Walk the days from `first_day`, each day's bill of `daily_amount` (of which `daily_voucher_payable`
    may be paid by vouchers: never SMS) settled as the night does: ordinary vouchers, full-reduction vouchers,
    prepaid cards, cash; within a kind the instrument that expires first goes first. An instrument pays a day's
    bill only if it is still valid when that night runs (the end of the day in the account's zone). Only
    instruments usable now count (`payments.selectors`): a voucher not yet valid is left out."""
    if daily_amount <= 0:
        return Runway(days=None, arrears_day=None, first_day=first_day)
    voucher_part = min(daily_voucher_payable, daily_amount)
    usable = list(wallet.usable_vouchers(account=account))  # ordered by valid_until, id
    vouchers = [[v.valid_until, v.balance] for v in usable if v.kind == VoucherKind.ORDINARY] + [
        [v.valid_until, v.balance] for v in usable if v.kind == VoucherKind.FULL_REDUCTION
    ]
    cards = [[c.expires_at, c.balance] for c in wallet.usable_cards(account=account)]
    cash = wallet.cash_balance(account=account)
    for offset in range(HORIZON_DAYS):
        day = first_day + timedelta(days=offset)
        settled_at = days.day_bounds(account, day)[1]
        owed = daily_amount
        voucher_room = voucher_part
        for pocket in vouchers:
            if voucher_room <= 0:
                break
            if pocket[0] <= settled_at or pocket[1] <= 0:
                continue
            paid = min(pocket[1], voucher_room)
            pocket[1] -= paid
            voucher_room -= paid
            owed -= paid
        for pocket in cards:
            if owed <= 0:
                break
            if pocket[0] <= settled_at or pocket[1] <= 0:
                continue
            paid = min(pocket[1], owed)
            pocket[1] -= paid
            owed -= paid
        if owed > 0:
            paid = min(max(cash, ZERO), owed)
            cash -= paid
            owed -= paid
        if owed > 0:
            return Runway(days=offset, arrears_day=day, first_day=first_day)
    return Runway(days=None, arrears_day=None, first_day=first_day)
