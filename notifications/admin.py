from django.contrib import admin

from core.admin import FinanceModelAdmin, ReadOnlyAdminMixin
from notifications.models import AlertEvent, AlertRule, ExpiryReminder


@admin.register(AlertRule)
class AlertRuleAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    """Tenants set their rules on their pages; finance reads them and may delete one."""

    list_display = ["account", "workspace", "billing_item", "threshold", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["account__name", "workspace__name"]
    list_select_related = ["account", "workspace", "billing_item"]
    has_delete_permission = admin.ModelAdmin.has_delete_permission


@admin.register(AlertEvent)
class AlertEventAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["day", "account", "workspace", "billing_item", "amount", "threshold", "sent_at"]
    list_filter = ["day"]
    list_select_related = ["account", "workspace", "billing_item"]


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["account", "card", "voucher", "expires_at", "balance", "sent_at"]
    list_filter = ["sent_at"]
    list_select_related = ["account", "card", "voucher"]
