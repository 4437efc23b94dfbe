"""Finance's admin: monthly bills (read-only), invoice requests (issue / reject through services), and the
finance views: accounts in arrears with their countdown, expiring cards and vouchers, revenue per day."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import admin, messages
from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import TruncDate
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.admin import FinanceModelAdmin, FinanceTabularInline, NoDeleteAdminMixin, ReadOnlyAdminMixin, admin_display
from core.csv import csv_response
from core.days import vendor_today
from core.exceptions import ApplicationError
from core.models import FinanceSettings
from core.parsing import parse_day
from orders.models import Order, OrderStatus
from payments.models import Recharge, RechargeStatus
from quota.models import Bill
from statements import invoices
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
from workspaces.models import WorkspaceStatus


class MonthlyBillLineInline(ReadOnlyAdminMixin, FinanceTabularInline):
    model = MonthlyBillLine
    extra = 0
    can_delete = False
    readonly_fields = ["workspace", "billing_item", "usage", "covered", "overage", "amount"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("workspace", "billing_item")


@admin.register(MonthlyBill)
class MonthlyBillAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["account", "month", "status", "consumption_total", "adjustments_total", "total", "paid_cash",
                    "paid_prepaid_card", "arrears_at_month_end", "finalized_at"]
    list_filter = ["status", "month"]
    search_fields = ["account__name"]
    list_select_related = ["account"]
    inlines = [MonthlyBillLineInline]
    actions = ["export_csv"]

    @admin.action(description=_("Export selected as CSV"))
    def export_csv(self, request, queryset):
        header = ["account", "month", "status", "consumption", "adjustments", "total", "ordinary vouchers",
                  "full-reduction vouchers", "prepaid cards", "cash", "left owing", "arrears at month end"]
        rows = ([b.account.name, f"{b.month:%Y-%m}", b.status, b.consumption_total, b.adjustments_total, b.total,
                 b.paid_ordinary_voucher, b.paid_full_reduction_voucher, b.paid_prepaid_card, b.paid_cash,
                 b.paid_arrears, b.arrears_at_month_end] for b in queryset.select_related("account"))
        return csv_response(filename="monthly-bills.csv", header=header, rows=rows)


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
            try:
                invoices.invoice_request_issue(invoice_request=invoice, actor=request.user)
            except ApplicationError as error:
                self.message_user(request, f"{invoice}: {error.message}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, _("%(n)s invoice(s) issued.") % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Reject (with the decision note as the reason)"))
    def reject(self, request, queryset):
        done = 0
        for invoice in queryset.filter(status=InvoiceStatus.PENDING):
            try:
                invoices.invoice_request_reject(
                    invoice_request=invoice, actor=request.user, note=invoice.decision_note or "Rejected by finance."
                )
            except ApplicationError as error:
                self.message_user(request, f"{invoice}: {error.message}", messages.ERROR)
            else:
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
        if self.value() == "countdown":
            return queryset.filter(account__workspaces__status=WorkspaceStatus.COUNTDOWN).distinct()
        if self.value() == "locked":
            return queryset.filter(account__workspaces__status=WorkspaceStatus.LOCKED).distinct()
        if self.value() == "none":
            return queryset.exclude(account__workspaces__status__in=[WorkspaceStatus.COUNTDOWN, WorkspaceStatus.LOCKED])
        return queryset


class ArrearsAmountFilter(admin.SimpleListFilter):
    title = _("arrears")
    parameter_name = "owing"

    def lookups(self, request, model_admin):
        return [("lt1000", "< 1,000"), ("lt10000", "1,000 - 10,000"), ("ge10000", ">= 10,000")]

    def queryset(self, request, queryset):
        ranges = {"lt1000": Q(arrears__lt=1000), "lt10000": Q(arrears__gte=1000, arrears__lt=10000),
                  "ge10000": Q(arrears__gte=10000)}
        return queryset.filter(ranges[self.value()]) if self.value() in ranges else queryset


@admin.register(ArrearsAccount)
class ArrearsAccountAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["account", "arrears", "arrears_since", "countdown_started", "lock_on", "days_left",
                    "workspaces_counting", "workspaces_locked"]
    list_filter = [CountdownFilter, ArrearsAmountFilter]
    search_fields = ["account__name"]
    ordering = ["-arrears"]
    actions = ["export_csv"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(arrears__gt=0).select_related("account").annotate(
                countdown_started=Min("account__workspaces__countdown_started_at"),
                workspaces_counting=Count("account__workspaces", distinct=True, filter=Q(
                    account__workspaces__status=WorkspaceStatus.COUNTDOWN)),
                workspaces_locked=Count("account__workspaces", distinct=True, filter=Q(
                    account__workspaces__status=WorkspaceStatus.LOCKED)),
            )
        )

    @admin.display(description=_("countdown started"), ordering="countdown_started")
    def countdown_started(self, obj):
        return admin_display(obj.countdown_started, "moment")

    def lock_day(self, obj):
        if not obj.countdown_started:
            return None
        days = FinanceSettings.load().arrears_countdown_days
        return timezone.localtime(obj.countdown_started + timedelta(days=days)).date()

    @admin.display(description=_("locks on"))
    def lock_on(self, obj):
        return admin_display(self.lock_day(obj), "day")

    @admin.display(description=_("days left"))
    def days_left(self, obj):
        lock_on = self.lock_day(obj)
        return None if lock_on is None else max(0, (lock_on - vendor_today()).days)  # finance's day

    @admin.display(description=_("workspaces counting down"))
    def workspaces_counting(self, obj):
        return obj.workspaces_counting

    @admin.display(description=_("workspaces locked"))
    def workspaces_locked(self, obj):
        return obj.workspaces_locked

    @admin.action(description=_("Export selected as CSV"))
    def export_csv(self, request, queryset):
        header = ["account", "arrears", "arrears since", "countdown started", "locks on", "days left",
                  "workspaces counting down", "workspaces locked"]
        rows = ([w.account.name, w.arrears, w.arrears_since, w.countdown_started, self.lock_day(w), self.days_left(w),
                 w.workspaces_counting, w.workspaces_locked] for w in queryset)
        return csv_response(filename="arrears-accounts.csv", header=header, rows=rows)


class ExpiresWithinFilter(admin.SimpleListFilter):
    title = _("expires within")
    parameter_name = "within"
    field = "expires_at"

    def lookups(self, request, model_admin):
        return [("7", _("7 days")), ("30", _("30 days")), ("90", _("90 days"))]

    def queryset(self, request, queryset):
        days = int(self.value()) if self.value() in ("7", "30", "90") else 30
        now = timezone.now()
        return queryset.filter(**{f"{self.field}__gt": now, f"{self.field}__lte": now + timedelta(days=days)})


class VoucherExpiresWithinFilter(ExpiresWithinFilter):
    field = "valid_until"


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
        return super().get_queryset(request).filter(status="active", balance__gt=0)

    @admin.action(description=_("Export selected as CSV"))
    def export_csv(self, request, queryset):
        rows = ([c.number, c.account.name, c.balance, c.face_value, c.expires_at] for c in queryset)
        return csv_response(filename="expiring-cards.csv", header=["card", "account", "balance", "face value",
                                                                   "expires at"], rows=rows)


@admin.register(ExpiringVoucher)
class ExpiringVoucherAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["__str__", "account", "kind", "balance", "face_value", "valid_until"]
    list_filter = [VoucherExpiresWithinFilter, "kind"]
    search_fields = ["code", "account__name"]
    list_select_related = ["account"]
    ordering = ["valid_until"]
    actions = ["export_csv"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status="active", balance__gt=0, account__isnull=False)

    @admin.action(description=_("Export selected as CSV"))
    def export_csv(self, request, queryset):
        rows = ([str(v), v.account.name, v.kind, v.balance, v.face_value, v.valid_until] for v in queryset)
        return csv_response(filename="expiring-vouchers.csv", header=["voucher", "account", "kind", "balance",
                                                                      "face value", "valid until"], rows=rows)


def revenue_per_day(start: date, end: date) -> list[dict]:
    """Per day: usage billed (daily bills by day), plan and traffic orders paid (by payment day, Beijing time),
    and cash received (succeeded recharges)."""
    days: dict[date, dict] = {}

    def slot(day: date) -> dict:
        return days.setdefault(day, {"day": day, "usage": 0, "orders": 0, "recharges": 0})

    for row in Bill.objects.filter(day__gte=start, day__lte=end).values("day").annotate(s=Sum("total")):
        slot(row["day"])["usage"] = row["s"]
    orders = (
        Order.objects.filter(status=OrderStatus.PAID, paid_at__date__gte=start, paid_at__date__lte=end)
        .annotate(d=TruncDate("paid_at")).values("d").annotate(s=Sum("total"))
    )
    for row in orders:
        slot(row["d"])["orders"] = row["s"]
    recharges = (
        Recharge.objects.filter(status=RechargeStatus.SUCCEEDED, completed_at__date__gte=start,
                                completed_at__date__lte=end)
        .annotate(d=TruncDate("completed_at")).values("d").annotate(s=Sum("amount"))
    )
    for row in recharges:
        slot(row["d"])["recharges"] = row["s"]
    day = start
    while day <= end:
        slot(day)
        day += timedelta(days=1)
    rows = sorted(days.values(), key=lambda r: r["day"])
    for row in rows:
        row["revenue"] = row["usage"] + row["orders"]
    return rows


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
        rows = revenue_per_day(start, end)
        if request.GET.get("format") == "csv":
            return csv_response(
                filename=f"revenue-{start}-{end}.csv", header=["day", "usage billed", "orders paid", "revenue",
                                                               "cash received"],
                rows=([r["day"], r["usage"], r["orders"], r["revenue"], r["recharges"]] for r in rows),
            )
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


