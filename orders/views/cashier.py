"""The cashier: pay an order with vouchers and prepaid cards (each with an amount) and the rest in cash.

The form carries a hidden idempotency key (core.idempotency.IdempotentPageMixin), so a double submit pays
once and shows the same success. When the cash balance does not cover the cash part, the page says by how much
(the shortfall), the Pay button stays disabled (static/js/cashier.js) and the server refuses it next to the cash
input; a Recharge link and "pay the rest online" come back here with the allocation in the query string.

"Use the most of each" (`?fill=plan`) fills the inputs with the settlement order's split for this order
(payments.autopay.plan_wallet_tenders, the night's own allocation run read-only); the split is shown beside
the form either way."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.idempotency import PAGE_KEY_FIELD, IdempotentPageMixin
from core.money import ZERO, parse_page_amount, quantize
from core.parsing import is_id
from orders import selectors
from orders.error_codes import OrdersErrorCode as Code
from orders.forms import CashierForm, error_list
from orders.models import Order, OrderStatus
from orders.payment import _voucher_payable_amount, order_pay
from payments import selectors as payment_selectors
from payments.autopay import TenderPlan, plan_wallet_tenders
from payments.gateways import online_payment_available
from workspaces.models import Capability
from workspaces.tenancy import AccountScopedMixin, get_scoped_or_404

ALLOCATION_PREFIXES = ("voucher_", "card_")


def allocation_of(data: Any) -> dict[str, str]:
    """The cashier's inputs worth carrying (to a recharge and back): voucher_<id>, card_<id> and cash."""
    return {name: str(value).strip()[:40] for name, value in data.items()
            if (name.startswith(ALLOCATION_PREFIXES) or name == "cash") and str(value).strip()}


def _amount_or_zero(raw: str) -> Decimal:
    try:
        return parse_page_amount(raw) if raw else ZERO
    except ValueError:
        return ZERO


def _instrument_key(name: str) -> tuple[str, int] | None:
    """`card_12` -> ("card", 12); None for anything else."""
    kind, _sep, raw = name.partition("_")
    return (kind, int(raw)) if kind in ("card", "voucher") and is_id(raw, max_digits=18) else None


FILL_PLAN = "plan"  # ?fill=plan: the inputs filled with the suggested split


def suggested_allocation(plan: TenderPlan) -> dict[str, str]:
    """The cashier's inputs for a plan: each voucher and card it uses, and the cash part when the plan covers
    the total (otherwise cash stays empty: "the rest", so the page shows the plan's shortfall)."""
    allocation: dict[str, str] = {}
    for tender in plan.tenders:
        if tender.kind == "cash":
            if plan.covered:
                allocation["cash"] = f"{tender.amount:.2f}"
        else:
            allocation[f"{tender.kind}_{tender.instrument_id}"] = f"{tender.amount:.2f}"
    return allocation


def shortfall_of(*, total: Decimal, cash_balance: Decimal, allocation: dict[str, str]) -> Decimal:
    """How much cash is missing for the allocation: the cash part (typed, or the rest of the total) beyond the
    cash balance. The same figure static/js/cashier.js shows live."""
    others = sum((_amount_or_zero(v) for k, v in allocation.items() if k != "cash"), ZERO)
    cash = _amount_or_zero(allocation["cash"]) if allocation.get("cash") else max(total - others, ZERO)
    return quantize(max(cash - cash_balance, ZERO))


