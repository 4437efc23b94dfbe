"""Fee Center pages of orders: the purchase wizard of the seeds (plan -> traffic -> workspaces -> confirm ->
cashier -> success), orders list and detail, plan management (reorder, add a workspace, upgrade, add traffic).

The wizard keeps its draft in the session (per account) until the confirm step creates the order; prices on
every page are computed on the server from the catalogue."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.idempotency import fingerprint, run_idempotent
from core.money import ZERO, parse_amount, quantize
from core.parsing import is_id
from core.tenancy import AccountScopedMixin, AccountScopedView, get_scoped_or_404
from orders import selectors, services
from orders.models import Order, OrderStatus, Package, PackageWorkspace
from orders.pricing import (
    account_today,
    inclusive_days,
    quote_purchase,
    quote_total,
    quote_traffic_lines,
    upgrade_price,
)
from plans import selectors as plan_selectors
from plans.models import Plan, TrafficPackage
from workspaces.models import Capability, Workspace

MAX_CAPACITY_DIGITS = 18


def _draft_key(account) -> str:
    return f"orders:wizard:{account.pk}"


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
        return plan_selectors.plan_list().filter(pk=plan_id).first() if plan_id else None

    def draft_traffic(self) -> list[tuple[TrafficPackage, int]]:
        items = self.draft().get("traffic", [])
        packages = {tp.pk: tp for tp in plan_selectors.traffic_package_list().filter(pk__in=[i for i, _c in items])}
        return [(packages[i], c) for i, c in items if i in packages]

    def draft_workspaces(self) -> list[Workspace]:
        ids = self.draft().get("workspaces", [])
        found = {ws.pk: ws for ws in Workspace.objects.for_account(self.account).filter(pk__in=ids)}
        return [found[i] for i in ids if i in found]


def parse_traffic_form(data, traffic_packages) -> tuple[list[tuple[TrafficPackage, int]], dict[int, str], list[str]]:
    """Inputs `cap_<id>` (blank = not chosen) -> [(traffic package, capacity)], raw values, errors."""
    chosen, raw, errors = [], {}, []
    for tp in traffic_packages:
        value = (data.get(f"cap_{tp.pk}") or "").strip().replace(",", "")
        raw[tp.pk] = value
        if not value:
            continue
        if not is_id(value) or len(value) > MAX_CAPACITY_DIGITS:
            errors.append(_("The capacity of %(name)s must be a whole number.") % {"name": tp})
            continue
        if int(value) == 0:
            continue
        chosen.append((tp, int(value)))
    if not errors:
        try:
            services.validate_traffic(chosen)
        except ApplicationError as error:
            errors.append(error.message)
    return chosen, raw, errors


# ------------------------------------------------------------------------------------------------ wizard


class BuyPlanView(WizardMixin, TemplateView):
    """Step 1: choose the annual package (capacities, price, saving against PAYG)."""

    template_name = "orders/buy_plan.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plans = list(plan_selectors.plan_list())
        context["plans"] = plans
        context["selected"] = self.draft().get("plan")
        items = []
        seen = set()
        for plan in plans:
            for cap in plan.capacities.all():
                if cap.billing_item_id not in seen:
                    seen.add(cap.billing_item_id)
                    items.append(cap.billing_item)
        context["rows"] = [
            {"item": item, "capacities": [
                next((c.daily_capacity for c in plan.capacities.all() if c.billing_item_id == item.pk), None)
                for plan in plans]}
            for item in items
        ]
        context["step"] = 1
        return context

    def post(self, request, account_id: int):
        raw = request.POST.get("plan", "")
        plan = plan_selectors.plan_list().filter(pk=int(raw)).first() if is_id(raw, max_digits=17) else None
        if plan is None:
            messages.error(request, _("Choose one of the plan packages."))
            return redirect("orders-buy", account_id=self.account.pk)
        self.save_draft(plan=plan.pk)
        return redirect("orders-buy-traffic", account_id=self.account.pk)


class BuyTrafficView(WizardMixin, TemplateView):
    """Step 2: optional traffic packages, priced live (htmx) or with the recalculate button."""

    template_name = "orders/buy_traffic.html"

    def get(self, request, *args, **kwargs):
        if self.draft_plan() is None:
            return redirect("orders-buy", account_id=self.account.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, chosen=None, raw=None, errors=(), **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.draft_plan()
        traffic_packages = list(plan_selectors.traffic_package_list())
        if chosen is None:
            chosen = self.draft_traffic()
            raw = {tp.pk: str(capacity) for tp, capacity in chosen}
        context.update(
            plan=plan, step=2, errors=errors,
            rows=[{"tp": tp, "value": (raw or {}).get(tp.pk, "")} for tp in traffic_packages],
            lines=quote_traffic_lines(chosen, plan.validity_days) if not errors else [],
            days=plan.validity_days,
        )
        context["total"] = quote_total(context["lines"])
        return context

    def post(self, request, account_id: int):
        plan = self.draft_plan()
        if plan is None:
            return redirect("orders-buy", account_id=self.account.pk)
        chosen, raw, errors = parse_traffic_form(request.POST, plan_selectors.traffic_package_list())
        if errors or request.POST.get("action") == "recalc":
            status = 400 if errors else 200
            return self.render_to_response(self.get_context_data(chosen=chosen, raw=raw, errors=errors), status=status)
        self.save_draft(traffic=[[tp.pk, capacity] for tp, capacity in chosen])
        return redirect("orders-buy-workspaces", account_id=self.account.pk)


class TrafficQuoteView(WizardMixin, TemplateView):
    """The live price fragment of a traffic form (htmx GET): `days` for the purchase wizard (the plan's
    validity) or `package` for an added traffic package (the remaining days)."""

    template_name = "orders/_traffic_quote.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        days = None
        package_id = self.request.GET.get("package", "")
        if is_id(package_id, max_digits=17):
            package = Package.objects.for_account(self.account).filter(pk=int(package_id)).first()
            if package is not None:
                try:
                    effective = services.live_package_effective_on(package, account_today(self.account))
                    days = inclusive_days(effective, package.ends_on)
                except ApplicationError as error:
                    context["errors"] = [error.message]
        else:
            plan = self.draft_plan()
            days = plan.validity_days if plan else None
        chosen, _raw, errors = parse_traffic_form(self.request.GET, plan_selectors.traffic_package_list())
        context.setdefault("errors", errors)
        lines = quote_traffic_lines(chosen, days) if days and not context["errors"] else []
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
            else:
                checked = ws.pk in chosen
                position = chosen.index(ws.pk) + 1 if ws.pk in chosen else ""
            rows.append({"ws": ws, "checked": checked, "position": position,
                         "selectable": ws.is_commercial and ws.pk not in covered, "covered": ws.pk in covered})
        context.update(rows=rows, errors=errors, step=3, plan=self.draft_plan())
        return context

    def post(self, request, account_id: int):
        if self.draft_plan() is None:
            return redirect("orders-buy", account_id=self.account.pk)
        checked, positions, errors = [], {}, []
        by_id = {ws.pk: ws for ws in Workspace.objects.for_account(self.account)}
        for raw in request.POST.getlist("workspace"):
            if not is_id(raw) or int(raw) not in by_id:
                errors.append(_("Unknown workspace."))
                continue
            checked.append(int(raw))
        for ws_id in by_id:
            positions[ws_id] = (request.POST.get(f"position_{ws_id}") or "").strip()
        ordered = []
        for index, ws_id in enumerate(checked):
            raw = positions.get(ws_id, "")
            rank = int(raw) if is_id(raw, max_digits=5) else 10_000 + index
            ordered.append((rank, index, ws_id))
        ordered.sort()
        workspaces = [by_id[ws_id] for _r, _i, ws_id in ordered]
        if not errors:
            try:
                services.validate_workspaces(self.account, workspaces)
            except ApplicationError as error:
                errors.append(error.message)
        if errors:
            context = self.get_context_data(errors=errors, posted={"checked": set(checked), "positions": positions})
            return self.render_to_response(context, status=400)
        self.save_draft(workspaces=[ws.pk for ws in workspaces])
        return redirect("orders-buy-confirm", account_id=self.account.pk)


class BuyConfirmView(WizardMixin, TemplateView):
    """Step 4: every line and the total; submitting creates the (unpaid) order and opens the cashier."""

    template_name = "orders/buy_confirm.html"

    def get(self, request, *args, **kwargs):
        if self.draft_plan() is None:
            return redirect("orders-buy", account_id=self.account.pk)
        if not self.draft_workspaces():
            return redirect("orders-buy-workspaces", account_id=self.account.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.draft_plan()
        lines = quote_purchase(plan, self.draft_traffic())
        context.update(plan=plan, lines=lines, total=quote_total(lines), workspaces=self.draft_workspaces(), step=4)
        return context

    def post(self, request, account_id: int):
        plan = self.draft_plan()
        if plan is None:
            return redirect("orders-buy", account_id=self.account.pk)
        try:
            order = services.order_create_purchase(
                account=self.account, plan=plan, workspaces=self.draft_workspaces(), traffic=self.draft_traffic(),
                actor=request.user,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("orders-buy-workspaces", account_id=self.account.pk)
        request.session.pop(_draft_key(self.account), None)
        return redirect("orders-pay", account_id=self.account.pk, order_id=order.pk)


# ------------------------------------------------------------------------------------------------ cashier


def _payment_instruments(account):
    """Usable cards and vouchers of the account, the cash balance."""
    from django.utils import timezone

    from payments.models import CardStatus, PrepaidCard, Voucher, VoucherStatus, Wallet

    now = timezone.now()
    cards = list(PrepaidCard.objects.filter(account=account, status=CardStatus.ACTIVE, balance__gt=0,
                                            expires_at__gt=now).order_by("expires_at", "id"))
    vouchers = list(Voucher.objects.filter(account=account, status=VoucherStatus.ACTIVE, balance__gt=0,
                                           valid_from__lte=now, valid_until__gt=now).order_by("valid_until", "id"))
    wallet = Wallet.objects.filter(account=account).first()
    return cards, vouchers, (wallet.cash_balance if wallet else ZERO)


class OrderPayView(AccountScopedMixin, TemplateView):
    """The cashier: vouchers and prepaid cards with amounts, the rest in cash; live remaining amount."""

    template_name = "orders/pay.html"
    read_capability = Capability.SPEND

    def get_order(self) -> Order:
        return get_scoped_or_404(selectors.order_list(account=self.account), pk=self.kwargs["order_id"])

    def get(self, request, *args, **kwargs):
        order = self.get_order()
        if order.status != OrderStatus.PENDING_PAYMENT:
            return redirect("orders-detail", account_id=self.account.pk, order_id=order.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, errors=(), posted=None, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.get_order()
        cards, vouchers, cash = _payment_instruments(self.account)
        posted = posted or {}
        context.update(
            order=order, errors=errors, cash_balance=cash,
            cards=[{"obj": c, "value": posted.get(f"card_{c.pk}", "")} for c in cards],
            vouchers=[{"obj": v, "value": posted.get(f"voucher_{v.pk}", "")} for v in vouchers],
            cash_value=posted.get("cash", ""),
            idempotency_key=posted.get("idempotency_key") or uuid.uuid4().hex,
        )
        return context

    def post(self, request, account_id: int, order_id: int):
        from payments.services import TenderSpec

        order = self.get_order()
        data = request.POST
        tenders: list = []
        errors: list[str] = []
        for prefix, kind in (("voucher_", "voucher"), ("card_", "card")):
            for name, value in data.items():
                if not name.startswith(prefix) or not (value or "").strip():
                    continue
                raw_id = name[len(prefix):]
                try:
                    amount = parse_amount(value)
                except ValueError as error:
                    errors.append(str(error))
                    continue
                if not is_id(raw_id, max_digits=18):
                    errors.append(_("Unknown card or voucher."))
                    continue
                tenders.append(TenderSpec(kind=kind, amount=amount, instrument_id=int(raw_id)))
        others = quantize(sum((t.amount for t in tenders), ZERO))
        cash_raw = (data.get("cash") or "").strip()
        if cash_raw:
            try:
                tenders.append(TenderSpec(kind="cash", amount=parse_amount(cash_raw)))
            except ValueError as error:
                errors.append(str(error))
        elif order.total - others > 0:
            tenders.append(TenderSpec(kind="cash", amount=order.total - others))
        if errors:
            return self.render_to_response(self.get_context_data(errors=errors, posted=data), status=400)

        def work() -> tuple[int, Any]:
            paid = services.order_pay(order=order, tenders=tenders, actor=request.user)
            return 200, {"order": paid.pk}

        body = {k: v for k, v in data.items() if k not in ("csrfmiddlewaretoken", "idempotency_key")}
        try:
            run_idempotent(
                user=request.user, key=data.get("idempotency_key") or None,
                fingerprint_value=fingerprint("POST", request.path, body), work=work,
            )
        except ApplicationError as error:
            context = self.get_context_data(errors=[error.message], posted=data)
            return self.render_to_response(context, status=error.status_code)
        return redirect("orders-success", account_id=self.account.pk, order_id=order.pk)


class OrderSuccessView(AccountScopedMixin, TemplateView):
    template_name = "orders/success.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = get_scoped_or_404(selectors.order_list(account=self.account), pk=self.kwargs["order_id"])
        context["order"] = order
        return context


# ------------------------------------------------------------------------------------------------ orders


class OrderListView(AccountScopedMixin, TemplateView):
    template_name = "orders/order_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status")
        context["orders"] = list(selectors.order_list(
            account=self.account, status=status if status in OrderStatus.values else None)[:200])
        context["statuses"] = OrderStatus.choices
        context["status"] = status
        return context


class OrderDetailView(AccountScopedMixin, TemplateView):
    template_name = "orders/order_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = get_scoped_or_404(selectors.order_list(account=self.account), pk=self.kwargs["order_id"])
        context["order"] = order
        context["tenders"] = list(order.payment.tenders.select_related("card", "voucher")) if order.payment else []
        return context


class OrderCancelView(AccountScopedView):
    http_method_names = ["post"]

    def post(self, request, account_id: int, order_id: int):
        order = get_scoped_or_404(Order.objects.for_account(self.account), pk=order_id)
        try:
            services.order_cancel(order=order, actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Order %(number)s was cancelled.") % {"number": order.number})
        return redirect("orders-detail", account_id=self.account.pk, order_id=order.pk)


# ------------------------------------------------------------------------------------------------ plan management


class PackageListView(AccountScopedMixin, TemplateView):
    """Plan management: packages with validity, status, plan, workspaces in order, traffic packages."""

    template_name = "orders/package_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        packages = list(selectors.package_list(account=self.account))
        coverable = list(selectors.coverable_workspaces(account=self.account))
        today = account_today(self.account)
        context["packages"] = [
            {"obj": p, "workspaces": selectors.current_workspaces(p),
             "live": p.status in services.LIVE_PACKAGE_STATUSES and p.ends_on > today}
            for p in packages
        ]
        context["coverable"] = coverable
        context["today"] = today
        return context


class PackageWorkspacesView(AccountScopedView):
    """Reorder the package's workspaces (position inputs) or add one; effective the next billing day."""

    http_method_names = ["post"]

    def post(self, request, account_id: int, package_id: int):
        package = get_scoped_or_404(Package.objects.for_account(self.account), pk=package_id)
        workspaces = {ws.pk: ws for ws in Workspace.objects.for_account(self.account)}
        try:
            if request.POST.get("action") == "add":
                raw = request.POST.get("workspace", "")
                workspace = workspaces.get(int(raw)) if is_id(raw, max_digits=17) else None
                if workspace is None:
                    raise ApplicationError(_("Choose a workspace to add."), code="unknown_workspace")
                services.package_add_workspace(package=package, workspace=workspace, actor=request.user)
                messages.success(request, _("%(name)s will be covered from the next billing day.")
                                 % {"name": workspace.name})
            else:
                current = [row.workspace_id for row in package.package_workspaces.filter(valid_until__isnull=True)
                           .order_by("position")]
                ranked = []
                for index, ws_id in enumerate(current):
                    raw = (request.POST.get(f"position_{ws_id}") or "").strip()
                    if not is_id(raw, max_digits=5):
                        raise ApplicationError(_("Give every workspace a position number."), code="invalid")
                    ranked.append((int(raw), index, ws_id))
                ranked.sort()
                services.package_reorder_workspaces(
                    package=package, workspaces=[workspaces[ws_id] for _r, _i, ws_id in ranked], actor=request.user
                )
                messages.success(request, _("The new order applies from the next billing day."))
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("orders-packages", account_id=self.account.pk)


