from django.contrib import admin

from core.admin import FinanceModelAdmin, ReadOnlyAdminMixin
from forecasts.models import WarningEpisode, WarningRule


@admin.register(WarningRule)
class WarningRuleAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    """Tenants set their warnings on their pages; finance reads them."""

    list_display = ["account", "kind", "percent", "runway_days", "balance_below", "budget", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["account__name"]
    list_select_related = ["account"]


@admin.register(WarningEpisode)
class WarningEpisodeAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["opened_on", "closed_on", "account", "rule", "subject"]
    list_filter = ["opened_on"]
    search_fields = ["account__name"]
    list_select_related = ["account", "rule"]
