"""Finance reads every account's trail (and the catalogue's) in admin; nothing can be added, changed or
deleted (the event tables refuse it anyway)."""

from django.contrib import admin

from audit import selectors
from audit.models import AuditEvent
from core.admin import FinanceModelAdmin, ReadOnlyAdminMixin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["pgh_created_at", "pgh_obj_model", "pgh_obj_id", "pgh_label", "account", "user_id", "url",
                    "pgh_diff"]
    list_filter = ["pgh_label"]
    ordering = ["-pgh_created_at"]
    show_full_result_count = False

    def get_queryset(self, request):
        return selectors.all_events()

    @admin.display(description="account")
    def account(self, event):
        return (event.pgh_data or {}).get("scope_account_id")
