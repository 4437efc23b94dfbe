"""Parsing of raw request values (query strings, page forms, API fields) in one place, so bad input is a clear
error and never a 500, and one grammar holds everywhere:

- an id is 1 to 18 ASCII digits: no sign, no spaces, no underscores ("1_0" is 10 to int()), no other scripts'
  digits (int() reads full-width "1" as 1, "²".isdigit() is True), so it is safe for int() and PostgreSQL's bigint;
- a day is YYYY-MM-DD in ASCII digits and a real calendar date between MIN_DAY and MAX_DAY (date arithmetic
  cannot overflow there and a billing day can exist). Python's date.fromisoformat alone also takes
  "20261201", ISO weeks ("2026-W48-1") and, on some versions, trailing junk: the pattern is checked first.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

MIN_DAY = date(2000, 1, 1)
MAX_DAY = date(2099, 12, 31)
DAY_VALIDATORS = [MinValueValidator(MIN_DAY), MaxValueValidator(MAX_DAY)]
DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DAY = re.compile(DAY_PATTERN, re.ASCII)
ID_MAX_DIGITS = 18
ID_PATTERN = r"^[0-9]{1,18}$"
MAX_ID = 2**63 - 1
DAY_ERROR = "Enter a day as YYYY-MM-DD, e.g. 2026-01-31."


def is_id(raw: Any, *, max_digits: int = ID_MAX_DIGITS) -> bool:
    """True for a string of 1 to `max_digits` ASCII digits (safe for int() and PostgreSQL's bigint)."""
    return isinstance(raw, str) and 0 < len(raw) <= max_digits and raw.isascii() and raw.isdecimal()


def parse_id(raw: Any, *, max_digits: int = ID_MAX_DIGITS) -> int | None:
    """A positive id from a string of ASCII digits or a JSON integer (not a bool), or None."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if 0 < raw <= MAX_ID else None
    if not is_id(raw, max_digits=max_digits):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


def parse_day(raw: Any) -> date | None:
    """A YYYY-MM-DD date (ASCII digits) between MIN_DAY and MAX_DAY, or None for anything else."""
    if not isinstance(raw, str) or _DAY.fullmatch(raw) is None:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return day if MIN_DAY <= day <= MAX_DAY else None


@extend_schema_field({"type": "string", "format": "date", "pattern": DAY_PATTERN, "example": "2026-01-31"})
class DayField(serializers.DateField):
    """A DRF date given as YYYY-MM-DD only (parse_day's grammar) within MIN_DAY..MAX_DAY (a clear 400 outside)."""

    default_error_messages = {"invalid_day": DAY_ERROR}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validators", []).extend(DAY_VALIDATORS)
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> date:
        if isinstance(value, date):  # from our own code
            return super().to_internal_value(value)
        if not isinstance(value, str) or _DAY.fullmatch(value) is None:
            self.fail("invalid_day")
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail("invalid_day")


class DayFormField(forms.DateField):
    """The page forms' day: YYYY-MM-DD only (what <input type="date"> sends), parse_day's grammar."""

    def to_python(self, value: Any) -> date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value
        day = parse_day(str(value).strip())
        if day is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return day


class StrictIntegerField(serializers.IntegerField):
    """A non-negative integer: a JSON integer (not a bool), or (query strings, form bodies) ASCII digits only.
    DRF's IntegerField would take full-width digits, "1_0", "+1" and " 1" (int() does)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, str):
            if not (data.isascii() and data.isdecimal() and len(data) <= self.MAX_STRING_LENGTH):
                self.fail("invalid")
            data = int(data)
        elif isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class IdField(StrictIntegerField):
    """A positive id (1..2**63-1, PostgreSQL's bigint)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)
