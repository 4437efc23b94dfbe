"""Money: Decimal amounts in CNY with two places, one rounding rule (half up to cents), never float.

Amount fields are sized here, in one place: `money_field()` for amounts (yuan, 2 places) and
`price_field()` for unit prices (yuan per pricing unit per day, 4 places so finance can set 0.0350).
Quantities (entries, hosts, messages) are integers.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NoReturn, cast

from django.db import models
from django.utils.translation import gettext, gettext_noop

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

# English here (the API's messages); pages translate them (parse_page_amount). gettext_noop marks them for the .po.
INVALID_AMOUNT = gettext_noop("Enter a valid amount such as \"100.00\".")
TOO_MANY_PLACES = gettext_noop("Amounts have at most two decimal places.")
NOT_POSITIVE = gettext_noop("The amount must be greater than zero.")
TOO_LARGE = gettext_noop("The amount may not exceed 100,000,000.00.")


_ASCII_SPACES = " \t\n\r\f\v"


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
    text = raw if strict else raw.strip(_ASCII_SPACES)  # other spaces are normalize_page_amount's business
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


# What people type on pages around the number: currency signs (half- and full-width yen, "CNY", "RMB", "元"),
# spaces of any kind, and thousands separators (comma, full-width comma, space, thin space) in well-formed
# groups of three ("1,000.00", "¥200,000", "￥1 000"). "1,00" or "10,0000" is not a thousands grouping and stays
# invalid, so a mistyped decimal comma is refused instead of read as a thousand times more.
_CURRENCY_AFFIXES = re.compile(r"^(?:[¥￥]|CNY|RMB)\s*|\s*(?:元|CNY|RMB)$", re.IGNORECASE)
_GROUPED = re.compile(r"([+-]?)([0-9]{1,3}(?:[,\uff0c\s\u00a0\u2009\u202f][0-9]{3})+)((?:\.[0-9]*)?)", re.ASCII)
_SEPARATORS = re.compile(r"[,\uff0c\s\u00a0\u2009\u202f]")


def normalize_page_amount(raw: object) -> object:
    """The number a person meant, as the pages' grammar reads it: currency signs and surrounding spaces dropped,
    thousands separators removed where they form groups of three. Anything else is returned unchanged, so
    parse_amount gives its precise message."""
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    for _ in range(2):  # "¥ 1,000" and "1,000 元", or both
        text = _CURRENCY_AFFIXES.sub("", text).strip()
    if text[:1] in "+-" and text[1:2] in ("¥", "￥"):  # "-¥12" reads as "-12"
        text = text[0] + text[2:].strip()
    match = _GROUPED.fullmatch(text)
    if match is not None:
        text = match.group(1) + _SEPARATORS.sub("", match.group(2)) + match.group(3)
    return text


def parse_page_amount(raw: object) -> Decimal:
    """An amount typed on a page ("1,000.00", "¥1,000", "￥1 000", "1000"): `normalize_page_amount`, then the
    pages' grammar of `parse_amount`. The API never uses this: its grammar stays strict. The message is in the
    interface's language."""
    try:
        return parse_amount(normalize_page_amount(raw))
    except ValueError as error:
        raise ValueError(gettext(str(error))) from None


def _out_of_range(positive: bool) -> NoReturn:
    raise ValueError(TOO_LARGE if positive else NOT_POSITIVE)


def _checked(value: Decimal) -> Decimal:
    """A finite Decimal within 0 < value <= MAX_REQUEST_AMOUNT: refuse more than two places (exactly, with no
    context rounding) and return it at cents."""
    exponent = cast(int, value.as_tuple().exponent)  # an int: the value is finite
    if exponent < -MONEY_DECIMAL_PLACES and value != value.quantize(CENT):
        raise ValueError(TOO_MANY_PLACES)
    return quantize(value)


def money_string(value: Decimal | int) -> str:
    """The API's form of an amount: a plain decimal string with two places ("42000.00")."""
    return f"{quantize(value):.2f}"


def money_field(**kwargs: Any) -> models.DecimalField:
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs)


def price_field(**kwargs: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES, **kwargs)
