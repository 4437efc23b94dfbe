"""Money: Decimal amounts in CNY with two places, one rounding rule (half up to cents), never float.

Amount fields are sized here, in one place: `money_field()` for amounts (yuan, 2 places) and
`price_field()` for unit prices (yuan per pricing unit per day, 4 places so finance can set 0.0350).
Quantities (entries, hosts, messages) are integers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MONEY_MAX_DIGITS = 16
MONEY_DECIMAL_PLACES = 2
PRICE_MAX_DIGITS = 14
PRICE_DECIMAL_PLACES = 4
# The largest amount a single request may name: keeps every sum far inside MONEY_MAX_DIGITS.
MAX_REQUEST_AMOUNT = Decimal("100000000.00")


def quantize(value: Decimal | int | str) -> Decimal:
    """Round to cents, half up: the only rounding in the project."""
    if isinstance(value, float):
        raise TypeError("money is never a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(raw: object) -> Decimal:
    """A strictly valid positive amount with at most two places, or ValueError naming the problem."""
    if isinstance(raw, bool) or raw is None or isinstance(raw, float):
        raise ValueError("Enter the amount as a decimal string such as \"100.00\".")
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValueError("Enter a valid amount such as \"100.00\".") from None
    if not value.is_finite():
        raise ValueError("Enter a valid amount such as \"100.00\".")
    if abs(value) > MAX_REQUEST_AMOUNT:
        raise ValueError(f"The amount may not exceed {MAX_REQUEST_AMOUNT:,}.")
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValueError("Amounts have at most two decimal places.")
    if value <= 0:
        raise ValueError("The amount must be greater than zero.")
    return quantize(value)


def format_cny(value: Decimal | int | None) -> str:
    """¥42,000.00 (negative amounts as -¥12.50)."""
    if value is None:
        return ""
    amount = quantize(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def money_field(**kwargs) -> models.DecimalField:
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs)


def price_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES, **kwargs)
