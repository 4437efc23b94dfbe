"""The cashier: pay an order with vouchers and prepaid cards (each with an amount) and the rest in cash.

The form carries a hidden idempotency key (core.idempotency.IdempotentPageMixin), so a double submit pays
once and shows the same success."""

from __future__ import annotations

from typing import Any

from django.shortcuts import redirect
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.idempotency import PAGE_KEY_FIELD, IdempotentPageMixin
from workspaces.tenancy import AccountScopedMixin, get_scoped_or_404
from orders import selectors, services
from orders.forms import CashierForm, error_list
from orders.models import Order, OrderStatus
from payments import selectors as payment_selectors
from workspaces.models import Capability


class OrderPayView(IdempotentPageMixin, AccountScopedMixin, TemplateView):
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
        posted = posted or {}
        context.update(
            order=self.get_order(), errors=errors,
            cash_balance=payment_selectors.cash_balance(account=self.account),
            cards=[{"obj": c, "value": posted.get(f"card_{c.pk}", "")}
                   for c in payment_selectors.usable_cards(account=self.account)],
            vouchers=[{"obj": v, "value": posted.get(f"voucher_{v.pk}", "")}
                      for v in payment_selectors.usable_vouchers(account=self.account)],
            cash_value=posted.get("cash", ""),
        )
        if posted.get(PAGE_KEY_FIELD):  # shown again after an error: the same submission may be retried
            context[PAGE_KEY_FIELD] = posted[PAGE_KEY_FIELD]
        return context

    def post(self, request, account_id: int, order_id: int):
        order = self.get_order()
        form = CashierForm(request.POST, total=order.total)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(errors=error_list(form), posted=request.POST),
                                           status=400)

        def work() -> tuple[int, Any]:
            paid = services.order_pay(order=order, tenders=form.cleaned_data["tenders"], actor=request.user)
            return 200, {"order": paid.pk}

        try:
            self.run_once(work)
        except ApplicationError as error:
            context = self.get_context_data(errors=[error.message], posted=request.POST)
            return self.render_to_response(context, status=error.status_code)
        return redirect("orders-success", account_id=self.account.pk, order_id=order.pk)
