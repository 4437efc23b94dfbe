from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.tenancy import AccountScopedMixin, AccountScopedView, get_scoped_or_404
from workspaces import selectors, services
from workspaces.models import Capability, Workspace


class HomeView(AccountScopedMixin, TemplateView):
    """Home: balances, active packages, shortcuts (panels come from each app's template tags)."""

    template_name = "workspaces/home.html"


class WorkspaceListView(AccountScopedMixin, TemplateView):
    template_name = "workspaces/workspace_list.html"
    write_capability = Capability.MANAGE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["workspaces"] = selectors.workspace_list(account=self.account)
        return context

    def post(self, request, account_id: int):
        try:
            workspace = services.workspace_create(account=self.account, name=request.POST.get("name", ""))
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Workspace %(name)s created on the Free plan.") % {"name": workspace.name})
        return redirect("workspace-list", account_id=self.account.pk)


class WorkspaceUpgradeView(AccountScopedView):
    http_method_names = ["post"]

    def post(self, request, account_id: int, workspace_id: int):
        workspace = get_scoped_or_404(Workspace.objects.for_account(self.account), pk=workspace_id)
        try:
            services.workspace_upgrade_to_commercial(workspace=workspace)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(name)s is now on the Commercial plan.") % {"name": workspace.name})
        return redirect("workspace-list", account_id=self.account.pk)
