"""The advisor's page: /a/<account_id>/advisor/ (owners and administrators; "Buy this" for the owner)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.views.generic import TemplateView

from advisor.inputs import parse_input
from advisor.presenters import assumptions, days_over, method
from advisor.replay import Advice, Candidate, default_workspaces
from advisor.replay import advise as replay_advise
from core import formatting
from core.pages import attempt
from workspaces.models import Capability, Workspace
from workspaces.tenancy import AccountScopedMixin


def buy_url(account_id: int, candidate: Candidate, workspaces: list[Workspace]) -> str:
    """The purchase wizard, pre-filled (orders.views.wizard reads plan, traffic and workspaces)."""
    query = {"plan": candidate.plan.pk if candidate.plan else "",
             "traffic": ",".join(f"{tp.billing_item.code}:{qty}" for tp, qty in candidate.traffic),
             "workspaces": ",".join(str(ws.pk) for ws in workspaces)}
    return reverse("orders-buy", kwargs={"account_id": account_id}) + "?" + urlencode(query)


def chart_data(advice: Advice, account: Any) -> dict[str, Any]:
    """Per top candidate with packages, per item: daily converted usage against the daily capacity. Names in the
    reader's language (BillingItem.__str__ translates the seeded name; the charts show them as titles)."""
    labels = [formatting.day(day, account) for day in advice.day_list]
    return {"labels": labels, "candidates": [
        {"key": c.key, "label": c.label, "items": [
            {"item": str(s.item), "usage": s.daily_converted, "capacity": [s.capacity] * len(labels)}
            for s in c.items]}
        for c in advice.top if c.items
    ]}


class AdvisorView(AccountScopedMixin, TemplateView):
    template_name = "advisor/advice.html"
    read_capability = Capability.VIEW_BILLING

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        context["commercial"] = default_workspaces(self.account)
        context["form"] = {"days": params.get("days", ""), "workspaces": params.get("workspaces", "")}
        context["errors"] = {}
        context["days"], context["workspaces_text"] = "", ""
        parsed, error = attempt(
            lambda: parse_input(account=self.account, days=params.get("days"), workspaces=params.get("workspaces")))
        if parsed is None:  # the form again, each error next to its field
            context["errors"] = error.fields if error else {}
            return context
        advice = replay_advise(account=self.account, days=parsed.days, workspaces=parsed.workspaces)
        can_buy = self.membership.can(Capability.SPEND)
        for candidate in advice.top:
            candidate.buy_url = (buy_url(self.account.pk, candidate, advice.workspaces)
                                 if can_buy and candidate.buyable else None)
        for candidate in advice.candidates:
            candidate.days_over = days_over(candidate)
        context.update(advice=advice, method=method(), assumptions=assumptions(),
                       charts=chart_data(advice, self.account), days=parsed.days,
                       workspaces_text=",".join(str(ws.pk) for ws in advice.workspaces))
        return context
