"""Plan management: the packages, and changes to a live one (workspace order, an added workspace, an upgrade,
added traffic). The days and prices of a change come from orders/pricing.change_window."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.days import account_today
from core.exceptions import ApplicationError
from core.models import FinanceSettings
from core.pages import attempt
from orders import selectors
from orders.error_codes import OrdersErrorCode
from orders.forms import PackageWorkspacesForm, PlanChoiceForm, TrafficForm, error_list
from orders.models import Package
from orders.packages import package_add_workspace, package_reorder_workspaces
from orders.pricing import (
    LIVE_PACKAGE_STATUSES,
    change_window,
    order_figures,
    paid_plan_price,
    quote_total,
    quote_traffic_lines,
    upgrade_options,
)
from orders.purchase import order_create_traffic, order_create_upgrade
from orders.validation import current_rows_q
from plans import selectors as plan_selectors
from plans.models import Plan
from workspaces.models import Capability
from workspaces.tenancy import AccountScopedMixin, AccountScopedView, get_scoped_or_404


class PackageListView(AccountScopedMixin, TemplateView):
    """Plan management: packages with validity, status, plan, workspaces in order, traffic packages."""

    template_name = "orders/package_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        packages = list(selectors.package_list(account=self.account))
        coverable = list(selectors.coverable_workspaces(account=self.account))
        today = account_today(self.account)
        failed = selectors.failed_auto_renewals(account=self.account, packages=packages)
        context["packages"] = [
            {"obj": p, "workspaces": selectors.current_workspaces(p),
             "live": p.status in LIVE_PACKAGE_STATUSES and p.ends_on > today,
             "renewal": selectors.renewal_of_package(p),
             "renewable": p.status in LIVE_PACKAGE_STATUSES and p.ends_on >= today,
             "auto_renew_failure": failed.get(p.pk)}
            for p in packages
        ]
        context["chains"] = selectors.package_chains(context["packages"])
        context["coverable"] = coverable
        context["buying_blocked"] = selectors.account_has_locked_workspaces(account=self.account)
        context["auto_renew_days"] = FinanceSettings.load().auto_renew_days_before
        context["today"] = today
        return context


class PackageWorkspacesView(AccountScopedView):
    """Reorder the package's workspaces (position inputs) or add one; effective the next billing day."""

    http_method_names = ["post"]

    def post(self, request, account_id: int, package_id: int):
        package = get_scoped_or_404(Package.objects.for_account(self.account), pk=package_id)
        current = list(package.package_workspaces.filter(current_rows_q(prefix="")).order_by("position")
                       .values_list("workspace_id", flat=True))
        form = PackageWorkspacesForm(request.POST, account=self.account, current_ids=current)
        if not form.is_valid():
            for message in error_list(form):
                messages.error(request, message)
        elif form.adding:
            workspace = form.cleaned_data["workspace"]
            package_add_workspace(package=package, workspace=workspace, actor=request.user)
            messages.success(request, _("%(name)s will be covered from the next billing day.")
                             % {"name": workspace.name})
        else:
            package_reorder_workspaces(
                package=package, workspaces=form.cleaned_data["workspaces"], actor=request.user
            )
            messages.success(request, _("The new order applies from the next billing day."))
        return redirect("orders-packages", account_id=self.account.pk)

    def error_redirect_url(self) -> str:
        return reverse("orders-packages", kwargs={"account_id": self.account.pk})


class _PackageChangeMixin(AccountScopedMixin):
    read_capability = Capability.SPEND

    def get_package(self) -> Package:
        return get_scoped_or_404(
            Package.objects.for_account(self.account).select_related("plan", "plan_version", "account"),
            pk=self.kwargs["package_id"],
        )


class PackageUpgradeView(_PackageChangeMixin, TemplateView):
    """Upgrade: the bigger packages with their prorated price; choosing one creates its order."""

    template_name = "orders/package_upgrade.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        package = self.get_package()
        options: list[dict] = []
        window, refusal = attempt(lambda: change_window(package))
        if window is not None:
            options = [{"plan": o.plan, "version": o.version, "price": o.price}
                       for o in upgrade_options(package, window)]
            context.update(effective=window.effective, remaining=window.remaining_days, total_days=window.total_days,
                           paid_price=paid_plan_price(package))
        context.update(package=package, options=options, error=refusal.message if refusal else None)
        return context

    def post(self, request, account_id: int, package_id: int):
        package = self.get_package()
        form = PlanChoiceForm(request.POST, plans=Plan.objects.all(), message=_("Choose the package to upgrade to."))
        if not form.is_valid():
            raise ApplicationError(error_list(form)[0], code=OrdersErrorCode.UNKNOWN_PLAN)
        order = order_create_upgrade(package=package, target_plan=form.cleaned_data["plan"],
                                              actor=request.user)
        return redirect("orders-pay", account_id=self.account.pk, order_id=order.pk)


class PackageTrafficView(_PackageChangeMixin, TemplateView):
    """Add traffic packages to a package, priced by its remaining days."""

    template_name = "orders/package_traffic.html"
    form: TrafficForm

    def get_context_data(self, chosen=None, raw=None, errors=(), field_errors=None, **kwargs):
        context = super().get_context_data(**kwargs)
        package = self.get_package()
        days = None
        window, refusal = attempt(lambda: change_window(package))
        error = refusal.message if refusal else None
        if window is not None:
            days = window.remaining_days
            context["effective"] = window.effective
        chosen = chosen or []
        figures = order_figures(self.account)  # the account's today, as the order will be priced
        lines = quote_traffic_lines(chosen, days, figures) if days and not errors else []
        context.update(
            package=package, days=days, error=error, errors=errors, lines=lines, total=quote_total(lines),
            rows=[{"tp": tp, "value": (raw or {}).get(tp.pk, ""), "errors": (field_errors or {}).get(tp.pk, [])}
                  for tp in plan_selectors.traffic_package_list(day=figures.day)],
        )
        return context

    def post(self, request, account_id: int, package_id: int):
        package = self.get_package()
        figures = order_figures(self.account)
        form = TrafficForm(request.POST, traffic_packages=plan_selectors.traffic_package_list(day=figures.day),
                           figures=figures)
        self.form = form
        errors = error_list(form)
        if not errors and request.POST.get("action") != "recalc":
            order = order_create_traffic(package=package, traffic=form.traffic, actor=request.user)
            return redirect("orders-pay", account_id=self.account.pk, order_id=order.pk)
        return self.render_to_response(self.get_context_data(chosen=form.traffic, raw=form.raw, errors=errors,
                                                             field_errors=form.field_errors),
                                       status=400 if errors else 200)

    def application_error(self, request, error: ApplicationError):
        """The form again with what was typed and the service's refusal (400)."""
        context = self.get_context_data(chosen=self.form.traffic, raw=self.form.raw, errors=[error.message])
        return self.render_to_response(context, status=400)
