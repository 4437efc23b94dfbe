from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core import days, formatting
from core.exceptions import ApplicationError
from workspaces import selectors, services
from workspaces.models import Capability, Workspace
from workspaces.people_views import member_home_context
from workspaces.tenancy import AccountScopedMixin, AccountScopedView, get_scoped_or_404


def _back_url(request, account) -> str:
    """Back to `next` when it is a path of this site (the purchase wizard links here with one), else the list."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("workspace-list", kwargs={"account_id": account.pk})


def _back(request, account):
    return redirect(_back_url(request, account))


class _BackMixin:
    """An application error sends the user back where the success would (`next` or the list)."""

    def error_redirect_url(self) -> str:
        return _back_url(self.request, self.account)  # type: ignore[attr-defined]


class HomeView(AccountScopedMixin, TemplateView):
    """Home: balances, active packages, shortcuts (panels come from each app's template tags). A Member, who
    sees no billing, lands on the member page instead (workspaces/people_views.py)."""

    template_name = "workspaces/home.html"
    read_capability = Capability.SEE_ACCOUNT

    def get_template_names(self):
        if not self.membership.can(Capability.VIEW_BILLING):
            return ["workspaces/people/member_home.html"]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.membership.can(Capability.VIEW_BILLING):
            context.update(member_home_context(self.account, self.membership))
        return context


class WorkspaceListView(_BackMixin, AccountScopedMixin, TemplateView):
    template_name = "workspaces/workspace_list.html"
    write_capability = Capability.MANAGE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["workspaces"] = selectors.workspace_list(account=self.account)
        return context

    def post(self, request, account_id: int):
        workspace = services.workspace_create(account=self.account, name=request.POST.get("name", ""))
        messages.success(request, _("Workspace %(name)s created on the Free plan.") % {"name": workspace.name})
        return _back(request, self.account)


class WorkspaceDetailView(AccountScopedMixin, TemplateView):
    """One workspace: its plan and status, the packages that cover it (orders' panel), its storage policies
    with any pending change, this month's usage (quota's panel) and, on the Free plan, the upgrade."""

    template_name = "workspaces/workspace_detail.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        workspace = get_scoped_or_404(Workspace.objects.for_account(self.account), pk=kwargs["workspace_id"])
        context.update(
            workspace=workspace,
            items=selectors.workspace_storage_policies(account=self.account, workspace=workspace),
        )
        return context


class WorkspaceUpgradeView(_BackMixin, AccountScopedView):
    http_method_names = ["post"]

    def post(self, request, account_id: int, workspace_id: int):
        workspace = get_scoped_or_404(Workspace.objects.for_account(self.account), pk=workspace_id)
        services.workspace_upgrade_to_commercial(workspace=workspace)
        messages.success(request, _("%(name)s is now on the Commercial plan.") % {"name": workspace.name})
        return _back(request, self.account)


class WorkspaceStoragePolicyView(AccountScopedMixin, TemplateView):
    """A workspace's storage policy per billing item: the policy in force, any pending change and the price
    difference of each option. Choosing one shows a confirmation that says from which day it applies (GET
    ?item=&storage_policy_id=); confirming POSTs it. Owners and administrators change it."""

    template_name = "workspaces/storage_policies.html"
    write_capability = Capability.MANAGE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        workspace = kwargs["workspace"]
        items = selectors.workspace_storage_policies(account=self.account, workspace=workspace)
        context.update(
            workspace=workspace, items=items, applies_from=days.next_billing_day(self.account),
            errors=kwargs.get("errors") or {}, error_item=kwargs.get("error_item"),
            review=None,
        )
        review = kwargs.get("review")
        if review is not None:
            item, policy = review
            entry = next((e for e in items if e.item.pk == item.pk), None)
            if entry is not None:
                context["review"] = {"entry": entry, "option": entry.option(policy)}
        return context

    def _workspace(self, workspace_id: int) -> Workspace:
        return get_scoped_or_404(Workspace.objects.for_account(self.account), pk=workspace_id)

    def application_error(self, request, error: ApplicationError):
        """The page again with the error next to the item it concerns (400), for the review (GET) and the
        confirmation (POST) alike."""
        data = request.POST if request.method == "POST" else request.GET
        context = self.get_context_data(workspace=self._workspace(self.kwargs["workspace_id"]),
                                        errors=_page_errors(error), error_item=data.get("item"))
        return self.render_to_response(context, status=400)

    def get(self, request, account_id: int, workspace_id: int):
        workspace = self._workspace(workspace_id)
        review, errors, error_item = None, {}, None
        if "item" in request.GET or "storage_policy_id" in request.GET:
            if not self.membership.can(Capability.MANAGE):
                errors = {"general": [_("Only owners and administrators change storage policies.")]}
            else:
                review = services.storage_policy_resolve(
                    item_code=request.GET.get("item"), storage_policy_id=request.GET.get("storage_policy_id")
                )
        return self.render_to_response(
            self.get_context_data(workspace=workspace, review=review, errors=errors, error_item=error_item),
            status=400 if errors else 200,
        )

    def post(self, request, account_id: int, workspace_id: int):
        workspace = self._workspace(workspace_id)
        item, policy = services.storage_policy_resolve(
            item_code=request.POST.get("item"), storage_policy_id=request.POST.get("storage_policy_id")
        )
        change = services.workspace_storage_policy_set(workspace=workspace, billing_item=item, storage_policy=policy)
        if change.outcome == "scheduled":
            messages.success(request, _("%(item)s: %(policy)s applies from %(day)s.") % {
                "item": _(item.name), "policy": _policy_label(policy), "day": formatting.day(change.valid_from),
            })
        elif change.outcome == "cancelled":
            messages.success(request, _("%(item)s: the pending change was cancelled; %(policy)s stays in force.") % {
                "item": _(item.name), "policy": _policy_label(policy),
            })
        else:
            messages.info(request, _("%(item)s: %(policy)s is already in force.") % {
                "item": _(item.name), "policy": _policy_label(policy),
            })
        return redirect("workspace-storage-policies", account_id=self.account.pk, workspace_id=workspace.pk)


def _policy_label(policy) -> str:
    if policy.retention_days:
        return _("%(days)s days retention") % {"days": policy.retention_days}
    return _("the default retention")


def _page_errors(error: ApplicationError) -> dict[str, list[str]]:
    """Field errors of a service error, translated for the page; the message when it names no field."""
    messages_by_field = {
        "item": _("Unknown billing item."),
        "storage_policy_id": _("Choose one of this item's storage policies."),
    }
    fields = {name: [messages_by_field.get(name, error.message)] for name in error.fields}
    return fields or {"general": [error.message]}
