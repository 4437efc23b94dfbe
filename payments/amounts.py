"""How the wallet's services check the amounts they are given: through core.money, never a parser of their own.

Two kinds of amount reach a service:
- an amount a person or a program typed (a string, or an int from JSON) is parsed by `core.money.parse_amount`,
  with its ceiling `core.money.MAX_REQUEST_AMOUNT`; the API and the pages have usually parsed it already;
- an amount our own code computed (a Decimal: an order's total, a night's bill, a validated form field) is not
  parsed again. It is checked: finite, exact to the cent (never rounded silently), positive (or zero where the
  caller says so), and at most INTERNAL_AMOUNT_CEILING, which keeps every balance sum four digits inside a money
  column (core.money.MONEY_MAX_DIGITS). It is higher than what one request may name because a computed total can
  add up many typed amounts.
Either way a bad amount is an ApplicationError "invalid_amount" naming what was wrong.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.money import CENT, MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, parse_amount, quantize
from payments.error_codes import PaymentsErrorCode as Code

# 10^10: four digits of headroom below the largest value a money column holds (10^(16-2)).
INTERNAL_AMOUNT_CEILING = Decimal(10) ** (MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES - 4)


def checked_amount(value: Any, *, what: str, allow_zero: bool = False) -> Decimal:
    """The amount at cents, or ApplicationError("invalid_amount") naming `what` (already in the reader's
    language). See the module docstring."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if isinstance(value, Decimal):
        return _checked_internal(value, what=what, allow_zero=allow_zero)
    try:
        return parse_amount(value)
    except ValueError as error:
        raise ApplicationError(_("%(what)s: %(error)s") % {"what": what, "error": _(str(error))},
                               code=Code.INVALID_AMOUNT) from None


def checked_signed_amount(value: Any, *, what: str) -> tuple[int, Decimal]:
    """A non-zero signed amount (finance's manual adjustment) as (sign, magnitude); the magnitude is checked like
    any amount. A typed amount may start with "-"; anything else about it is core.money's grammar."""
    if isinstance(value, str):
        text = value.strip()
        negative = text.startswith("-")
        return (-1 if negative else 1), checked_amount(text[1:] if negative else text, what=what)
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if isinstance(value, Decimal) and value.is_finite() and value != 0:
        return (-1 if value < 0 else 1), _checked_internal(abs(value), what=what, allow_zero=False)
    raise ApplicationError(_("%(what)s: enter a non-zero amount such as 100.00 or -100.00.") % {"what": what},
                           code=Code.INVALID_AMOUNT)


def _checked_internal(amount: Decimal, *, what: str, allow_zero: bool) -> Decimal:
    if not amount.is_finite():
        raise ApplicationError(_("%(what)s: %(amount)s is not a valid amount.") % {"what": what, "amount": amount},
                               code=Code.INVALID_AMOUNT)
    # Compared before any quantize, so no exponent can overflow the decimal context.
    if not -INTERNAL_AMOUNT_CEILING <= amount <= INTERNAL_AMOUNT_CEILING:
        raise ApplicationError(_("%(what)s: the amount is too large.") % {"what": what}, code=Code.INVALID_AMOUNT)
    if amount != amount.quantize(CENT):
        raise ApplicationError(_("%(what)s: amounts have at most two decimal places.") % {"what": what},
                               code=Code.INVALID_AMOUNT)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ApplicationError(_("%(what)s: the amount must be greater than zero.") % {"what": what},
                               code=Code.INVALID_AMOUNT)
    return quantize(amount)
