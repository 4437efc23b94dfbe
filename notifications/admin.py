from django.contrib import admin

from notifications.models import AlertEvent, AlertRule, ExpiryReminder


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ["account", "workspace", "billing_item", "threshold", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["account__name", "workspace__name"]
    list_select_related = ["account", "workspace", "billing_item"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AlertEvent)
class AlertEventAdmin(admin.ModelAdmin):
    list_display = ["day", "account", "workspace", "billing_item", "amount", "threshold", "sent_at"]
    list_filter = ["day"]
    list_select_related = ["account", "workspace", "billing_item"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(AlertEventAdmin):
    list_display = ["account", "card", "voucher", "expires_at", "balance", "sent_at"]
    list_filter = ["sent_at"]
    list_select_related = ["account", "card", "voucher"]