class OrderPayView(IdempotentPageMixin, AccountScopedMixin, TemplateView):
    """The cashier: vouchers and prepaid cards with amounts, the rest in cash; live remaining amount."""

    template_name = "orders/pay.html"
    order: Order
    read_capability = Capability.SPEND

    def get_order(self) -> Order:
        return get_scoped_or_404(selectors.order_list(account=self.account), pk=self.kwargs["order_id"])

    def get(self, request, *args, **kwargs):
        order = self.get_order()
        if order.status != OrderStatus.PENDING_PAYMENT:
            return redirect("orders-detail", account_id=self.account.pk, order_id=order.pk)
        return super().get(request, *args, **kwargs)

    def _instruments(self):
        cards = list(payment_selectors.usable_cards(account=self.account))
        vouchers = list(payment_selectors.usable_vouchers(account=self.account))
        balances = {f"card_{c.pk}": c.balance for c in cards} | {f"voucher_{v.pk}": v.balance for v in vouchers}
        return cards, vouchers, balances

    def get_context_data(self, errors=(), posted=None, field_errors=None, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.get_order()
        cards, vouchers, _balances = self._instruments()
        plan = plan_wallet_tenders(account=self.account, amount=order.total,
                                   voucher_payable_amount=_voucher_payable_amount(order))
        # After an error: what was posted; the suggested split when asked; otherwise an allocation carried back
        # from a recharge (query string).
        if posted is None and self.request.GET.get("fill") == FILL_PLAN:
            allocation = suggested_allocation(plan)
        else:
            allocation = allocation_of(posted if posted is not None else self.request.GET)
        field_errors = field_errors or {}
        labels = ({("card", c.pk): (_("Prepaid card"), c.number) for c in cards}
                  | {("voucher", v.pk): (v.get_kind_display(), str(v)) for v in vouchers})
        suggestion = [
            {"label": labels.get((t.kind, t.instrument_id), (_("Cash balance"), ""))[0],
             "name": labels.get((t.kind, t.instrument_id), ("", ""))[1], "amount": t.amount}
            for t in plan.tenders
        ]
        cash_balance = payment_selectors.cash_balance(account=self.account)
        shortfall = shortfall_of(total=order.total, cash_balance=cash_balance, allocation=allocation)
        here = reverse("orders-pay", kwargs={"account_id": self.account.pk, "order_id": order.pk})
        back = f"{here}?{urlencode(allocation)}" if allocation else here
        recharge = reverse("payments-recharge", kwargs={"account_id": self.account.pk})

        split = [{"label": f"{labels[key][0]} {labels[key][1]}", "amount": _amount_or_zero(allocation[name])}
                 for name, key in ((n, _instrument_key(n)) for n in allocation if n != "cash")
                 if key in labels and _amount_or_zero(allocation[name]) > 0]
        others = sum((part["amount"] for part in split), ZERO)
        cash_part = _amount_or_zero(allocation["cash"]) if allocation.get("cash") else max(order.total - others, ZERO)
        if cash_part > 0:
            split.append({"label": _("Cash balance"), "amount": cash_part})

        def row(obj, name):
            return {"obj": obj, "name": name, "value": allocation.get(name, ""), "errors": field_errors.get(name, [])}

        context.update(
            order=order, errors=errors, cash_balance=cash_balance, shortfall=shortfall,
            cards=[row(c, f"card_{c.pk}") for c in cards],
            vouchers=[row(v, f"voucher_{v.pk}") for v in vouchers],
            cash_value=allocation.get("cash", ""), cash_errors=field_errors.get("cash", []),
            cashier_url=here, back_url=back, recharge_base_url=recharge,
            recharge_url=f"{recharge}?{urlencode({'amount': f'{shortfall:.2f}', 'next': back})}"
            if shortfall > 0 else f"{recharge}?{urlencode({'next': back})}",
            online_available=online_payment_available(),
            split=split, suggestion=suggestion, suggestion_shortfall=plan.shortfall,
            fill_url=f"{here}?fill={FILL_PLAN}",
        )
        if posted is not None and posted.get(PAGE_KEY_FIELD):  # shown again after an error: may be retried
            context[PAGE_KEY_FIELD] = posted[PAGE_KEY_FIELD]
        return context

    def application_error(self, request, error: ApplicationError):
        """A refused payment: the cashier again with the allocation kept and the errors next to their inputs; an
        order paid or closed meanwhile (another tab) goes to its own page."""
        order = self.order
        if error.code == Code.ORDER_ALREADY_PAID:  # paid meanwhile, in another tab: no form to fill any more
            return self._already_paid(order)
        if order.status != OrderStatus.PENDING_PAYMENT:
            messages.error(request, error.message)
            return redirect("orders-detail", account_id=self.account.pk, order_id=order.pk)
        context = self.get_context_data(errors=[error.message], posted=request.POST,
                                        field_errors=error.fields or {})
        return self.render_to_response(context, status=error.status_code)

    def post(self, request, account_id: int, order_id: int):
        order = self.order = self.get_order()
        _cards, _vouchers, balances = self._instruments()
        form = CashierForm(request.POST, total=order.total, balances=balances,
                           cash_balance=payment_selectors.cash_balance(account=self.account))
        if order.status == OrderStatus.PENDING_PAYMENT and not form.is_valid():
            return self.render_to_response(self.get_context_data(
                errors=error_list(form), posted=request.POST, field_errors=form.errors), status=400)

        def work() -> tuple[int, Any]:
            form.is_valid()
            paid = order_pay(order=order, tenders=form.cleaned_data["tenders"], actor=request.user)
            return 200, {"order": paid.pk}

        self.run_once(work)
        return redirect("orders-success", account_id=self.account.pk, order_id=order.pk)

    def _already_paid(self, order: Order):
        messages.info(self.request, _("Order %(number)s is already paid; nothing was charged again.")
                      % {"number": order.number})
        return redirect("orders-detail", account_id=self.account.pk, order_id=order.pk)
