"""Parsing of raw request values (query strings, page forms) in one place, so bad input is a clear error and
never a 500: ids are ASCII digits of bounded length (int("²") raises, "²".isdigit() is True), and days lie in
a range where date arithmetic cannot overflow and a billing day can exist."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from rest_framework import serializers

MIN_DAY = date(2000, 1, 1)
MAX_DAY = date(2099, 12, 31)
DAY_VALIDATORS = [MinValueValidator(MIN_DAY), MaxValueValidator(MAX_DAY)]


def is_id(raw: Any, *, max_digits: int = 18) -> bool:
    """True for a string of 1 to `max_digits` ASCII digits (safe for int() and PostgreSQL's bigint)."""
    return isinstance(raw, str) and 0 < len(raw) <= max_digits and raw.isascii() and raw.isdecimal()


def parse_day(raw: Any) -> date | None:
    """An ISO date between MIN_DAY and MAX_DAY, or None for anything else."""
    if not isinstance(raw, str) or not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return day if MIN_DAY <= day <= MAX_DAY else None


class DayField(serializers.DateField):
    """A DRF date limited to MIN_DAY..MAX_DAY (a clear 400 outside)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validators", []).extend(DAY_VALIDATORS)
        super().__init__(**kwargs)
