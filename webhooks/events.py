"""The events an endpoint can subscribe to (the `type` of each message) and the shape of each message.

A message body is the Standard Webhooks envelope: {"type": ..., "timestamp": ISO 8601 UTC, "data": {...}}.
`data` always carries `account_id`; the rest per type is documented in docs/RULES-webhooks.md."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    WORKSPACE_COUNTDOWN_STARTED = "workspace.countdown_started", _("Workspace countdown started")
    WORKSPACE_LOCKED = "workspace.locked", _("Workspace locked")
    WORKSPACE_UNLOCKED = "workspace.unlocked", _("Workspace unlocked")
    DAILY_BILL_SETTLED = "bill.daily_settled", _("Daily bill settled")
    MONTHLY_BILL_FINAL = "bill.monthly_final", _("Monthly bill final")
    PACKAGE_EXPIRING = "package.expiring", _("Package expiring")
    PACKAGE_RENEWED = "package.renewed", _("Package renewed")
    PACKAGE_EXPIRED = "package.expired", _("Package expired")
    RECHARGE_CREDITED = "recharge.credited", _("Recharge credited")
    QUOTA_THRESHOLD = "alert.quota_threshold", _("Quota threshold reached")
    LOW_BALANCE = "alert.low_balance", _("Low balance or short runway")
    BUDGET_THRESHOLD = "alert.budget_threshold", _("Workspace budget threshold reached")


# The test event: sent on demand to one endpoint ("Send a test event"), never subscribable (not in EventType, so
# neither the forms nor the API accept it in `event_types`), delivered whatever the endpoint subscribes to.
TEST_EVENT = "webhook.test"

# What a delivery may carry: every subscribable event and the test event.
DELIVERY_EVENT_CHOICES: list[tuple[str, Any]] = [*EventType.choices, (TEST_EVENT, _("Test event"))]
