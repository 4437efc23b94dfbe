from django.contrib import admin

from core.models import FinanceSettings


@admin.register(FinanceSettings)
class FinanceSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "card_validity_days", "order_payment_minutes", "arrears_countdown_days"]

    def has_add_permission(self, request):
        return not FinanceSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
