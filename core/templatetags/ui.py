"""Presentational tags of the Fee Center's visual system (Bootstrap 5): status pills, empty states, the
pay-as-you-go comparison of a plan over its own validity. No formatting of money or dates here (core.money's
filters in `money` do that)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms, template
from django.http import QueryDict
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

register = template.Library()

# One look per meaning: (Bootstrap colour, Bootstrap Icons name). The label shown is the model's own
# display label, except where the stored word misleads (a paid package waiting for its first day is
# "Scheduled", not "Pending").
PILLS: dict[str, tuple[str, str]] = {
    "scheduled": ("info", "calendar-check"),
    "active": ("success", "check-circle"),
    "paid": ("success", "check-circle-fill"),
    "succeeded": ("success", "check-circle-fill"),
    "issued": ("success", "file-earmark-check"),
    "final": ("secondary", "lock"),
    "open": ("primary", "hourglass-split"),
    "unpaid": ("warning", "exclamation-circle"),
    "pending_payment": ("warning", "exclamation-circle"),
    "pending": ("warning", "hourglass-split"),
    "overdue": ("danger", "exclamation-triangle-fill"),
    "countdown": ("warning", "alarm"),
    "locked": ("danger", "lock-fill"),
    "expired": ("secondary", "clock-history"),
    "exhausted": ("secondary", "dash-circle"),
    "cancelled": ("secondary", "x-circle"),
    "refunded": ("info", "arrow-counterclockwise"),
    "failed": ("danger", "x-octagon"),
    "rejected": ("danger", "x-octagon"),
    "unactivated": ("light", "key"),
    "paused": ("secondary", "pause-circle"),
}

# Where the stored value reads wrong for its kind of object.
RENAMES: dict[tuple[str, str], tuple[str, object]] = {
    ("package", "pending"): ("scheduled", _("Scheduled")),
    ("order", "pending_payment"): ("unpaid", _("Unpaid")),
    ("workspace", "countdown"): ("countdown", _("Countdown")),
    ("workspace", "locked"): ("locked", _("Locked")),
}


@register.inclusion_tag("core/_status_pill.html")
def status_pill(value: Any, label: Any = "", kind: str = "") -> dict[str, Any]:
    """{% status_pill order.status order.get_status_display kind="order" %} -> a coloured pill with an icon."""
    key = str(value or "")
    if (kind, key) in RENAMES:
        key, label = RENAMES[(kind, key)]
    colour, icon = PILLS.get(key, ("secondary", "circle"))
    return {"colour": colour, "icon": icon, "label": label or key, "key": key}


@register.inclusion_tag("core/_empty_state.html")
def empty_state(message: Any, action_url: str = "", action_label: Any = "", icon: str = "inbox") -> dict[str, Any]:
    """{% empty_state _("No orders yet.") url label "receipt" %}: an icon, a sentence and what to do next."""
    return {"message": message, "action_url": action_url, "action_label": action_label, "icon": icon}


@register.simple_tag(takes_context=True)
def page_query(context: Any, number: int, name: str = "page") -> str:
    """{% page_query page.next_page_number %} -> this page's query string (its filters kept) with `page`
    replaced: the links of the shared pager (core/_pager.html)."""
    request = context.get("request")
    params = request.GET.copy() if request is not None else QueryDict(mutable=True)
    params[name] = str(number)
    return params.urlencode()


@register.simple_tag
def plan_value(plan: Any) -> dict[str, Any] | None:
    """The comparison of a plan on the one basis the wizard and the API use: the pay-as-you-go value of its daily
    capacities over the catalogue's stated equivalent days (372 for a package valid 365 days), and what buying the
    package saves against it (all attached by plans.selectors.plan_list).

    {% plan_value plan as v %} -> v.payg, v.saving, v.percent (the saving as a share of payg), v.saves."""
    try:
        payg, saving, percent = plan.payg_equivalent, plan.saving, plan.saving_percent
    except AttributeError:
        return None
    return {"payg": payg, "saving": saving, "percent": percent, "saves": saving > Decimal(0)}


_DATE_IN_TEXT = re.compile(r"\d{4}-\d{2}(?:-\d{2})?(?: \d{2}:\d{2}(?::\d{2})?)?")


@register.filter(is_safe=True)
def date_span(value: Any) -> SafeString:
    """{% blocktranslate with day=x|day|date_span %}: a day, month or moment put into a sentence as
    `<span class="date">`, so a narrow screen never breaks it at its hyphen (docs/UI.md "Phones")."""
    return format_html('<span class="date">{}</span>', value)


@register.filter(is_safe=True)
def dates_nowrap(text: Any) -> SafeString:
    """{{ row.sentence|dates_nowrap }}: a sentence written in Python (escaped here) with each day, month or moment
    in it kept whole, as `date_span` does for templates."""
    escaped = str(conditional_escape(text))
    return mark_safe(_DATE_IN_TEXT.sub(lambda m: date_span(m.group(0)), escaped))  # noqa: S308


@register.filter
def usage_level(percent: Any) -> str:
    """A quota bar's colour from its percentage: >100 over quota (danger), >=80 near (warning), else fine."""
    try:
        value = float(percent)
    except (TypeError, ValueError):
        return "secondary"
    if value > 100:
        return "danger"
    if value >= 80:
        return "warning"
    return "success"


