"""The records of the renewal machinery (imported by orders/models.py): the expiry reminders already sent
and the automatic renewal attempts, each unique so a re-run of the daily task never repeats one."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import money_field


class PackageReminder(models.Model):
    """An expiry reminder sent for a package `days_before` (30, 7 or 1) days before its end: once each."""

    package = models.ForeignKey(
        "orders.Package", on_delete=models.CASCADE, related_name="reminders", verbose_name=_("package"),
    )
    days_before = models.PositiveSmallIntegerField(verbose_name=_("days before"))
    sent_on = models.DateField(help_text=_("the account's day it was sent"), verbose_name=_("sent on"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("package reminder")
        verbose_name_plural = _("package reminders")
        app_label = "orders"
        ordering = ["package_id", "-days_before"]
        constraints = [
            models.UniqueConstraint(fields=["package", "days_before"], name="package_reminder_once"),
        ]

    def __str__(self) -> str:
        return gettext("package %(package)s: %(days)s days before") % {
            "package": self.package_id, "days": self.days_before}


class AutoRenewAttempt(models.Model):
    """One automatic renewal attempt of a package on one of the account's days (at most one per day). A
    success names the paid renewal order; a failure the shortfall that the wallet lacked."""

    package = models.ForeignKey(
        "orders.Package", on_delete=models.CASCADE, related_name="auto_renew_attempts", verbose_name=_("package"),
    )
    day = models.DateField(verbose_name=_("day"))
    succeeded = models.BooleanField(default=False, verbose_name=_("succeeded"))
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("order"),
    )
    amount = money_field(null=True, blank=True, help_text=_("the renewal's price"), verbose_name=_("amount"))
    shortfall = money_field(null=True, blank=True, verbose_name=_("shortfall"))
    message = models.CharField(max_length=500, blank=True, verbose_name=_("message"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("auto-renewal attempt")
        verbose_name_plural = _("auto-renewal attempts")
        app_label = "orders"
        ordering = ["package_id", "-day"]
        constraints = [
            models.UniqueConstraint(fields=["package", "day"], name="auto_renew_attempt_once_a_day"),
            models.CheckConstraint(condition=~Q(succeeded=True) | Q(order__isnull=False),
                                   name="auto_renew_success_has_order"),
        ]

    def __str__(self) -> str:
        outcome = gettext("succeeded") if self.succeeded else gettext("failed")
        return gettext("package %(package)s on %(day)s: %(outcome)s") % {
            "package": self.package_id, "day": f"{self.day:%Y-%m-%d}", "outcome": outcome}
