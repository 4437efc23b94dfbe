"""The runway: the first day the wallet's instruments would no longer cover the expected daily charge.

ONE function, `simulate_runway`, whose only job is to ask payments for a read-only simulation of daily demands
in the settlement order (`payments.allocation.simulate_daily_demands`): no second copy of the order here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from core.money import ZERO
from payments.allocation import DailyDemand, simulate_daily_demands
from workspaces.models import Account

# how far the walk looks ahead; a longer runway is reported as "more than HORIZON_DAYS"
HORIZON_DAYS = 366


@dataclass(frozen=True)
class Runway:
    days: int | None  # the number of days fully covered from `first_day`; None: beyond HORIZON_DAYS
    arrears_day: date | None  # the first day not covered (arrears would start with its bill); None: beyond
    first_day: date


def simulate_runway(
    *, account: Account, first_day: date, daily_amount: Decimal, daily_voucher_payable: Decimal
) -> Runway:
    """The days from `first_day` on, each with a bill of `daily_amount` (of which `daily_voucher_payable` may be
    paid by vouchers: never SMS), paid by the wallet as the night would pay them: THE settlement order of
    `payments.allocation` (one read-only query, nothing written). An instrument pays a day's bill only if it is
    valid when that night settles it (the end of the day in the account's zone): one that expires first stops,
    one that starts later pays from its first night. The first day with anything left owing is the arrears day."""
    if daily_amount <= 0:
        return Runway(days=None, arrears_day=None, first_day=first_day)
    demands = [
        DailyDemand(day=first_day + timedelta(days=offset), amount=daily_amount,
                    voucher_payable_amount=min(daily_voucher_payable, daily_amount))
        for offset in range(HORIZON_DAYS)
    ]
    for offset, simulated in enumerate(simulate_daily_demands(account=account, demands=demands)):
        if simulated.arrears > ZERO:
            return Runway(days=offset, arrears_day=simulated.day, first_day=first_day)
    return Runway(days=None, arrears_day=None, first_day=first_day)
