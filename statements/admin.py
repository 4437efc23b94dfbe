"""Finance's admin: monthly bills (read-only), invoice requests (issue / reject through services), and the
finance views: accounts in arrears with their countdown, expiring cards and vouchers, revenue per day."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from core import formatting
from core.admin import (
    FinanceModelAdmin,
    FinanceTabularInline,
    NoDeleteAdminMixin,
    ReadOnlyAdminMixin,
    admin_display,
    readonly_table,
)
from core.days import vendor_today
from core.parsing import parse_day
from statements import exports, invoices, selectors
from statements.models import (
    ArrearsAccount,
    ExpiringCard,
    ExpiringVoucher,
    InvoiceRequest,
    InvoiceRequestLine,
    InvoiceStatus,
    MonthlyBill,
    MonthlyBillLine,
    RevenueDay,
)


@admin.register(MonthlyBill)
class MonthlyBillAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["account", "month", "status", "consumption_total", "adjustments_total", "total", "paid_cash",
                    "paid_prepaid_card", "arrears_at_month_end", "finalized_at"]
    list_filter = ["status", "month"]
    search_fields = ["account__name"]
    list_select_related = ["account"]
    actions = ["export_csv"]
    readonly_fields = ["lines_table"]

    @admin.display(description=_("Lines"))
    def lines_table(self, bill: MonthlyBill) -> str:
        """The month's lines (one per workspace and item) as one read-only table, names joined in one query."""
        columns = ["workspace", "billing_item", "usage", "covered", "overage", "amount"]
        lines = selectors.monthly_bill_lines(monthly_bill=bill)  # the page's order, names joined
        return readonly_table(
            MonthlyBillLine, columns,
            ((str(line.workspace), str(line.billing_item), formatting.number(line.usage),
              formatting.number(line.covered), formatting.number(line.overage), formatting.money(line.amount))
             for line in lines), figures_from=2)

    @admin.action(description=_("Export selected as CSV"))
    def export_csv(self, request, queryset):
        return exports.finance_monthly_bills_csv(bills=queryset.select_related("account"))


