"""The purchase wizard of the seeds: plan -> traffic -> workspaces -> confirm (then the cashier).

The wizard keeps its draft in the session (per account) until the confirm step creates the order; prices on
every page are computed on the server from the catalogue."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from core.money import quantize
from core.pages import attempt
from core.parsing import is_id, parse_id
from orders import selectors
from orders.forms import PlanChoiceForm, TrafficForm, WizardWorkspacesForm, error_list
from orders.models import Package, PackageWorkspace
from orders.pricing import change_window, order_figures, quote_purchase, quote_total, quote_traffic_lines
from orders.purchase import order_create_purchase
from plans import selectors as plan_selectors
from plans.models import Plan, TrafficPackage
from plans.selectors import Figures
from workspaces.models import Capability, Workspace
from workspaces.tenancy import AccountScopedMixin


def _draft_key(account) -> str:
    return f"orders:wizard:{account.pk}"


def forget_draft(request, account) -> None:
    """The draft ends when its order is paid (the success page), not when the order is created: Back from
    the cashier to the confirm step shows the same choices (and the order they already made)."""
    request.session.pop(_draft_key(account), None)


# The natural unit of each seeded billing item's daily capacity (a plan card says "2,000,000 entries a day").
CAPACITY_UNITS = {
    "datakit": gettext_lazy("hosts"), "log": gettext_lazy("entries"), "apm": gettext_lazy("traces"),
    "rum": gettext_lazy("PV"), "task": gettext_lazy("calls"), "api": gettext_lazy("calls"),
    "backup_log": gettext_lazy("entries"), "sms": gettext_lazy("messages"),
}


def capacity_unit(item) -> str:
    """The unit of a daily capacity: the seeded item's, else its pricing unit's label without the number."""
    if item.code in CAPACITY_UNITS:
        return str(CAPACITY_UNITS[item.code])
    return _(item.unit_label).split(" ", 1)[-1]


def _position_rank(raw: str) -> int:
    return int(raw) if is_id(raw, max_digits=5) else 10**6


class WizardMixin(AccountScopedMixin):
    """Owner-only pages of the purchase wizard."""

    read_capability = Capability.SPEND
    write_capability = Capability.SPEND

    def draft(self) -> dict:
        return dict(self.request.session.get(_draft_key(self.account), {}))

    def save_draft(self, **changes: Any) -> None:
        draft = self.draft()
        draft.update(changes)
        self.request.session[_draft_key(self.account)] = draft

    def draft_plan(self) -> Plan | None:
        plan_id = self.draft().get("plan")
        return next((p for p in plan_selectors.plan_list(day=self.catalogue_day()) if p.pk == plan_id), None) \
            if plan_id else None

    def figures(self) -> Figures:
        """The wizard shows, checks and quotes the figures in force on the account's today (what the order
        will use), never the vendor's today: read once per request."""
        if not hasattr(self, "_figures"):
            self._figures = order_figures(self.account)
        return self._figures

    def catalogue_day(self) -> datetime.date:
        return self.figures().day

    def traffic_form(self, data) -> TrafficForm:
        return TrafficForm(data, traffic_packages=plan_selectors.traffic_package_list(day=self.catalogue_day()),
                           figures=self.figures())

    def draft_traffic(self) -> list[tuple[TrafficPackage, int]]:
        items = self.draft().get("traffic", [])
        packages = {tp.pk: tp for tp in plan_selectors.traffic_package_list(day=self.catalogue_day())}
        return [(packages[i], c) for i, c in items if i in packages]

    def draft_workspaces(self) -> list[Workspace]:
        ids = self.draft().get("workspaces", [])
        found = {ws.pk: ws for ws in Workspace.objects.for_account(self.account).filter(pk__in=ids)}
        return [found[i] for i in ids if i in found]

    def get_context_data(self, **kwargs):
        """Every wizard page gets `summary` (the sticky order summary) and `coverage` (which workspaces a new
        package can cover; step 1 warns when none can)."""
        context = super().get_context_data(**kwargs)
        if self.template_name == "orders/_traffic_quote.html":
            return context
        plan = self.draft_plan()
        traffic = quote_traffic_lines(self.draft_traffic(), plan.validity_days, self.figures()) if plan else []
        context["summary"] = {"plan": plan, "traffic": traffic, "workspaces": self.draft_workspaces(),
                              "total": quantize(plan.figures.price + quote_total(traffic)) if plan else None}
        workspaces = list(Workspace.objects.for_account(self.account).order_by("name", "id"))
        covered = set(PackageWorkspace.objects.filter(workspace__in=workspaces, valid_until__isnull=True)
                      .values_list("workspace_id", flat=True))
        context["coverage"] = {
            "coverable": [ws for ws in workspaces if ws.is_commercial and ws.pk not in covered],
            "covered": [ws for ws in workspaces if ws.pk in covered],
            "free": [ws for ws in workspaces if not ws.is_commercial],
        }
        return context


