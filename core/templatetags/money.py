from django import template

from core.money import format_cny

register = template.Library()


@register.filter
def cny(value):
    """{{ amount|cny }} -> ¥42,000.00"""
    try:
        return format_cny(value)
    except (TypeError, ValueError, ArithmeticError):
        return ""


@register.filter
def qty(value):
    """{{ quantity|qty }} -> 40,000,000"""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return ""