class InvoiceRequestLineInline(ReadOnlyAdminMixin, FinanceTabularInline):
    model = InvoiceRequestLine
    extra = 0
    can_delete = False
    readonly_fields = ["source_type", "recharge", "payment", "amount"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recharge", "payment")


@admin.register(InvoiceRequest)
class InvoiceRequestAdmin(NoDeleteAdminMixin, FinanceModelAdmin):
    """Finance issues or rejects requests with the actions; only the decision note is editable (the reason
    given when rejecting)."""

    list_display = ["pk", "account", "title", "tax_id", "invoice_type", "amount", "status", "number", "created_at"]
    list_filter = ["status", "invoice_type"]
    search_fields = ["account__name", "title", "tax_id", "number"]
    list_select_related = ["account"]
    readonly_fields = ["account", "status", "invoice_type", "title", "tax_id", "email", "note", "amount",
                       "requested_by", "created_at", "decided_by", "decided_at", "number"]
    fields = [*readonly_fields, "decision_note"]
    inlines = [InvoiceRequestLineInline]
    actions = ["issue", "reject"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pdf")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != InvoiceStatus.PENDING:
            return [*self.readonly_fields, "decision_note"]
        return self.readonly_fields

    @admin.action(description=_("Issue the invoice (renders the PDF)"))
    def issue(self, request, queryset):
        done = 0
        for invoice in queryset.filter(status=InvoiceStatus.PENDING):
            if self.run_service(request, partial(invoices.invoice_request_issue, invoice_request=invoice,
                                                 actor=request.user), subject=invoice)[0]:
                done += 1
        self.message_user(request, _("%(n)s invoice(s) issued.") % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Reject (with the decision note as the reason)"))
    def reject(self, request, queryset):
        done = 0
        for invoice in queryset.filter(status=InvoiceStatus.PENDING):
            if self.run_service(request, partial(
                    invoices.invoice_request_reject, invoice_request=invoice, actor=request.user,
                    note=invoice.decision_note or str(_("Rejected by finance."))), subject=invoice)[0]:
                done += 1
        self.message_user(request, _("%(n)s request(s) rejected.") % {"n": done}, messages.SUCCESS)


# --------------------------------------------------------------------------------------------------------------
# finance views


class CountdownFilter(admin.SimpleListFilter):
    title = _("countdown")
    parameter_name = "countdown"

    def lookups(self, request, model_admin):
        return [("countdown", _("Counting down")), ("locked", _("Locked")), ("none", _("No countdown yet"))]

    def queryset(self, request, queryset):
        return selectors.arrears_accounts_in_state(queryset, self.value())


class ArrearsAmountFilter(admin.SimpleListFilter):
    title = _("arrears")
    parameter_name = "owing"

    def lookups(self, request, model_admin):
        return [("lt1000", "< 1,000"), ("lt10000", "1,000 - 10,000"), ("ge10000", ">= 10,000")]

    def queryset(self, request, queryset):
        found = selectors.ARREARS_RANGES.get(self.value() or "")
        return queryset if found is None else queryset.filter(found)


@admin.register(ArrearsAccount)
class ArrearsAccountAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["account", "arrears", "arrears_since", "countdown_started", "lock_on", "days_left",
                    "workspaces_counting", "workspaces_locked"]
    list_filter = [CountdownFilter, ArrearsAmountFilter]
    search_fields = ["account__name"]
    ordering = ["-arrears"]
    actions = ["export_csv"]

    def get_queryset(self, request):
        return selectors.arrears_accounts()

    @admin.display(description=_("countdown started"), ordering="countdown_started")
    def countdown_started(self, obj):
        return admin_display(obj.countdown_started, "moment")

    @admin.display(description=_("locks on"))
    def lock_on(self, obj):
        return admin_display(selectors.arrears_lock_day(obj.countdown_started), "day")

    @admin.display(description=_("days left"))
    def days_left(self, obj):
        return selectors.arrears_days_left(selectors.arrears_lock_day(obj.countdown_started))

    @admin.display(description=_("workspaces counting down"))
    def workspaces_counting(self, obj):
        return obj.workspaces_counting

    @admin.display(description=_("workspaces locked"))
    def workspaces_locked(self, obj):
        return obj.workspaces_locked

    @admin.action(description=_("Export selected as CSV"))
    def export_csv(self, request, queryset):
        return exports.arrears_accounts_csv(wallets=queryset)


class ExpiresWithinFilter(admin.SimpleListFilter):
    """7, 30 (default) or 90 days: the report's window (the selectors apply it)."""

    title = _("expires within")
    parameter_name = "within"

    def lookups(self, request, model_admin):
        return [("7", _("7 days")), ("30", _("30 days")), ("90", _("90 days"))]

    def queryset(self, request, queryset):
        return queryset  # the admin's get_queryset already applied the window


def _within_days(request) -> int:
    value = request.GET.get(ExpiresWithinFilter.parameter_name)
    return int(value) if value in ("7", "30", "90") else 30


@admin.register(ExpiringCard)
class ExpiringCardAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    """Active prepaid cards with a balance expiring within 7, 30 (default) or 90 days."""

    list_display = ["number", "account", "balance", "face_value", "expires_at"]
    list_filter = [ExpiresWithinFilter]
    search_fields = ["number", "account__name"]
    list_select_related = ["account"]
    ordering = ["expires_at"]
    actions = ["export_csv"]

    def get_queryset(self, request):
        return selectors.expiring_cards(within_days=_within_days(request))

    @admin.action(description=_("Export selected as CSV"))
    def export_csv(self, request, queryset):
        return exports.expiring_cards_csv(cards=queryset.select_related("account"))


@admin.register(ExpiringVoucher)
class ExpiringVoucherAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["__str__", "account", "kind", "balance", "face_value", "valid_until"]
    list_filter = [ExpiresWithinFilter, "kind"]
    search_fields = ["code", "account__name"]
    list_select_related = ["account"]
    ordering = ["valid_until"]
    actions = ["export_csv"]

    def get_queryset(self, request):
        return selectors.expiring_vouchers(within_days=_within_days(request))

    @admin.action(description=_("Export selected as CSV"))
    def export_csv(self, request, queryset):
        return exports.expiring_vouchers_csv(vouchers=queryset.select_related("account"))


@admin.register(RevenueDay)
class RevenueDayAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    """Revenue per day: a chart and a table, a date range and CSV export (?format=csv)."""

    def changelist_view(self, request, extra_context=None):
        today = vendor_today()  # finance's report: the vendor's days
        end = parse_day(request.GET["to"]) if request.GET.get("to") else today  # YYYY-MM-DD only
        start = parse_day(request.GET["from"]) if request.GET.get("from") else (end or today) - timedelta(days=29)
        if end is None or start is None:
            self.message_user(request, _("Dates are YYYY-MM-DD."), messages.ERROR)
            end, start = today, today - timedelta(days=29)
        if start > end or (end - start).days > 366:
            self.message_user(request, _("Choose a range of at most one year."), messages.ERROR)
            end, start = today, today - timedelta(days=29)
        rows = selectors.revenue_per_day(start=start, end=end)
        if request.GET.get("format") == "csv":
            return exports.revenue_csv(rows=rows, start=start, end=end)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Revenue per day"),
            "opts": self.model._meta,
            "rows": rows,
            "start": start,
            "end": end,
            "chart": {
                "labels": [r["day"].isoformat() for r in rows],
                "usage": [str(r["usage"]) for r in rows],
                "orders": [str(r["orders"]) for r in rows],
                "recharges": [str(r["recharges"]) for r in rows],
            },
            "totals": {k: sum(r[k] for r in rows) for k in ("usage", "orders", "revenue", "recharges")},
        }
        return TemplateResponse(request, "statements/admin/revenue.html", context)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and (
            request.user.is_superuser or request.user.has_perm("quota.view_bill")
        )
