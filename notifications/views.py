"""Fee Center pages: high-spending alerts (owners and administrators manage them)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.parsing import parse_id
from workspaces.tenancy import AccountScopedMixin, AccountScopedView, get_scoped_or_404
from notifications import selectors, services
from notifications.models import AlertRule
from plans.models import BillingItem
from workspaces.models import Capability, Workspace


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


class AlertListView(AccountScopedMixin, TemplateView):
    template_name = "notifications/alert_list.html"
    write_capability = Capability.MANAGE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            rules=selectors.alert_rule_list(account=self.account),
            events=selectors.alert_event_list(account=self.account),
            workspaces=Workspace.objects.for_account(self.account).order_by("name"),
            items=BillingItem.objects.order_by("sort_order"),
            members=selectors.member_choices(account=self.account),
        )
        return context

    def post(self, request, account_id: int):
        try:
            services.alert_rule_create(
                account=self.account,
                actor=request.user,
                workspace_id=_int(request.POST.get("workspace")),
                billing_item_id=_int(request.POST.get("billing_item")) or None,
                threshold=request.POST.get("threshold", ""),
                recipient_ids=request.POST.getlist("recipients"),
            )
        except ApplicationError as error:
            messages.error(request, _error_message(error))
        else:
            messages.success(request, _("Alert saved."))
        return redirect("alert-list", account_id=self.account.pk)


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

    def post(self, request, account_id: int, rule_id: int):
        rule = self.get_rule()
        try:
            services.alert_rule_update(
                rule=rule, threshold=request.POST.get("threshold", ""),
                recipient_ids=request.POST.getlist("recipients"), is_active=bool(request.POST.get("is_active")),
            )
        except ApplicationError as error:
            messages.error(request, _error_message(error))
            return redirect("alert-edit", account_id=self.account.pk, rule_id=rule.pk)
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
