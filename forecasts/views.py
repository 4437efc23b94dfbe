"""Fee Center pages: the forecast (owners and administrators read it) and the warning rules (they manage them)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.money import parse_page_amount
from core.pagination import EstimatedCountPaginator
from forecasts import selectors, services
from forecasts.models import WarningKind, WarningRule
from orders.selectors import package_list
from plans.models import BillingItem
from workspaces.models import Capability, Workspace
from workspaces.tenancy import AccountScopedMixin, AccountScopedView, get_scoped_or_404

FIELDS = ("kind", "percent", "package", "billing_item", "consecutive_days", "runway_days", "balance_below", "name",
          "budget")

PAGE_SIZE = 50  # the history of what was sent, a page at a time


def _amount(raw: str) -> object:
    """An amount as people type it ("1,000", "¥500"), read by core.money's page parser; an unreadable one goes to
    the service as typed, which refuses it with the field's message."""
    if not raw.strip():
        return ""
    try:
        return parse_page_amount(raw)
    except ValueError:
        return raw


def _posted(request) -> dict:
    posted = {name: request.POST.get(name, "").strip() for name in FIELDS}
    posted["workspaces"] = request.POST.getlist("workspaces")
    posted["is_active"] = bool(request.POST.get("is_active"))
    return posted


def _input(posted: dict, kind: str) -> services.RuleInput:
    return services.RuleInput(
        kind=kind, is_active=posted["is_active"], percent=posted["percent"], package_id=posted["package"],
        billing_item_id=posted["billing_item"], consecutive_days=posted["consecutive_days"] or 1,
        runway_days=posted["runway_days"], balance_below=_amount(posted["balance_below"]), name=posted["name"],
        budget=_amount(posted["budget"]), workspace_ids=posted["workspaces"],
    )


def _field_errors(error: ApplicationError) -> dict[str, list[str]]:
    return dict(error.fields) if error.fields else {"form": [error.message]}


class _RuleFormMixin(AccountScopedMixin):
    write_capability = Capability.MANAGE
    posted: dict

    def application_error(self, request, error: ApplicationError):
        """Errors are shown next to their field with every input kept (400)."""
        context = self.get_context_data(posted=self.posted, field_errors=_field_errors(error))  # type: ignore[misc]
        return self.render_to_response(context, status=400)  # type: ignore[attr-defined]

    def form_context(self) -> dict:
        return {
            "kinds": WarningKind.choices,
            "packages": package_list(account=self.account),
            "items": BillingItem.objects.order_by("sort_order"),
            "workspaces": Workspace.objects.for_account(self.account).order_by("name"),
        }


class ForecastView(AccountScopedMixin, TemplateView):
    template_name = "forecasts/forecast.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(fc=selectors.month_forecast(account=self.account),
                       open_warnings=list(selectors.open_episodes(account=self.account)))
        return context


class WarningListView(_RuleFormMixin, TemplateView):
    template_name = "forecasts/warning_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.form_context())
        context.update(rules=selectors.warning_rule_list(account=self.account),
                       page=(page := EstimatedCountPaginator(selectors.recent_episodes(account=self.account),
                                                             PAGE_SIZE).get_page(self.request.GET.get("page"))),
                       episodes=page.object_list)
        context.setdefault("posted", {"kind": WarningKind.QUOTA, "is_active": True, "consecutive_days": "1"})
        return context

    def post(self, request, account_id: int):
        """Errors are shown next to their field with every input kept (400)."""
        posted = _posted(request)
        posted["is_active"] = True
        self.posted = posted
        services.warning_rule_create(account=self.account, data=_input(posted, posted["kind"]))
        messages.success(request, _("Warning saved."))
        return redirect("forecast-warnings", account_id=self.account.pk)


class WarningEditView(_RuleFormMixin, TemplateView):
    template_name = "forecasts/warning_edit.html"

    def get_rule(self) -> WarningRule:
        return get_scoped_or_404(WarningRule.objects.for_account(self.account), pk=self.kwargs["rule_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rule = self.get_rule()
        context.update(self.form_context())
        context["rule"] = rule
        context.setdefault("posted", {
            "kind": rule.kind, "is_active": rule.is_active, "percent": rule.percent or "",
            "package": rule.package_id or "", "billing_item": rule.billing_item_id or "",
            "consecutive_days": rule.consecutive_days, "runway_days": rule.runway_days or "",
            "balance_below": rule.balance_below or "", "name": rule.name, "budget": rule.budget or "",
            "workspaces": [str(w.pk) for w in rule.workspaces.all()],
        })
        return context

    def post(self, request, account_id: int, rule_id: int):
        rule = self.get_rule()
        posted = _posted(request)
        posted["kind"] = rule.kind
        self.posted = posted
        services.warning_rule_update(rule=rule, data=_input(posted, rule.kind))
        messages.success(request, _("Warning saved."))
        return redirect("forecast-warnings", account_id=self.account.pk)


class WarningDeleteView(AccountScopedView):
    http_method_names = ["post"]
    write_capability = Capability.MANAGE

    def post(self, request, account_id: int, rule_id: int):
        rule = get_scoped_or_404(WarningRule.objects.for_account(self.account), pk=rule_id)
        services.warning_rule_delete(rule=rule)
        messages.success(request, _("Warning deleted."))
        return redirect("forecast-warnings", account_id=self.account.pk)
