"""THE formatter of the project: how money, numbers, days, months and moments look to a person.

Pages use it through the template filters of `core/templatetags/money.py` (`cny`, `price`, `qty`, `number`,
`day`, `month`, `moment`), messages and PDFs call it directly, the browser uses its twin `static/js/format.js`
(same rules, locale from `<html lang>`) and CSVs write amounts and the ISO forms through core/csv.py.

- Money: `¥42,000.00`, a negative amount `-¥12.50`; always two places, comma thousands (the same in English
  and Simplified Chinese: both write ¥1,000.00). The machine form (`42000.00`) of CSVs is `core.csv.amount`.
- Unit prices: `¥0.035`: four places at most, trailing zeros dropped down to the cents (`¥0.05`, `¥0.0125`).
- Quantities: `40,000,000`; decimals without their trailing zeros (`3.0000` -> `3`, `1.2500` -> `1.25`).
- Days `2026-11-20`, months `2026-11`, moments `2026-11-20 21:33` in the account's time zone (core.days).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from core import days
from core.money import MONEY_DECIMAL_PLACES, PRICE_DECIMAL_PLACES, quantize

CURRENCY_SIGN = "¥"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, (bool, float)):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def money(value: Any) -> str:
    """¥42,000.00 (negative: -¥12.50); "" for None or anything that is not a number."""
    amount = _decimal(value)
    if amount is None:
        return ""
    amount = quantize(amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}{CURRENCY_SIGN}{abs(amount):,.2f}"


def price(value: Any) -> str:
    """A unit price kept to its four places, without trailing zeros past the cents: ¥0.05, ¥0.0125."""
    number = _decimal(value)
    if number is None:
        return ""
    sign = "-" if number < 0 else ""
    text = f"{abs(number):,.{PRICE_DECIMAL_PLACES}f}"
    while text.endswith("0") and len(text.rsplit(".", 1)[1]) > MONEY_DECIMAL_PLACES:
        text = text[:-1]
    return f"{sign}{CURRENCY_SIGN}{text}"


def number(value: Any) -> str:
    """40,000,000; a decimal without its trailing zeros: 3.0000 -> 3, 1.2500 -> 1.25."""
    figure = _decimal(value)
    if figure is None:
        return ""
    if figure == figure.to_integral_value():
        return f"{int(figure):,}"
    text = f"{figure:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def day(value: dt.date | dt.datetime | None, account: Any = None) -> str:
    """2026-11-20; a datetime gives its date in the account's time zone (the default zone without one)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(_zone(account))
    if not isinstance(value, dt.date):
        return ""
    return f"{value:%Y-%m-%d}"


def month(value: dt.date | None) -> str:
    """2026-11."""
    return f"{value:%Y-%m}" if isinstance(value, dt.date) else ""


def moment(value: dt.datetime | None, account: Any = None, *, seconds: bool = False) -> str:
    """2026-11-20 21:33 in the account's time zone (core.days; the default zone without an account)."""
    if not isinstance(value, dt.datetime):
        return day(value)
    if value.tzinfo is not None:
        value = value.astimezone(_zone(account))
    return f"{value:%Y-%m-%d %H:%M:%S}" if seconds else f"{value:%Y-%m-%d %H:%M}"


def moment_zone(value: dt.datetime | None, account: Any = None) -> str:
    """2026-12-07 01:00 (Asia/Shanghai): the moment in the account's time zone, naming the zone (mail, where
    the reader may sit anywhere)."""
    if not isinstance(value, dt.datetime):
        return day(value)
    return f"{moment(value, account)} ({_zone(account)})"


def _zone(account: Any) -> dt.tzinfo:
    return days.account_zone(account) if getattr(account, "time_zone", None) else days.zone(None)


# The name most callers know: money as shown to people (¥42,000.00, -¥12.50).
format_cny = money