class PackageUpgradeView(AccountScopedMixin, TemplateView):
    """Upgrade: the bigger packages with their prorated price; choosing one creates its order."""

    template_name = "orders/package_upgrade.html"
    read_capability = Capability.SPEND

    def get_package(self) -> Package:
        return get_scoped_or_404(Package.objects.for_account(self.account).select_related("plan"),
                                 pk=self.kwargs["package_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        package = self.get_package()
        options, error = [], None
        try:
            effective = services.live_package_effective_on(package, account_today(self.account))
        except ApplicationError as exc:
            error = exc.message
        else:
            remaining = inclusive_days(effective, package.ends_on)
            total_days = inclusive_days(package.starts_on, package.ends_on)
            for plan in plan_selectors.plan_list().filter(rank__gt=package.plan.rank):
                options.append({"plan": plan, "price": upgrade_price(
                    old_plan=package.plan, new_plan=plan, remaining_days=remaining, total_days=total_days)})
            context.update(effective=effective, remaining=remaining, total_days=total_days)
        context.update(package=package, options=options, error=error)
        return context

    def post(self, request, account_id: int, package_id: int):
        package = self.get_package()
        raw = request.POST.get("plan", "")
        plan = Plan.objects.filter(pk=int(raw)).first() if is_id(raw, max_digits=17) else None
        try:
            if plan is None:
                raise ApplicationError(_("Choose the package to upgrade to."), code="unknown_plan")
            order = services.order_create_upgrade(package=package, target_plan=plan, actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("orders-package-upgrade", account_id=self.account.pk, package_id=package.pk)
        return redirect("orders-pay", account_id=self.account.pk, order_id=order.pk)


class PackageTrafficView(AccountScopedMixin, TemplateView):
    """Add traffic packages to a package, priced by its remaining days."""

    template_name = "orders/package_traffic.html"
    read_capability = Capability.SPEND

    def get_package(self) -> Package:
        return get_scoped_or_404(Package.objects.for_account(self.account).select_related("plan"),
                                 pk=self.kwargs["package_id"])

    def get_context_data(self, chosen=None, raw=None, errors=(), **kwargs):
        context = super().get_context_data(**kwargs)
        package = self.get_package()
        days, error = None, None
        try:
            effective = services.live_package_effective_on(package, account_today(self.account))
            days = inclusive_days(effective, package.ends_on)
            context["effective"] = effective
        except ApplicationError as exc:
            error = exc.message
        chosen = chosen or []
        lines = quote_traffic_lines(chosen, days) if days and not errors else []
        context.update(
            package=package, days=days, error=error, errors=errors, lines=lines, total=quote_total(lines),
            rows=[{"tp": tp, "value": (raw or {}).get(tp.pk, "")} for tp in plan_selectors.traffic_package_list()],
        )
        return context

    def post(self, request, account_id: int, package_id: int):
        package = self.get_package()
        chosen, raw, errors = parse_traffic_form(request.POST, plan_selectors.traffic_package_list())
        if not errors and request.POST.get("action") != "recalc":
            try:
                order = services.order_create_traffic(package=package, traffic=chosen, actor=request.user)
            except ApplicationError as error:
                errors = [error.message]
            else:
                return redirect("orders-pay", account_id=self.account.pk, order_id=order.pk)
        return self.render_to_response(self.get_context_data(chosen=chosen, raw=raw, errors=errors),
                                       status=400 if errors else 200)
