"""Warnings before quota or money runs out (docs/PRODUCT.md "Forecast, runway and warnings").

- `WarningRule`: what to watch, per account (quota share of a package's daily capacity, low balance or runway,
  a workspace budget). Owners and administrators configure them; defaults are created for every account.
- `WarningEpisode`: one warning that fired, open until its condition clears. At most one OPEN episode per rule and
  subject (the partial unique constraint is the guard), so re-runs and later nights never repeat it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import money_field
from core.querysets import AccountScopedQuerySet


class WarningKind(models.TextChoices):
    QUOTA = "quota", _("Quota threshold")
    LOW_BALANCE = "low_balance", _("Low balance")
    BUDGET = "budget", _("Workspace budget")


# the percentages of a budget that warn (besides "the forecast exceeds the budget")
BUDGET_STEPS = (50, 80, 100)


class WarningRule(models.Model):
    account = models.ForeignKey("workspaces.Account", on_delete=models.CASCADE, related_name="warning_rules")
    kind = models.CharField(_("kind"), max_length=16, choices=WarningKind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    # quota: percent of the daily capacity, for one package (null: every package) and item (null: every item),
    # reached on `consecutive_days` days in a row
    percent = models.PositiveSmallIntegerField(_("percent of daily capacity"), null=True, blank=True)
    package = models.ForeignKey("orders.Package", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    billing_item = models.ForeignKey(
        "plans.BillingItem", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consecutive_days = models.PositiveSmallIntegerField(_("days in a row"), default=1)
    # low balance: runway below `runway_days`, or usable balance below `balance_below` (either may be set)
    runway_days = models.PositiveSmallIntegerField(_("runway below (days)"), null=True, blank=True)
    balance_below = money_field(verbose_name=_("usable balance below"), null=True, blank=True)
    # budget: a monthly budget for a group of workspaces (none chosen: every workspace of the account)
    name = models.CharField(_("name"), max_length=100, blank=True)
    budget = money_field(verbose_name=_("monthly budget"), null=True, blank=True)
    workspaces = models.ManyToManyField("workspaces.Workspace", blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("warning rule")
        verbose_name_plural = _("warning rules")
        ordering = ["kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="quota") | (Q(percent__gte=1) & Q(percent__lte=1000)),
                name="warning_quota_has_percent",
            ),
            models.CheckConstraint(
                condition=Q(consecutive_days__gte=1) & Q(consecutive_days__lte=31), name="warning_days_range"
            ),
            models.CheckConstraint(
                condition=~Q(kind="low_balance")
                | ((Q(runway_days__isnull=False) & Q(runway_days__gte=1) & Q(runway_days__lte=366))
                   | (Q(balance_below__isnull=False) & Q(balance_below__gt=0))),
                name="warning_low_balance_has_limit",
            ),
            models.CheckConstraint(
                condition=~Q(kind="budget") | (Q(budget__isnull=False) & Q(budget__gt=0)),
                name="warning_budget_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class WarningEpisode(models.Model):
    """A warning that fired. `subject` says what crossed within the rule: "p<package>-i<item>" (quota),
    "runway" or "balance" (low balance), "50", "80", "100" or "forecast" (budget)."""

    account = models.ForeignKey("workspaces.Account", on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(WarningRule, on_delete=models.CASCADE, related_name="episodes")
    subject = models.CharField(max_length=64)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    detail = models.JSONField(default=dict, help_text=_("the figures that fired it (what the mail and webhook said)"))
    recipients = models.TextField(blank=True, help_text=_("emails the warning went to, one per line"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("warning episode")
        verbose_name_plural = _("warning episodes")
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject"], condition=Q(closed_on__isnull=True), name="warning_one_open_episode"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.subject} {self.opened_on}"
