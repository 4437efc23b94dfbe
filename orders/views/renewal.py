"""Renewing a package (a renewal order, paid at the cashier) and the auto-renew opt-in. The dates, prices
and checks are the services' (orders/renewal.py)."""

from __future__ import annotations

import datetime
from functools import partial

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.days import account_today
from core.exceptions import ApplicationError
from core.models import FinanceSettings
from core.money import ZERO
from core.pages import attempt
from orders import selectors
from orders.forms import error_list
from orders.forms_renewal import RenewalForm
from orders.models import Package
from orders.pricing import order_figures, plan_version_on_sale, quote_purchase, quote_total
from orders.renewal import (
    check_renewable,
    current_workspaces_in_order,
    order_create_renewal,
    package_set_auto_renew,
    renewable_plans,
    renewal_dates,
    traffic_at_end,
)
from payments import selectors as payment_selectors
from payments.autopay import plan_wallet_tenders
from workspaces.models import Capability
from workspaces.tenancy import AccountScopedMixin, get_scoped_or_404


class PackageRenewView(AccountScopedMixin, TemplateView):
    """The renewal page: the plan (same or bigger), the workspaces in order (ticked: kept; numbers: the
    order), the traffic packages to keep; creating the order leads to the cashier."""

    template_name = "orders/package_renew.html"
    read_capability = Capability.SPEND

    def get_package(self) -> Package:
        return get_scoped_or_404(Package.objects.for_account(self.account).select_related("plan", "account"),
                                 pk=self.kwargs["package_id"])

    def _candidates(self, package: Package) -> tuple[list, list]:
        kept = current_workspaces_in_order(package)
        kept_ids = {ws.pk for ws in kept}
        others = [ws for ws in selectors.coverable_workspaces(account=self.account) if ws.pk not in kept_ids]
        return kept, others

    def get_context_data(self, errors=(), form_data=None, **kwargs):
        context = super().get_context_data(**kwargs)
        package = self.get_package()
        _ok, refusal = attempt(lambda: check_renewable(package))
        error = refusal.message if refusal else None
        figures = order_figures(self.account)
        plans = []
        for plan in renewable_plans(package):
            version, _off_sale = attempt(partial(plan_version_on_sale, plan, figures))
            if version is None:
                continue
            price = version.price
            plans.append({"plan": plan, "price": price, "starts_on": renewal_dates(package, plan)[0],
                          "ends_on": renewal_dates(package, plan)[1]})
        kept, others = self._candidates(package)
        data = form_data or {}
        rows = [{"ws": ws, "checked": (f"include_{ws.pk}" in data) if data else True,
                 "position": data.get(f"position_{ws.pk}", i if not data else "")}
                for i, ws in enumerate(kept, start=1)]
        rows += [{"ws": ws, "checked": f"include_{ws.pk}" in data, "position": data.get(f"position_{ws.pk}", "")}
                 for ws in others]
        chosen_plan = str(data.get("plan", package.plan_id))
        context.update(package=package, error=error, errors=errors, plans=plans, rows=rows,
                       chosen_plan=chosen_plan, traffic=traffic_at_end(package),
                       keep_traffic=bool(data.get("keep_traffic")))
        return context

    def post(self, request, account_id: int, package_id: int):
        package = self.get_package()
        kept, others = self._candidates(package)
        form = RenewalForm(request.POST, plans=renewable_plans(package), candidates=kept + others)
        errors = error_list(form)
        if not errors:
            order = order_create_renewal(
                package=package, plan=form.cleaned_data["plan"], workspaces=form.cleaned_data["workspaces"],
                traffic=traffic_at_end(package) if form.cleaned_data.get("keep_traffic") else [],
                actor=request.user,
            )
            return redirect("orders-pay", account_id=self.account.pk, order_id=order.pk)
        return self.render_to_response(self.get_context_data(errors=errors, form_data=request.POST), status=400)

    def application_error(self, request, error: ApplicationError):
        """The renewal form again with what was chosen and the service's refusal (400)."""
        context = self.get_context_data(errors=[error.message], form_data=request.POST)
        return self.render_to_response(context, status=400)


class PackageAutoRenewView(AccountScopedMixin, TemplateView):
    """Automatic renewal: turning it on is confirmed on this page (GET), which states the amount (today's
    prices for the same plan, the current workspaces and the traffic in force on the last day), the tenders it
    would use (payments.autopay.plan_wallet_tenders: the wallet in the settlement order, as the renewal pass
    pays) and the first day it will try to charge. POST `auto_renew` = "on" (with `confirmed=1`) / "off"."""

    template_name = "orders/package_auto_renew.html"
    read_capability = Capability.SPEND

    def get_package(self) -> Package:
        return get_scoped_or_404(Package.objects.for_account(self.account).select_related("plan"),
                                 pk=self.kwargs["package_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        package = self.get_package()
        figures = order_figures(self.account)
        traffic = traffic_at_end(package)
        lines = quote_purchase(package.plan, traffic, figures)
        total = quote_total(lines)
        excluded = sum((line.amount for line, (tp, _c) in zip(lines[1:], traffic, strict=True)
                        if not tp.billing_item.voucher_payable), ZERO)
        plan = plan_wallet_tenders(account=self.account, amount=total,
                                   voucher_payable_amount=total - excluded if excluded else None)
        labels = ({("card", c.pk): f"{_('Prepaid card')} {c.number}"
                   for c in payment_selectors.usable_cards(account=self.account)}
                  | {("voucher", v.pk): f"{v.get_kind_display()} {v}"
                     for v in payment_selectors.usable_vouchers(account=self.account)})
        today = account_today(self.account)
        first_try = max(today, package.ends_on - datetime.timedelta(days=FinanceSettings.load().auto_renew_days_before))
        context.update(
            package=package, plan_price=lines[0].amount, total=total, first_try=first_try, shortfall=plan.shortfall,
            traffic=[{"tp": tp, "capacity": capacity, "amount": line.amount}
                     for line, (tp, capacity) in zip(lines[1:], traffic, strict=True)],
            starts_on=renewal_dates(package, package.plan)[0],
            tenders=[{"label": labels.get((t.kind, t.instrument_id), _("Cash balance")), "amount": t.amount}
                     for t in plan.tenders],
        )
        return context

    def post(self, request, account_id: int, package_id: int):
        package = self.get_package()
        enabled = request.POST.get("auto_renew") == "on"
        if enabled and request.POST.get("confirmed") != "1":  # never on in one click: the page says what it costs
            return redirect("orders-package-auto-renew", account_id=self.account.pk, package_id=package.pk)
        package_set_auto_renew(package=package, enabled=enabled, actor=request.user)
        messages.success(request, _("Automatic renewal is on.") if enabled else _("Automatic renewal is off."))
        return redirect("orders-packages", account_id=self.account.pk)

    def error_redirect_url(self) -> str:
        return reverse("orders-packages", kwargs={"account_id": self.account.pk})
