"""Notifications: high-spending alert rules, the record of each alert sent (once per rule, workspace and day),
and the record of each expiry reminder sent (once per card or voucher). Amounts are CNY yuan (core.money)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.formatting import format_cny
from core.money import money_field
from core.querysets import AccountScopedQuerySet


class AlertRule(models.Model):
    """A daily spending threshold for one workspace, in total (billing_item null) or for one billing item.
    When a day's bill for the workspace (or that item) exceeds the threshold, the recipients and the owners
    get an email."""

    account = models.ForeignKey(
        "workspaces.Account", on_delete=models.PROTECT, related_name="alert_rules", verbose_name=_("account"),
    )
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.PROTECT, related_name="alert_rules", verbose_name=_("workspace"),
    )
    billing_item = models.ForeignKey(
        "plans.BillingItem", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("billing item")
    )
    threshold = money_field(verbose_name=_("daily threshold"))
    recipients = models.ManyToManyField(
        "workspaces.Membership", blank=True, related_name="+", verbose_name=_("recipients"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        ordering = ["workspace_id", "billing_item_id", "id"]
        verbose_name = _("high-spending alert")
        verbose_name_plural = _("high-spending alerts")
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__gt=0) & Q(threshold__lte=100000000), name="alert_threshold_range"
            ),
            models.UniqueConstraint(
                fields=["workspace"], condition=Q(billing_item__isnull=True), name="alert_one_total_per_workspace"
            ),
            models.UniqueConstraint(fields=["workspace", "billing_item"], name="alert_one_per_workspace_item"),
        ]

    def __str__(self) -> str:
        return f"{self.workspace} {self.billing_item or gettext('total')} > {self.threshold}"


class AlertEvent(models.Model):
    """An alert that fired: at most one per rule, workspace and day (the unique constraint is the guard)."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="events", verbose_name=_("rule"))
    account = models.ForeignKey(
        "workspaces.Account", on_delete=models.PROTECT, related_name="+", verbose_name=_("account"),
    )
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.PROTECT, related_name="+", verbose_name=_("workspace"),
    )
    billing_item = models.ForeignKey(
        "plans.BillingItem", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("billing item")
    )
    day = models.DateField(verbose_name=_("day"))
    amount = money_field(help_text=_("the day's spending that crossed the threshold"), verbose_name=_("amount"))
    threshold = money_field(verbose_name=_("threshold"))
    recipients = models.TextField(help_text=_("emails the alert went to, one per line"), verbose_name=_("recipients"))
    sent_at = models.DateTimeField(auto_now_add=True, verbose_name=_("sent at"))

    class Meta:
        verbose_name = _("alert event")
        verbose_name_plural = _("alert events")
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "workspace", "day"], name="alert_event_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} · {format_cny(self.amount)}"


class ExpiryReminder(models.Model):
    """The reminder that a prepaid card or voucher expires within 7 days: sent once per instrument."""

    account = models.ForeignKey(
        "workspaces.Account", on_delete=models.PROTECT, related_name="+", verbose_name=_("account"),
    )
    card = models.OneToOneField(
        "payments.PrepaidCard", on_delete=models.PROTECT, null=True, blank=True, related_name="expiry_reminder",
        verbose_name=_("card")
    )
    voucher = models.OneToOneField(
        "payments.Voucher", on_delete=models.PROTECT, null=True, blank=True, related_name="expiry_reminder",
        verbose_name=_("voucher")
    )
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    balance = money_field(verbose_name=_("balance"))
    sent_at = models.DateTimeField(auto_now_add=True, verbose_name=_("sent at"))

    class Meta:
        verbose_name = _("expiry reminder")
        verbose_name_plural = _("expiry reminders")
        ordering = ["-sent_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(card__isnull=False) & Q(voucher__isnull=True))
                | (Q(card__isnull=True) & Q(voucher__isnull=False)),
                name="expiry_reminder_one_instrument",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expires_at:%Y-%m-%d} · {format_cny(self.balance)}"
