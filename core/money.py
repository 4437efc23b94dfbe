"""Money: Decimal amounts in CNY with two places, one rounding rule (half up to cents), never float.

Amount fields are sized here, in one place: `money_field()` for amounts (yuan, 2 places) and
`price_field()` for unit prices (yuan per pricing unit per day, 4 places so finance can set 0.0350).
Quantities (entries, hosts, messages) are integers.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

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


# The API's amount grammar (also stated in the OpenAPI schema): ASCII digits, optionally one dot and one or two
# decimals. No sign, no exponent, no underscores, no spaces, no other scripts' digits.
API_AMOUNT_PATTERN = r"^[0-9]+(\.[0-9]{1,2})?$"
# The pages' grammar, checked after trimming spaces: an optional sign, ASCII digits with at most one dot
# ("100", "100.5", ".5", "100."), so a person gets the precise message (negative, too many places) rather than
# "invalid". Never an exponent, an underscore or a non-ASCII digit.
_PAGE_AMOUNT = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?", re.ASCII)
_API_AMOUNT = re.compile(API_AMOUNT_PATTERN, re.ASCII)
_MAX_INTEGER_DIGITS = len(str(int(MAX_REQUEST_AMOUNT)))

INVALID_AMOUNT = "Enter a valid amount such as \"100.00\"."
TOO_MANY_PLACES = "Amounts have at most two decimal places."
NOT_POSITIVE = "The amount must be greater than zero."
TOO_LARGE = f"The amount may not exceed {MAX_REQUEST_AMOUNT:,}."


def parse_amount(raw: object, *, strict: bool = False) -> Decimal:
    """A valid positive amount with at most two places, or ValueError naming the problem; nothing else is ever
    raised, whatever `raw` is.

    `strict=True` is the API's grammar (API_AMOUNT_PATTERN, or a JSON integer); otherwise the pages' (spaces
    trimmed, an optional sign, any number of places that are then checked). Either way the digits are ASCII
    and there is no exponent or underscore. The number is checked on its digits before any Decimal arithmetic,
    so no exponent or length can overflow a decimal context."""
    if isinstance(raw, bool) or raw is None or isinstance(raw, float):
        raise ValueError("Enter the amount as a decimal string such as \"100.00\".")
    if isinstance(raw, int):
        return _checked(Decimal(raw)) if 0 < raw <= MAX_REQUEST_AMOUNT else _out_of_range(raw > 0)
    if isinstance(raw, Decimal):  # from our own code (an already validated field), never from a request
        if not raw.is_finite():
            raise ValueError(INVALID_AMOUNT)
        if not 0 < raw <= MAX_REQUEST_AMOUNT:
            _out_of_range(raw > 0)
        return _checked(raw)
    if not isinstance(raw, str):
        raise ValueError(INVALID_AMOUNT)
    text = raw if strict else raw.strip()
    match = _PAGE_AMOUNT.fullmatch(text)
    if match is None or not (match.group(2) or match.group(3)):
        raise ValueError(INVALID_AMOUNT)
    sign, integer, fraction = match.group(1), match.group(2).lstrip("0"), (match.group(3) or "").rstrip("0")
    if sign == "-" and (integer or fraction):
        raise ValueError(NOT_POSITIVE)
    if strict and _API_AMOUNT.fullmatch(text) is None:
        raise ValueError(TOO_MANY_PLACES if len(match.group(3) or "") > 2 and not sign else INVALID_AMOUNT)
    if len(integer) > _MAX_INTEGER_DIGITS:
        raise ValueError(TOO_LARGE)
    if len(fraction) > MONEY_DECIMAL_PLACES:
        raise ValueError(TOO_MANY_PLACES)
    value = Decimal(f"{integer or 0}.{fraction or 0}")
    if value <= 0:
        raise ValueError(NOT_POSITIVE)
    if value > MAX_REQUEST_AMOUNT:
        raise ValueError(TOO_LARGE)
    return quantize(value)


def _out_of_range(positive: bool):
    raise ValueError(TOO_LARGE if positive else NOT_POSITIVE)


def _checked(value: Decimal) -> Decimal:
    """A finite Decimal within 0 < value <= MAX_REQUEST_AMOUNT: refuse more than two places (exactly, with no
    context rounding) and return it at cents."""
    if value.as_tuple().exponent < -MONEY_DECIMAL_PLACES and value != value.quantize(CENT):
        raise ValueError(TOO_MANY_PLACES)
    return quantize(value)


def money_string(value: Decimal | int) -> str:
    """The API's form of an amount: a plain decimal string with two places ("42000.00")."""
    return f"{quantize(value):.2f}"


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
