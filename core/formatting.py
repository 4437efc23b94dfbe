"""THE formatter of the project: how money, numbers, days, months and moments look to a person.

Pages use it through the template filters of `core/templatetags/money.py` (`cny`, `price`, `qty`, `number`,
`day`, `month`, `moment`), messages and PDFs call it directly, the browser uses its twin `static/js/format.js`
(same rules, locale from `<html lang>`) and CSVs write amounts and the ISO forms through core/csv.py.

- Money: `¥42,000.00`, a negative amount `-¥12.50`; always two places, comma thousands (the same in English
  and Simplified Chinese: both write ¥1,000.00). The machine form (`42000.00`) of CSVs is `core.csv.amount`.
- Unit prices: `¥0.035`: four places at most, trailing zeros dropped down to the cents (`¥0.05`, `¥0.0125`).
- Quantities: `40,000,000`; decimals without their trailing zeros (`3.0000` -> `3`, `1.2500` -> `1.25`).
- Days `2026-11-20`, months `2026-11`, moments `2026-11-20 21:33` in the account's time zone (core.days).
- Time zones as a reader names them: `Beijing time (UTC+8)` (translated, full-width brackets in Chinese) for
  the common zones (ZONE_NAMES), otherwise the zone's own name with its offset, `Europe/Paris (UTC+1)`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

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


# The zones a reader knows by a city's or a country's name; any other zone is shown by its own name.
ZONE_NAMES = {
    "Asia/Shanghai": gettext_lazy("Beijing time"),
    "Asia/Chongqing": gettext_lazy("Beijing time"),
    "Asia/Harbin": gettext_lazy("Beijing time"),
    "PRC": gettext_lazy("Beijing time"),
    "Asia/Hong_Kong": gettext_lazy("Hong Kong time"),
    "Asia/Macau": gettext_lazy("Macao time"),
    "Asia/Taipei": gettext_lazy("Taipei time"),
    "Asia/Singapore": gettext_lazy("Singapore time"),
    "Asia/Tokyo": gettext_lazy("Tokyo time"),
    "Asia/Seoul": gettext_lazy("Seoul time"),
    "Europe/London": gettext_lazy("London time"),
    "Europe/Berlin": gettext_lazy("Berlin time"),
    "America/New_York": gettext_lazy("New York time"),
    "America/Los_Angeles": gettext_lazy("Los Angeles time"),
}
UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Universal", "Zulu"})


def utc_offset(zone_name: str | None, *, at: dt.datetime | None = None) -> str:
    """UTC+8, UTC-5, UTC+5:30, UTC+0: the zone's offset at `at` (now by default), so summer time counts."""
    moment = (at or timezone.now()).astimezone(days.zone(zone_name))
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_name(name: str | None, *, at: dt.datetime | None = None) -> str:
    """The zone as a reader names it, with its offset: "Beijing time (UTC+8)" (in the reader's language) for
    a zone of ZONE_NAMES, "Europe/Paris (UTC+1)" for any other, "UTC" for UTC itself."""
    name = str(days.zone(name))
    if name in UTC_NAMES:
        return "UTC"
    label = ZONE_NAMES.get(name)
    return gettext("%(name)s (%(offset)s)") % {"name": label if label is not None else name,
                                                "offset": utc_offset(name, at=at)}


def _zone(account: Any) -> dt.tzinfo:
    return days.account_zone(account) if getattr(account, "time_zone", None) else days.zone(None)


# The name most callers know: money as shown to people (¥42,000.00, -¥12.50).
format_cny = money
