"""Days and time zones: the one owner of "which calendar day is it for this account".

A billing day is a calendar date in the account's time zone (default Asia/Shanghai). Every "today",
"yesterday", day bound and month bound in the project comes from here; `zoneinfo.ZoneInfo` is banned
elsewhere (ruff TID251).

An account's zone is validated when it is written (`validate_time_zone`). Should a stored name still be
unknown (an edit made outside the services), every caller gets the same answer: the default zone, with an
error logged once per name, so the night, the pages and the prices never disagree about the day.
"""

from __future__ import annotations

import calendar
import datetime
import logging
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.utils import timezone

logger = logging.getLogger(__name__)

DEFAULT_TIME_ZONE = "Asia/Shanghai"


class HasTimeZone(Protocol):
    @property
    def time_zone(self) -> str: ...


class UnknownTimeZone(ValueError):
    pass


def validate_time_zone(name: str) -> str:
    """The name if it is a time zone this machine knows; `UnknownTimeZone` otherwise."""
    if not isinstance(name, str) or name not in _known_zones():
        raise UnknownTimeZone(f"Unknown time zone {name!r}.")
    return name


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=512)
def zone(name: str | None) -> ZoneInfo:
    """The ZoneInfo of a stored zone name; the default zone (logged) for an unknown or empty one."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            logger.error("Unknown time zone %r stored on an account; using %s", name, DEFAULT_TIME_ZONE)
    return ZoneInfo(DEFAULT_TIME_ZONE)


def account_zone(account: HasTimeZone) -> ZoneInfo:
    return zone(account.time_zone)


def local_today(zone_name: str | None, *, now: datetime.datetime | None = None) -> datetime.date:
    """Today in the named zone."""
    return (now or timezone.now()).astimezone(zone(zone_name)).date()


def account_today(account: HasTimeZone, *, now: datetime.datetime | None = None) -> datetime.date:
    """Today in the account's time zone."""
    return local_today(account.time_zone, now=now)


def account_yesterday(account: HasTimeZone, *, now: datetime.datetime | None = None) -> datetime.date:
    return account_today(account, now=now) - datetime.timedelta(days=1)


def next_billing_day(account: HasTimeZone, *, now: datetime.datetime | None = None) -> datetime.date:
    """Changes to packages, workspace order and storage policies apply from here: tomorrow, locally."""
    return account_today(account, now=now) + datetime.timedelta(days=1)


def local_date(moment: datetime.datetime, account: HasTimeZone) -> datetime.date:
    """The account's calendar day of an instant."""
    return timezone.localtime(moment, account_zone(account)).date()


def day_bounds(account: HasTimeZone, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of a local day as aware datetimes."""
    tz = account_zone(account)
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


def inclusive_days(start: datetime.date, end: datetime.date) -> int:
    """Days from start to end, both counted."""
    return (end - start).days + 1


# Months are represented by their first day.


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(month: datetime.date) -> datetime.date:
    """The last day of the month."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def next_month(month: datetime.date) -> datetime.date:
    return (month_end(month) + datetime.timedelta(days=1)).replace(day=1)


def previous_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def month_bounds(account: HasTimeZone, month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of the month as aware datetimes in the account's time zone."""
    tz = account_zone(account)
    start = datetime.datetime.combine(month, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(next_month(month), datetime.time.min, tzinfo=tz)
    return start, end


def vendor_today(*, now: datetime.datetime | None = None) -> datetime.date:
    """Today in the vendor's own zone (settings.TIME_ZONE): finance's reports and admin, not tenants' bills."""
    return timezone.localdate(now)


# The zone whose calendar day begins first on Earth: UTC+14 (Line Islands). "Etc/GMT-14" is the fixed-offset
# zone UTC+14 (the Etc/ names invert the sign, POSIX style); no zone an account may choose is further ahead.
FURTHEST_AHEAD_ZONE = "Etc/GMT-14"


def furthest_ahead_today(*, now: datetime.datetime | None = None) -> datetime.date:
    """Today where the day begins first (UTC+14): the earliest day some account may already be living, and
    so the first day whose catalogue figures may already have priced a sale or a bill (plans' freeze)."""
    return local_today(FURTHEST_AHEAD_ZONE, now=now)
