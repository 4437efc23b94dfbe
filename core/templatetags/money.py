"""Template filters of the one formatter (core/formatting.py): {% load money %}.

{{ amount|cny }} ¥42,000.00 · {{ unit_price|price }} ¥0.035 · {{ quantity|qty }} 40,000,000 ·
{{ factor|number }} 3 (not 3.0000) · {{ day|day }} 2026-11-20 · {{ month|month }} 2026-11 ·
{{ created_at|moment:account }} 2026-11-20 21:33 in the account's time zone ·
{{ account.time_zone|zone_name }} Beijing time (UTC+8)."""

from typing import Any

from django import template

from core import formatting

register = template.Library()


@register.filter
def cny(value: Any) -> str:
    """{{ amount|cny }} -> ¥42,000.00"""
    return formatting.money(value)


@register.filter
def price(value: Any) -> str:
    """{{ unit_price|price }} -> ¥0.035"""
    return formatting.price(value)


@register.filter
def qty(value: Any) -> str:
    """{{ quantity|qty }} -> 40,000,000"""
    return formatting.number(value)


@register.filter
def number(value: Any) -> str:
    """{{ capacity|number }} -> 3 (a Decimal 3.0000 without its trailing zeros), 1.25, 40,000,000"""
    return formatting.number(value)


@register.filter
def day(value: Any, account: Any = None) -> str:
    """{{ day|day }} -> 2026-11-20; {{ card.expires_at|day:account }} the date in the account's time zone"""
    return formatting.day(value, account)


@register.filter
def month(value: Any) -> str:
    """{{ bill.month|month }} -> 2026-11"""
    return formatting.month(value)


@register.filter
def moment(value: Any, account: Any = None) -> str:
    """{{ created_at|moment:account }} -> 2026-11-20 21:33 in the account's time zone."""
    return formatting.moment(value, account)


@register.filter
def moment_zone(value: Any, account: Any = None) -> str:
    """{{ expires_at|moment_zone:account }} -> 2026-12-07 01:00 (Asia/Shanghai): mail names the zone."""
    return formatting.moment_zone(value, account)


@register.filter
def zone_name(value: Any) -> str:
    """{{ account.time_zone|zone_name }} -> Beijing time (UTC+8), translated."""
    return formatting.zone_name(value)