class BuyPlanView(WizardMixin, TemplateView):
    """Step 1: choose the annual package (capacities, price, saving against PAYG)."""

    template_name = "orders/buy_plan.html"

    def get(self, request, *args, **kwargs):
        """Pre-fill (the package advisor's "Buy this"): `?plan=<id>&traffic=<item>:<capacity>,...&workspaces=
        <id>,<id>` replaces the draft's choices; pieces that name nothing on sale or of this account are dropped
        (every later step validates the draft as usual)."""
        query = request.GET
        if "plan" in query:
            plan_id = parse_id(query.get("plan"))
            day = self.catalogue_day()
            on_sale = {tp.billing_item.code: tp.pk for tp in plan_selectors.traffic_package_list(day=day)}
            pairs = [p.split(":", 1) for p in query.get("traffic", "").split(",") if ":" in p]
            traffic = [[on_sale[code], int(cap)] for code, cap in pairs
                       if code in on_sale and is_id(cap, max_digits=15)]
            ids = [int(i) for i in query.get("workspaces", "").split(",") if is_id(i)]
            owned = set(Workspace.objects.for_account(self.account).filter(pk__in=ids).values_list("pk", flat=True))
            if any(p.pk == plan_id for p in plan_selectors.plan_list(day=day)):
                self.save_draft(plan=plan_id, traffic=traffic, workspaces=[i for i in ids if i in owned])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plans = plan_selectors.plan_list(day=self.catalogue_day())
        context["plans"] = plans
        context["payg_days"] = plan_selectors.PAYG_EQUIVALENT_DAYS
        context["selected"] = self.draft().get("plan")
        context["rows"] = [{**row, "unit": capacity_unit(row["item"])} for row in plan_selectors.capacity_rows(plans)]
        context["step"] = 1
        return context

    def post(self, request, account_id: int):
        form = PlanChoiceForm(request.POST, plans=plan_selectors.plan_list(day=self.catalogue_day()),
                              message=_("Choose one of the plan packages."))
        if not form.is_valid():
            for message in error_list(form):
                messages.error(request, message)
            return redirect("orders-buy", account_id=self.account.pk)
        self.save_draft(plan=form.cleaned_data["plan"].pk)
        return redirect("orders-buy-traffic", account_id=self.account.pk)


