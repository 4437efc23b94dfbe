"""The account's orders: list, detail, the success page after paying, cancelling an unpaid order."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.pagination import EstimatedCountPaginator
from orders import selectors
from orders.models import Order, OrderKind, OrderStatus, PackageTraffic
from orders.payment import order_cancel
from orders.views.wizard import forget_draft
from workspaces.tenancy import AccountScopedMixin, AccountScopedView, get_scoped_or_404

PAGE_SIZE = 50


class OrderSuccessView(AccountScopedMixin, TemplateView):
    template_name = "orders/success.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = get_scoped_or_404(selectors.order_list(account=self.account), pk=self.kwargs["order_id"])
        context["order"] = order
        if order.status == OrderStatus.PAID and order.kind == OrderKind.PURCHASE:
            forget_draft(self.request, self.account)  # the wizard's draft is done once its order is paid
        # The split between tenders, as on the order's page.
        context["tenders"] = list(order.payment.tenders.select_related("card", "voucher").order_by("pk")) \
            if order.payment else []
        # A traffic add-on states its own dates (from the next billing day to its package's end), not the plan's.
        context["traffic"] = list(PackageTraffic.objects.filter(order=order).select_related(
            "traffic_package__billing_item").order_by("pk")) if order.kind == OrderKind.TRAFFIC else []
        return context


class OrderListView(AccountScopedMixin, TemplateView):
    template_name = "orders/order_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status")
        orders = selectors.order_list(account=self.account, status=status if status in OrderStatus.values else None)
        page = EstimatedCountPaginator(orders, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context["page"] = page
        context["orders"] = selectors.mark_payable(list(page.object_list), now=timezone.now())
        context["statuses"] = OrderStatus.choices
        context["status"] = status
        return context


class OrderDetailView(AccountScopedMixin, TemplateView):
    template_name = "orders/order_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = get_scoped_or_404(selectors.order_list(account=self.account), pk=self.kwargs["order_id"])
        context["order"] = selectors.mark_payable([order], now=timezone.now())[0]
        context["tenders"] = list(order.payment.tenders.select_related("card", "voucher")) if order.payment else []
        return context


class OrderCancelView(AccountScopedView):
    http_method_names = ["post"]

    def post(self, request, account_id: int, order_id: int):
        order = get_scoped_or_404(Order.objects.for_account(self.account), pk=order_id)
        order_cancel(order=order, actor=request.user)
        messages.success(request, _("Order %(number)s was cancelled.") % {"number": order.number})
        return redirect("orders-detail", account_id=self.account.pk, order_id=order.pk)

    def error_redirect_url(self) -> str:
        return reverse("orders-detail", kwargs={"account_id": self.account.pk, "order_id": self.kwargs["order_id"]})
