"""Finance's admin for the quota app: bills read-only with their lines and settlements, a "re-run this day"
action that calls the service, usage read-only, service tokens (the key is shown once, on creation)."""

from __future__ import annotations

from functools import partial
from typing import cast

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core import formatting
from core.admin import (
    FinanceModelAdmin,
    FinanceTabularInline,
    IdSearchMixin,
    NoDeleteAdminMixin,
    ReadOnlyAdminMixin,
    readonly_table,
)
from quota import ingest, night, selectors
from quota.models import Bill, BillLine, BillSettlement, NightMark, ServiceToken, UsageRecord


class ReadOnlyInline(ReadOnlyAdminMixin, FinanceTabularInline):
    extra = 0
    can_delete = False


LINE_COLUMNS = ["workspace", "billing_item", "storage_policy", "package", "usage", "factor", "converted",
                "covered_by_package", "covered_by_traffic", "overage", "unit_price", "amount"]


def _line_cells(line: BillLine) -> tuple[str, ...]:
    """A line's cells in LINE_COLUMNS' order: related rows by their names, quantities with thousands
    separators, the unit price to its four places and the amount in yuan."""
    return (str(line.workspace), str(line.billing_item), str(line.storage_policy),
            "-" if line.package is None else str(line.package), formatting.number(line.usage),
            formatting.number(line.factor), formatting.number(line.converted),
            formatting.number(line.covered_by_package), formatting.number(line.covered_by_traffic),
            formatting.number(line.overage), formatting.price(line.unit_price), formatting.money(line.amount))


class BillSettlementInline(ReadOnlyInline):
    model = BillSettlement
    fields = ["sequence", "amount", "payment", "created_at"]
    readonly_fields = cast(list[str], fields)  # field names only

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("payment")  # its name: not a query per settlement


@admin.register(Bill)
class BillAdmin(IdSearchMixin, NoDeleteAdminMixin, FinanceModelAdmin):
    list_display = ["day", "account", "total", "voucher_payable_total", "charged", "runs", "updated_at"]
    search_fields = ["account_id", "id"]  # exact ids on indexed columns (a big table); days: the date hierarchy
    date_hierarchy = "day"
    list_select_related = ["account"]
    inlines = [BillSettlementInline]
    actions = ["rerun_day"]
    readonly_fields = ["account", "day", "total", "voucher_payable_total", "charged", "voucher_payable_charged",
                       "runs", "created_at", "updated_at", "lines_table"]

    @admin.display(description=_("Lines"))
    def lines_table(self, bill: Bill) -> str:
        """The bill's lines: one query (names joined) on the bill's day partition only, one read-only table."""
        lines = selectors.bill_lines(bill=bill).select_related(
            "workspace", "billing_item", "storage_policy__billing_item", "package__plan")
        return readonly_table(BillLine, LINE_COLUMNS, (_line_cells(line) for line in lines), figures_from=4)

    def has_change_permission(self, request, obj=None) -> bool:
        # The change view only shows the bill; nothing can be saved (every field is read-only).
        return request.method in ("GET", "HEAD") and super().has_change_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("quota.change_bill"):
            actions.pop("rerun_day", None)
        return actions

    @admin.action(description=_("Re-run this day for this account (settles only the difference)"))
    def rerun_day(self, request, queryset):
        for bill in queryset.order_by("day", "account_id"):
            ran, result = self.run_service(
                request, partial(night.bill_rerun, account_id=bill.account_id, day=bill.day, actor=request.user),
                subject=bill)
            if not ran or result is None:
                continue
            self.message_user(
                request,
                _("%(bill)s re-run: charged %(charged)s, credited %(credited)s.")
                % {"bill": bill, "charged": result.charged, "credited": result.credited},
                messages.SUCCESS,
            )


@admin.register(UsageRecord)
class UsageRecordAdmin(IdSearchMixin, ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["day", "workspace", "billing_item", "quantity", "updated_at"]
    # No date hierarchy: the day filter's links are fixed ranges that prune to the month partitions (a drill-down
    # would still read the first and last day of billions of rows to offer its periods).
    list_filter = ["day", "billing_item"]
    # A search is an exact account id, read through the (account, day) index in the list's order (newest day
    # first): one index range per month partition, merged, never a scan of the table (migration 0013).
    search_fields = ["account_id"]
    # Newest day first, then the (day, account) index's own order: a backward range of that index with a sort of
    # each account's few rows of a day. The columns of the unique (workspace, item, day) make the order total,
    # so Django adds no "-pk", which would sort the whole newest day (80,000 rows at 1,000 accounts: 275 ms).
    ordering = ["-day", "-account_id", "-workspace_id", "-billing_item_id"]
    list_select_related = ["workspace", "billing_item"]


@admin.register(ServiceToken)
class ServiceTokenAdmin(FinanceModelAdmin):
    list_display = ["name", "is_active", "created_at", "last_used_at"]
    fields = ["name", "is_active", "created_at", "last_used_at"]
    readonly_fields = ["created_at", "last_used_at"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "name"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["is_active"])
            return
        created, made = self.run_service(request, partial(ingest.service_token_create, name=obj.name))
        if not created or made is None:
            return
        token, key = made
        obj.pk = token.pk
        obj.key_hash = token.key_hash
        obj.created_at = token.created_at
        self.message_user(
            request, _("Token created. Its key, shown only this once: %(key)s") % {"key": key}, messages.WARNING
        )


@admin.register(NightMark)
class NightMarkAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    """Read-only: the last night run per account (what the hourly beat starts from)."""

    list_display = ["account", "last_day", "updated_at"]
    list_select_related = ["account"]
    search_fields = ["account__name"]
    ordering = ["-last_day"]
