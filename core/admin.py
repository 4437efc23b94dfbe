"""Finance's admin for core's models, and the one place that says what "read-only in admin" means.

`ReadOnlyAdminMixin` (no add, change or delete) and `NoDeleteAdminMixin` (no add or delete) serve model
admins and inlines alike: every app's admin uses them instead of repeating the permission methods.
"""

from django.contrib import admin

from core.models import FinanceSettings, IdempotencyKey


class NoDeleteAdminMixin:
    """Rows that finance may look at and edit through their form, but never add or delete by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdminMixin(NoDeleteAdminMixin):
    """Rows written only by services (ledger, settlements, bills, logs): finance reads them."""

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FinanceSettings)
class FinanceSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "card_validity_days", "order_payment_minutes", "arrears_countdown_days"]

    def has_add_permission(self, request):
        return not FinanceSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the stored first answers of money-moving requests. Deleting a key would let a replayed
    request move money again."""

    list_display = ["key", "user", "status_code", "created_at"]
    search_fields = ["key", "user__username"]
    list_select_related = ["user"]
