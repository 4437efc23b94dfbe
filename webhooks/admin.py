"""Finance reads every account's endpoints, deliveries and attempts; nothing is edited here (secrets are never
shown)."""

from typing import cast

from django.contrib import admin

from core.admin import FinanceModelAdmin, FinanceTabularInline, ReadOnlyAdminMixin
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["id", "account", "url", "is_active", "consecutive_failures", "auto_disabled_at", "created_at",
                    "secret_rotated_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "account__name"]
    list_select_related = ["account"]
    exclude = ["secret", "previous_secret"]


class WebhookAttemptInline(ReadOnlyAdminMixin, FinanceTabularInline):
    model = WebhookAttempt
    extra = 0
    fields = ["number", "manual", "started_at", "duration_ms", "status_code", "error", "succeeded"]
    readonly_fields = cast(list[str], fields)  # field names only


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["id", "account", "endpoint", "event_type", "status", "attempt_count", "created_at"]
    list_filter = ["status", "event_type"]
    search_fields = ["message_id", "account__name"]
    list_select_related = ["account", "endpoint"]
    inlines = [WebhookAttemptInline]