@register.filter
def bar_width(percent: Any) -> str:
    """A progress bar's width class (w-0 … w-100 in steps of 5; CSP forbids style attributes)."""
    try:
        value = max(0.0, min(100.0, float(percent)))
    except (TypeError, ValueError):
        value = 0.0
    return f"bar-{int(round(value / 5) * 5)}"


@register.filter
def absolute(value: Any) -> Any:
    """{{ entry.amount|absolute|cny }}: an expenditure column shows 68.00, not -68.00 (its heading says so)."""
    try:
        return abs(value)
    except TypeError:
        return value


ISO_DAY_ATTRS = {"type": "text", "inputmode": "numeric", "pattern": r"\d{4}-\d{2}-\d{2}", "autocomplete": "off",
                 "maxlength": "10"}


@register.filter
def bs_field(bound_field: forms.BoundField) -> SafeString:
    """{{ form.date_from|bs_field }}: a form field with Bootstrap's classes, aria-invalid when it has errors, and
    days as ISO text (YYYY-MM-DD) rather than the browser's locale date picker (mm/dd/yyyy in en-US)."""
    widget = bound_field.field.widget
    attrs: dict[str, Any] = {"class": "form-select" if isinstance(widget, forms.Select) else "form-control"}
    if bound_field.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
    if isinstance(widget, forms.DateInput) or widget.attrs.get("type") == "date":
        attrs.update(ISO_DAY_ATTRS, placeholder=str(_("YYYY-MM-DD")))
        return bound_field.as_widget(widget=forms.TextInput(), attrs=attrs)
    return bound_field.as_widget(attrs=attrs)


@register.filter
def percent_of(part: Any, whole: Any) -> int:
    """{{ used|percent_of:quota }} -> 115 (whole percent, not capped: a bar says when use is over quota)."""
    try:
        whole = Decimal(whole)
        return int((Decimal(part) * 100 / whole).to_integral_value()) if whole > 0 else 0
    except (TypeError, ValueError, ArithmeticError):
        return 0


@register.simple_tag
def colon() -> str:
    """The separator between a label and its value ("Available: ¥1.00"): ": " in English, the full-width colon (U+FF1A)
    in Chinese, with no space after it (docs/UI.md "Chinese completeness")."""
    return pgettext("label separator", ": ")


@register.simple_tag
def list_separator() -> str:
    """Between the items of a list of names ("Workspace A, Workspace B"): ", " in English, the enumeration comma
    (U+3001) in Chinese."""
    return pgettext("list separator", ", ")


@register.simple_tag
def full_stop() -> str:
    """The end of a sentence built from pieces (a list of names): "." in English, the ideographic full stop (U+3002)
    in Chinese."""
    return pgettext("sentence end", ".")
