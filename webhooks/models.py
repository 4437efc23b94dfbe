"""Webhooks: the HTTPS endpoints an owner registers, each message queued for an endpoint (a delivery) and each
attempt to send it. Signing follows the Standard Webhooks specification (webhooks/signing.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.querysets import AccountScopedQuerySet
from webhooks.events import DELIVERY_EVENT_CHOICES, EventType


class WebhookEndpoint(models.Model):
    account = models.ForeignKey("workspaces.Account", on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = ArrayField(models.CharField(max_length=64, choices=EventType.choices), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    # whsec_ + base64 of 32 random bytes. Needed in clear to sign; never shown after creation or rotation.
    secret = models.CharField(max_length=100)
    # The secret before the last rotation: deliveries are signed with both until previous_secret_until.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    # Failed attempts in a row (reset by a 2xx and by enabling the endpoint again). At
    # WEBHOOKS_DISABLE_AFTER_FAILURES the endpoint is disabled (auto_disabled_at) and the owners are mailed.
    consecutive_failures = models.PositiveIntegerField(default=0)
    auto_disabled_at = models.DateTimeField(null=True, blank=True)
    # A lease: one attempt at a time per endpoint. Taken by an UPDATE before the request and given back after
    # it (no row lock is held during the request); a crashed worker's lease expires by itself.
    busy_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        ordering = ["account_id", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        constraints = [
            models.CheckConstraint(condition=Q(secret__startswith="whsec_"), name="webhook_secret_prefix"),
        ]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One message for one endpoint. `body` is the exact JSON text that is signed and sent on every attempt;
    `message_id` (the webhook-id header) stays the same across attempts and resends, so a receiver can
    drop duplicates."""

    account = models.ForeignKey("workspaces.Account", on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=64, choices=DELIVERY_EVENT_CHOICES)
    message_id = models.CharField(max_length=64)
    body = models.TextField()
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempt_count = models.PositiveIntegerField(default=0, help_text="attempts of the current round")
    # The chain of attempts (round) in force: a resend starts a new one; a task of an older chain exits.
    generation = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["endpoint", "-created_at"]), models.Index(fields=["account", "-created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "message_id"], name="webhook_delivery_unique_message"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id}"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: what came back (status code, the start of the body) or the error."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField(help_text="1 for the first attempt of the delivery, counting resends")
    manual = models.BooleanField(default=False, help_text="sent again by a person")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text="at most WEBHOOKS_RESPONSE_BODY_CHARS characters")
    error = models.CharField(max_length=500, blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["delivery_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_unique_number"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error}"
