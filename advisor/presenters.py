"""What the page and the API say about an advice: the method, the assumptions, the candidates as plain data."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from advisor.replay import SHORT_WINDOW_DAYS, YEAR_DAYS, Advice, Candidate, ItemSummary


def method() -> str:
    return _(
        "Each candidate replays your stored usage of the window through the same allocation the nightly "
        "deduction uses. Projected yearly overage = overage of the window x %(year)d / days in the window; "
        "total = yearly price + projected yearly overage."
    ) % {"year": YEAR_DAYS}


def assumptions() -> list[str]:
    return [
        _("Past usage stands for the future: the window is taken as a typical year."),
        _("No seasonality: busy and quiet periods outside the window are not foreseen."),
        _("Today's prices: packages, traffic add-ons, pay-as-you-go prices and conversion factors in force today."),
        _("Fewer than %(days)d days with usage is too short to trust.") % {"days": SHORT_WINDOW_DAYS},
    ]


def days_over(candidate: Candidate) -> dict[str, Any]:
    """The page's one line per candidate: on how many days of the window some item was over the candidate's
    capacity, and on which items (each with its days). Items the candidate gives no capacity for (always
    pay-as-you-go, e.g. SMS) and items never over are left out."""
    over: list[ItemSummary] = [s for s in candidate.items if s.capacity and s.days_exceeded]
    ids = {s.item.pk for s in over}
    days = sum(1 for items in candidate.daily.values()
               if any(item_id in ids and di.overage > 0 for item_id, di in items.items()))
    return {"days": days, "items": over}


def advice_data(advice: Advice) -> dict[str, Any]:
    return {
        "first_day": advice.first_day,
        "last_day": advice.last_day,
        "window_days": advice.window_days,
        "usage_days": advice.usage_days,
        "too_short": advice.too_short,
        "workspaces": [ws.pk for ws in advice.workspaces],
        "method": method(),
        "assumptions": assumptions(),
        "candidates": [
            {
                "rank": rank, "key": c.key, "label": c.label, "kind": c.kind,
                "plan": c.plan.code if c.plan else None,
                "traffic": [{"item": tp.billing_item.code, "capacity": qty} for tp, qty in c.traffic],
                "yearly_price": c.yearly_price, "window_overage": c.window_overage,
                "projected_overage": c.projected_overage, "total": c.total,
                "saving_vs_payg": c.saving_vs_payg, "saving_vs_current": c.saving_vs_current,
                "items": c.items,
            }
            for rank, c in enumerate(advice.candidates, start=1)
        ],
    }
