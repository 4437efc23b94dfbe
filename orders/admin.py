"""Finance's admin for orders and packages: read-only records; a refund action that calls the service."""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from core.admin import FinanceModelAdmin, NoDeleteAdminMixin, ReadOnlyAdminMixin, ReadOnlyInline
from orders.models import (
    AutoRenewAttempt,
    Order,
    OrderLine,
    OrderWorkspace,
    Package,
    PackagePlanPeriod,
    PackageReminder,
    PackageTraffic,
    PackageWorkspace,
)
from orders.payment import order_refund, order_refund_preview


class RefundConfirmForm(forms.Form):
    reason = forms.CharField(label=_("Reason (kept on the orders and in the ledger)"), max_length=500)


class OrderLineInline(ReadOnlyInline):
    """The line as the reader reads it (OrderLine.label), not the words stored in the language of its day."""

    model = OrderLine
    exclude = ["description"]

    def get_readonly_fields(self, request, obj=None):
        return ["label" if name == "description" else name for name in super().get_readonly_fields(request, obj)]


class OrderWorkspaceInline(ReadOnlyInline):
    model = OrderWorkspace


@admin.register(Order)
class OrderAdmin(NoDeleteAdminMixin, FinanceModelAdmin):
    list_display = ["number", "account", "kind", "status", "plan", "total", "created_at", "paid_at"]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["number", "account__name"]
    list_select_related = ["account", "plan"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, OrderWorkspaceInline]
    actions = ["refund_orders"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.action(description=_("Refund the selected paid orders (package not started) to their tenders"),
                  permissions=["change"])
    def refund_orders(self, request, queryset):
        """First a page saying what each refund will do (every paid order of the package, each tender and where
        it goes back to); the refund is made only when finance confirms it there, with a reason."""
        orders = list(queryset.order_by("pk"))
        form = RefundConfirmForm(request.POST if "apply" in request.POST else None,
                                 initial={"reason": _("Refunded by finance (%(user)s) in admin")
                                          % {"user": request.user.get_username()}})
        if form.is_bound and form.is_valid():
            done = 0
            for order in orders:
                if self.run_service(request, partial(order_refund, order=order, actor=request.user,
                                                     reason=form.cleaned_data["reason"]), subject=order.number)[0]:
                    done += 1
            if done:
                self.message_user(request, _("%(n)s order(s) refunded.") % {"n": done}, level=messages.SUCCESS)
            return None
        context = {**self.admin_site.each_context(request), "title": _("Refund orders"), "form": form,
                   "previews": [order_refund_preview(order=order) for order in orders],
                   "selected": [order.pk for order in orders], "opts": self.model._meta}
        return TemplateResponse(request, "orders/admin/refund_orders.html", context)


class PlanPeriodInline(ReadOnlyInline):
    model = PackagePlanPeriod


class PackageWorkspaceInline(ReadOnlyInline):
    model = PackageWorkspace


class PackageTrafficInline(ReadOnlyInline):
    model = PackageTraffic


@admin.register(Package)
class PackageAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["id", "account", "plan", "status", "starts_on", "ends_on"]
    list_filter = ["status", "plan"]
    search_fields = ["account__name", "id"]
    list_select_related = ["account", "plan"]
    inlines = [PlanPeriodInline, PackageWorkspaceInline, PackageTrafficInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(AutoRenewAttempt)
class AutoRenewAttemptAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    """Automatic renewal attempts (one per package and day): finance sees failures and their shortfall."""

    list_display = ["package", "day", "succeeded", "amount", "shortfall", "order", "message"]
    list_filter = ["succeeded", "day"]
    search_fields = ["package__account__name", "package__id"]
    list_select_related = ["package", "order"]


@admin.register(PackageReminder)
class PackageReminderAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["package", "days_before", "sent_on", "created_at"]
    list_filter = ["days_before"]
    list_select_related = ["package"]
