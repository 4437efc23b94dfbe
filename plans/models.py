"""The catalogue: billing items with PAYG prices per storage policy, annual plan packages with daily
capacities, traffic packages with their volume discounts. Seeded by migration 0002 with docs/PRODUCT.md's
China-site CNY figures; finance edits it in admin.

Units: quantities are integers in the item's natural unit (hosts, entries, traces, page views, calls,
messages). Prices are yuan per *pricing unit* per day (e.g. 1.5 per 1,000,000 log entries)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import money_field, price_field, quantize


class BillingItem(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    pricing_unit = models.BigIntegerField(_("pricing unit"), help_text=_("Quantity one price applies to."))
    unit_label = models.CharField(_("unit label"), max_length=50, help_text=_("e.g. '1,000,000 entries'"))
    voucher_payable = models.BooleanField(
        _("payable by vouchers"), default=True, help_text=_("SMS is never paid by vouchers.")
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [models.CheckConstraint(condition=Q(pricing_unit__gt=0), name="item_pricing_unit_pos")]

    def __str__(self) -> str:
        return self.name

    @property
    def default_policy(self) -> StoragePolicy:
        return next(p for p in self.storage_policies.all() if p.is_default)


class StoragePolicy(models.Model):
    """A retention option of a billing item, with its PAYG price and the factor package deduction applies."""

    billing_item = models.ForeignKey(BillingItem, on_delete=models.PROTECT, related_name="storage_policies")
    retention_days = models.PositiveSmallIntegerField(_("retention days"), null=True, blank=True)
    price = price_field(verbose_name=_("PAYG price per pricing unit per day"))
    conversion_factor = models.PositiveSmallIntegerField(_("conversion factor"), default=1)
    is_default = models.BooleanField(_("default policy"), default=False)

    class Meta:
        ordering = ["billing_item__sort_order", "retention_days"]
        verbose_name_plural = _("storage policies")
        constraints = [
            models.UniqueConstraint(fields=["billing_item", "retention_days"], name="policy_unique_retention"),
            models.UniqueConstraint(
                fields=["billing_item"], condition=Q(is_default=True), name="policy_one_default_per_item"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="policy_price_non_negative"),
            models.CheckConstraint(condition=Q(conversion_factor__gte=1), name="policy_factor_at_least_one"),
        ]

    def __str__(self) -> str:
        days = f" {self.retention_days} d" if self.retention_days else ""
        return f"{self.billing_item}{days}"


class Plan(models.Model):
    """An annual plan package. Capacities are daily allowances for the whole validity."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    price = money_field(verbose_name=_("price"))
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True, help_text=_("Upgrades go to a higher rank."))
    validity_days = models.PositiveSmallIntegerField(_("validity days"), default=365)
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="plan_price_positive"),
            models.CheckConstraint(condition=Q(validity_days__gt=0), name="plan_validity_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    PAYG_EQUIVALENT_DAYS = 372

    def daily_payg_value(self) -> Decimal:
        """The daily PAYG value of the capacities at the default policies' prices (capacities prefetched)."""
        total = Decimal(0)
        for capacity in self.capacities.all():
            item = capacity.billing_item
            total += Decimal(capacity.daily_capacity) / item.pricing_unit * item.default_policy.price
        return total

    def payg_equivalent(self) -> Decimal:
        return quantize(self.daily_payg_value() * self.PAYG_EQUIVALENT_DAYS)

    def saving(self) -> Decimal:
        return quantize(self.payg_equivalent() - self.price)


class PlanCapacity(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="capacities")
    billing_item = models.ForeignKey(BillingItem, on_delete=models.PROTECT, related_name="plan_capacities")
    daily_capacity = models.BigIntegerField(_("daily capacity"))

    class Meta:
        ordering = ["plan__rank", "billing_item__sort_order"]
        verbose_name_plural = _("plan capacities")
        constraints = [
            models.UniqueConstraint(fields=["plan", "billing_item"], name="plan_capacity_unique_item"),
            models.CheckConstraint(condition=Q(daily_capacity__gte=0), name="plan_capacity_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.billing_item} {self.daily_capacity}"


class TrafficPackage(models.Model):
    """Extra daily capacity for one billing item on top of an annual package."""

    billing_item = models.OneToOneField(BillingItem, on_delete=models.PROTECT, related_name="traffic_package")
    basic_unit = models.BigIntegerField(_("basic unit"))
    minimum_capacity = models.BigIntegerField(_("minimum capacity"))
    unit_price = price_field(verbose_name=_("price per basic unit per day"))
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["billing_item__sort_order"]
        constraints = [
            models.CheckConstraint(condition=Q(basic_unit__gt=0), name="traffic_basic_unit_positive"),
            models.CheckConstraint(condition=Q(minimum_capacity__gt=0), name="traffic_minimum_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="traffic_price_non_negative"),
        ]

    def __str__(self) -> str:
        return str(self.billing_item)


class TrafficDiscountTier(models.Model):
    """From `min_capacity` (daily capacity bought) on, `percent_off` is taken off the traffic package price."""

    traffic_package = models.ForeignKey(TrafficPackage, on_delete=models.CASCADE, related_name="discount_tiers")
    min_capacity = models.BigIntegerField(_("from capacity"))
    percent_off = models.DecimalField(_("percent off"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["traffic_package_id", "min_capacity"]
        constraints = [
            models.UniqueConstraint(fields=["traffic_package", "min_capacity"], name="discount_unique_threshold"),
            models.CheckConstraint(
                condition=Q(percent_off__gt=0) & Q(percent_off__lt=100), name="discount_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.traffic_package} >= {self.min_capacity}: -{self.percent_off}%"
