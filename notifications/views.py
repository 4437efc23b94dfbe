"""Fee Center pages: high-spending alerts (owners and administrators manage them)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.money import parse_page_amount
from core.pagination import EstimatedCountPaginator
from core.parsing import parse_id
from notifications import selectors, services
from notifications.models import AlertRule
from plans.models import BillingItem
from workspaces.models import Capability, Workspace
from workspaces.tenancy import AccountScopedMixin, AccountScopedView, get_scoped_or_404

PAGE_SIZE = 50  # the history of what was sent, a page at a time


def _error_message(error: ApplicationError) -> str:
    known = {
        "alert_recipient_outside_account": _("Recipients must be members of this account."),
        "alert_unknown_workspace": _("Choose one of this account's workspaces."),
        "alert_duplicate": _("This workspace already has an alert for this billing item; edit it instead."),
    }
    if error.code in known:
        return known[error.code]
    if "threshold" in error.fields:
        return _("Enter a threshold greater than zero, with at most two decimal places and at most 100,000,000.")
    return error.message


def _posted(request) -> dict:
    return {"workspace": request.POST.get("workspace", ""), "billing_item": request.POST.get("billing_item", ""),
            "threshold": request.POST.get("threshold", ""), "recipients": request.POST.getlist("recipients")}


class AlertListView(AccountScopedMixin, TemplateView):
    template_name = "notifications/alert_list.html"
    write_capability = Capability.MANAGE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            rules=selectors.alert_rule_list(account=self.account),
            page=(page := EstimatedCountPaginator(selectors.alert_event_list(account=self.account), PAGE_SIZE)
                  .get_page(self.request.GET.get("page"))),
            events=page.object_list,
            workspaces=Workspace.objects.for_account(self.account).order_by("name"),
            items=BillingItem.objects.order_by("sort_order"),
            members=selectors.member_choices(account=self.account),
        )
        return context

    def application_error(self, request, error: ApplicationError):
        """Errors are shown next to their field with every input kept (400), never as a lone banner."""
        context = self.get_context_data(posted=_posted(request), field_errors=_field_errors(error))
        return self.render_to_response(context, status=400)

    def post(self, request, account_id: int):
        posted = _posted(request)
        services.alert_rule_create(
            account=self.account,
            actor=request.user,
            workspace_id=_int(posted["workspace"]),
            billing_item_id=_int(posted["billing_item"]) or None,
            threshold=_threshold(posted["threshold"]),
            recipient_ids=posted["recipients"],
        )
        messages.success(request, _("Alert saved."))
        return redirect("alert-list", account_id=self.account.pk)


def _threshold(raw: str) -> object:
    """The threshold as people type it ("1,000", "¥500"): read by core.money's page parser; an unreadable one
    goes to the service as typed, which refuses it with the threshold's message."""
    try:
        return parse_page_amount(raw)
    except ValueError:
        return raw


def _field_errors(error: ApplicationError) -> dict[str, list[str]]:
    field = next((name for name in ("threshold", "workspace", "recipients") if name in error.fields), None)
    if field is None:
        field = {"alert_recipient_outside_account": "recipients", "alert_unknown_workspace": "workspace",
                 "alert_duplicate": "workspace"}.get(error.code, "form")
    return {field: [_error_message(error)]}


def _int(raw) -> int:
    return parse_id(raw) or 0  # ASCII digits only (core.parsing); anything else is "none chosen"


class AlertEditView(AccountScopedMixin, TemplateView):
    template_name = "notifications/alert_edit.html"
    write_capability = Capability.MANAGE

    def get_rule(self) -> AlertRule:
        return get_scoped_or_404(AlertRule.objects.for_account(self.account), pk=self.kwargs["rule_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rule = self.get_rule()
        context.update(
            rule=rule,
            chosen={m.pk for m in rule.recipients.all()},
            members=selectors.member_choices(account=self.account),
        )
        return context

    def application_error(self, request, error: ApplicationError):
        context = self.get_context_data(field_errors=_field_errors(error),
                                        posted={"threshold": request.POST.get("threshold", "")})
        return self.render_to_response(context, status=400)

    def post(self, request, account_id: int, rule_id: int):
        rule = self.get_rule()
        services.alert_rule_update(
            rule=rule, threshold=_threshold(request.POST.get("threshold", "")),
            recipient_ids=request.POST.getlist("recipients"), is_active=bool(request.POST.get("is_active")),
        )
        messages.success(request, _("Alert saved."))
        return redirect("alert-list", account_id=self.account.pk)


class AlertDeleteView(AccountScopedView):
    http_method_names = ["post"]
    write_capability = Capability.MANAGE

    def post(self, request, account_id: int, rule_id: int):
        rule = get_scoped_or_404(AlertRule.objects.for_account(self.account), pk=rule_id)
        services.alert_rule_delete(rule=rule)
        messages.success(request, _("Alert deleted."))
        return redirect("alert-list", account_id=self.account.pk)
