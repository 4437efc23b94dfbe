"""Cross-cutting records: finance's settings and the idempotency keys of money-moving requests."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FinanceSettings(models.Model):
    """One row (pk=1) of business settings finance edits in admin."""

    card_validity_days = models.PositiveIntegerField(_("prepaid card validity (days)"), default=365)
    gift_voucher_validity_days = models.PositiveIntegerField(_("gift voucher validity (days)"), default=365)
    order_payment_minutes = models.PositiveIntegerField(_("unpaid orders expire after (minutes)"), default=1440)
    arrears_countdown_days = models.PositiveSmallIntegerField(_("arrears countdown (days)"), default=14)
    arrears_reminder_days_before = models.PositiveSmallIntegerField(
        _("reminder before lock (days)"), default=3
    )
    auto_renew_days_before = models.PositiveSmallIntegerField(
        _("automatic renewal charges the wallet (days before the end)"), default=7
    )
    usage_retention_months = models.PositiveSmallIntegerField(
        _("raw usage kept (months)"), default=13,
        help_text=_("usage_retention drops raw usage partitions older than this; bills and their lines stay"),
    )
    # The seller printed on invoices (statements/pdf.py) and the VAT rate of the services invoiced. Amounts are
    # tax-inclusive: the PDF shows tax = total x rate / (1 + rate), rounded once (docs/RULES-statements.md).
    invoice_vat_rate = models.DecimalField(
        _("VAT rate on invoices"), max_digits=5, decimal_places=4, default=Decimal("0.0600"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.5"))],
        help_text=_("as a fraction: 0.0600 is 6% (modern services)"),
    )
    seller_name = models.CharField(_("seller's legal name"), max_length=200, default="Fee Center Technology Co., Ltd.")
    seller_tax_id = models.CharField(_("seller's taxpayer ID"), max_length=20, default="91310000000000000X")
    seller_address = models.CharField(_("seller's address"), max_length=300, blank=True,
                                      default="1 Example Road, Pudong, Shanghai")

    class Meta:
        verbose_name = _("finance settings")
        verbose_name_plural = _("finance settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="finance_settings_singleton")]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def load(cls) -> FinanceSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class IdempotencyKey(models.Model):
    """The first successful answer to a money-moving request with an Idempotency-Key (see core/idempotency.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user"),
    )
    key = models.CharField(max_length=255, verbose_name=_("key"))
    fingerprint = models.CharField(
        max_length=64, help_text=_("sha256 of method, path and canonical body"), verbose_name=_("fingerprint"),
    )
    status_code = models.PositiveSmallIntegerField(verbose_name=_("status code"))
    response_body = models.JSONField(verbose_name=_("response body"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")]

    def __str__(self) -> str:
        return self.key
