"""Daily bills written directly (the forecast reads only their totals)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from quota.models import Bill


def bill(account, day: date, total: str | Decimal, voucher_payable: str | Decimal | None = None) -> Bill:
    total = Decimal(total)
    payable = total if voucher_payable is None else Decimal(voucher_payable)
    return Bill.objects.create(account=account, day=day, total=total, voucher_payable_total=payable, charged=total,
                               voucher_payable_charged=payable)