class BuyTrafficView(WizardMixin, TemplateView):
    """Step 2: optional traffic packages, priced live (htmx) or with the recalculate button."""

    template_name = "orders/buy_traffic.html"

    def get(self, request, *args, **kwargs):
        if self.draft_plan() is None:
            return redirect("orders-buy", account_id=self.account.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, chosen=None, raw=None, errors=(), field_errors=None, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.draft_plan()
        traffic_packages = list(plan_selectors.traffic_package_list(day=self.catalogue_day()))
        if chosen is None:
            chosen = self.draft_traffic()
            raw = {tp.pk: str(capacity) for tp, capacity in chosen}
        context.update(
            plan=plan, step=2, errors=errors,
            rows=[{"tp": tp, "value": (raw or {}).get(tp.pk, ""), "errors": (field_errors or {}).get(tp.pk, [])}
                  for tp in traffic_packages],
            lines=quote_traffic_lines(chosen, plan.validity_days, self.figures()) if not errors else [],
            days=plan.validity_days,
        )
        context["total"] = quote_total(context["lines"])
        return context

    def post(self, request, account_id: int):
        plan = self.draft_plan()
        if plan is None:
            return redirect("orders-buy", account_id=self.account.pk)
        form = self.traffic_form(request.POST)
        errors = error_list(form)
        if errors or request.POST.get("action") == "recalc":
            context = self.get_context_data(chosen=form.traffic, raw=form.raw, errors=errors,
                                            field_errors=form.field_errors)
            return self.render_to_response(context, status=400 if errors else 200)
        self.save_draft(traffic=[[tp.pk, capacity] for tp, capacity in form.traffic])
        return redirect("orders-buy-workspaces", account_id=self.account.pk)


class TrafficQuoteView(WizardMixin, TemplateView):
    """The live price fragment of a traffic form (htmx GET): `days` for the purchase wizard (the plan's
    validity) or `package` for an added traffic package (its remaining days, orders/pricing.change_window)."""

    template_name = "orders/_traffic_quote.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        days = None
        package_id = self.request.GET.get("package", "")
        if is_id(package_id, max_digits=17):
            package = Package.objects.for_account(self.account).filter(pk=int(package_id)).first()
            if package is not None:
                window, refusal = attempt(lambda: change_window(package))
                if window is not None:
                    days = window.remaining_days
                elif refusal is not None:
                    context["errors"] = [refusal.message]
        else:
            plan = self.draft_plan()
            days = plan.validity_days if plan else None
        form = self.traffic_form(self.request.GET)
        context.setdefault("errors", error_list(form))
        lines = quote_traffic_lines(form.traffic, days, self.figures()) if days and not context["errors"] else []
        context.update(lines=lines, total=quote_total(lines), days=days)
        return context


class BuyWorkspacesView(WizardMixin, TemplateView):
    """Step 3: pick commercial workspaces and give them an order (position numbers)."""

    template_name = "orders/buy_workspaces.html"

    def get(self, request, *args, **kwargs):
        if self.draft_plan() is None:
            return redirect("orders-buy", account_id=self.account.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, errors=(), posted=None, **kwargs):
        context = super().get_context_data(**kwargs)
        chosen = self.draft().get("workspaces", [])
        workspaces = list(Workspace.objects.for_account(self.account).order_by("name", "id"))
        covered = set(
            PackageWorkspace.objects.filter(workspace__in=workspaces, valid_until__isnull=True)
            .values_list("workspace_id", flat=True)
        )
        rows = []
        for ws in workspaces:
            if posted is not None:
                checked = ws.pk in posted["checked"]
                position = posted["positions"].get(ws.pk, "")
                position_errors = posted.get("position_errors", {}).get(ws.pk, [])
            else:
                checked = ws.pk in chosen
                position = chosen.index(ws.pk) + 1 if ws.pk in chosen else ""
                position_errors = []
            rows.append({"ws": ws, "checked": checked, "position": position, "position_errors": position_errors,
                         "selectable": ws.is_commercial and ws.pk not in covered, "covered": ws.pk in covered})
        context.update(rows=rows, errors=errors, step=3, plan=self.draft_plan())
        if posted is not None:  # the summary lists what is ticked on the page, in the order it would take
            by_id = {ws.pk: ws for ws in workspaces}
            ticked = sorted((row for row in rows if row["checked"] and row["selectable"]),
                            key=lambda row: (_position_rank(str(row["position"])), row["ws"].name))
            context["summary"]["workspaces"] = [by_id[row["ws"].pk] for row in ticked]
        context["unpaid_orders"] = selectors.unpaid_orders_naming(
            account=self.account, workspace_ids=[ws.pk for ws in context["summary"]["workspaces"]],
            now=timezone.now())
        return context

    def post(self, request, account_id: int):
        if self.draft_plan() is None:
            return redirect("orders-buy", account_id=self.account.pk)
        form = WizardWorkspacesForm(request.POST, account=self.account)
        if not form.is_valid():
            context = self.get_context_data(errors=error_list(form),
                                            posted={"checked": set(form.checked), "positions": form.positions,
                                                    "position_errors": form.position_errors})
            return self.render_to_response(context, status=400)
        self.save_draft(workspaces=[ws.pk for ws in form.cleaned_data["workspaces"]])
        return redirect("orders-buy-confirm", account_id=self.account.pk)


class BuyConfirmView(WizardMixin, TemplateView):
    """Step 4: every line and the total; submitting creates the (unpaid) order and opens the cashier."""

    template_name = "orders/buy_confirm.html"

    def error_redirect_url(self) -> str:
        """A refused purchase goes back to the workspaces step, where most refusals are fixed."""
        return reverse("orders-buy-workspaces", kwargs={"account_id": self.account.pk})

    def get(self, request, *args, **kwargs):
        if self.draft_plan() is None:
            return redirect("orders-buy", account_id=self.account.pk)
        if not self.draft_workspaces():
            return redirect("orders-buy-workspaces", account_id=self.account.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.draft_plan()
        lines = quote_purchase(plan, self.draft_traffic(), self.figures())
        workspaces = self.draft_workspaces()
        context.update(plan=plan, lines=lines, total=quote_total(lines), workspaces=workspaces, step=4,
                       unpaid_orders=selectors.unpaid_orders_naming(
                           account=self.account, workspace_ids=[ws.pk for ws in workspaces], now=timezone.now()))
        return context

    def post(self, request, account_id: int):
        plan = self.draft_plan()
        if plan is None:
            return redirect("orders-buy", account_id=self.account.pk)
        workspaces = self.draft_workspaces()
        if request.POST.get("again") != "1" and selectors.unpaid_orders_naming(
                account=self.account, workspace_ids=[ws.pk for ws in workspaces], now=timezone.now()):
            # A second order for workspaces already in an unpaid one only when asked for explicitly.
            messages.warning(request, _("These workspaces are already in an unpaid order: open it, or confirm "
                                        "that you want another order."))
            return redirect("orders-buy-confirm", account_id=self.account.pk)
        order = order_create_purchase(
            account=self.account, plan=plan, workspaces=workspaces, traffic=self.draft_traffic(),
            actor=request.user,
        )
        self.save_draft(order=order.pk)
        return redirect("orders-pay", account_id=self.account.pk, order_id=order.pk)
