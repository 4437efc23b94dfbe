"""Reads of the webhooks app, always scoped to an account."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from webhooks.models import WebhookDelivery, WebhookEndpoint
from workspaces.models import Account


def endpoint_list(*, account: Account) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.for_account(account).annotate(delivery_count=Count("deliveries")).order_by("pk")


def delivery_list(*, account: Account, endpoint: WebhookEndpoint | None = None) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.for_account(account).select_related("endpoint")
    if endpoint is not None:
        deliveries = deliveries.filter(endpoint=endpoint)
    return deliveries.order_by("-created_at", "-id")


def delivery_with_attempts(*, account: Account) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.for_account(account).select_related("endpoint").prefetch_related("attempts")
