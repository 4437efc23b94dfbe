"""The catalogue: billing items with PAYG prices per storage policy, annual plan packages with daily
capacities, traffic packages with their volume discounts. Seeded by migration 0002 with docs/PRODUCT.md's
China-site CNY figures.

The catalogue is dated (docs/RULES-plans.md). The identities (BillingItem, StoragePolicy, Plan, TrafficPackage)
hold what never changes a bill: names, units, retention, rank, validity. Every figure lives in a *version*
effective from a day: StoragePolicyVersion (PAYG price, conversion factor), PlanVersion (price) with its
PlanVersionCapacity rows, TrafficPackageVersion (unit price, minimum) with its TrafficVersionTier rows. A version
whose day has come is frozen: a trigger (migration 0003) refuses to insert a version for a past day and to
change or delete a version (or its rows) in force. Figures are read through plans.selectors.figures_on(day)
(Python) and plans.sql (SQL), never from these models directly.

Units: quantities are integers in the item's natural unit (hosts, entries, traces, page views, calls,
messages). Prices are yuan per *pricing unit* per day (e.g. 1.5 per 1,000,000 log entries)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import money_field, price_field


class BillingItem(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    pricing_unit = models.BigIntegerField(_("pricing unit"), help_text=_("Quantity one price applies to."))
    unit_label = models.CharField(_("unit label"), max_length=50, help_text=_("e.g. '1,000,000 entries'"))
    voucher_payable = models.BooleanField(
        _("payable by vouchers"), default=True, help_text=_("SMS is never paid by vouchers.")
    )
    sort_order = models.PositiveSmallIntegerField(default=0, verbose_name=_("sort order"))

    # Not columns: attached by plans.selectors.billing_item_list (the policies with figures in force that day).
    policies: list[StoragePolicy]

    class Meta:
        verbose_name = _("billing item")
        verbose_name_plural = _("billing items")
        ordering = ["sort_order", "id"]
        constraints = [models.CheckConstraint(condition=Q(pricing_unit__gt=0), name="item_pricing_unit_pos")]

    def __str__(self) -> str:
        return gettext(self.name)  # the seeded names are translated on display (plans/catalogue_i18n.py)

    @property
    def default_policy(self) -> StoragePolicy:
        return next(p for p in self.storage_policies.all() if p.is_default)


class StoragePolicy(models.Model):
    """A retention option of a billing item; its PAYG price and conversion factor are dated (StoragePolicyVersion)."""

    billing_item = models.ForeignKey(
        BillingItem, on_delete=models.PROTECT, related_name="storage_policies", verbose_name=_("billing item"),
    )
    retention_days = models.PositiveSmallIntegerField(_("retention days"), null=True, blank=True)
    is_default = models.BooleanField(_("default policy"), default=False)

    # Not columns: attached by plans.selectors.billing_item_list.
    figures: StoragePolicyVersion | None
    announced: list[StoragePolicyVersion]

    class Meta:
        verbose_name = _("storage policy")
        ordering = ["billing_item__sort_order", "retention_days"]
        verbose_name_plural = _("storage policies")
        constraints = [
            models.UniqueConstraint(fields=["billing_item", "retention_days"], name="policy_unique_retention"),
            models.UniqueConstraint(
                fields=["billing_item"], condition=Q(is_default=True), name="policy_one_default_per_item"
            ),
        ]

    def __str__(self) -> str:
        days = f" {self.retention_days} d" if self.retention_days else ""
        return f"{self.billing_item}{days}"


class Plan(models.Model):
    """An annual plan package; its price and daily capacities are dated (PlanVersion)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True, help_text=_("Upgrades go to a higher rank."))
    validity_days = models.PositiveSmallIntegerField(_("validity days"), default=365)
    is_active = models.BooleanField(_("on sale"), default=True)

    # Not columns: attached by plans.selectors.plan_list (the figures in force that day and what they compare to).
    figures: PlanVersion
    announced: list[PlanVersion]
    daily_payg: Decimal
    payg_equivalent: Decimal
    saving: Decimal
    saving_percent: int

    class Meta:
        verbose_name = _("catalogue plan")
        verbose_name_plural = _("catalogue plans")
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(condition=Q(validity_days__gt=0), name="plan_validity_positive"),
        ]

    def __str__(self) -> str:
        return gettext(self.name)  # the seeded names are translated on display (plans/catalogue_i18n.py)


class TrafficPackage(models.Model):
    """Extra daily capacity for one billing item on top of an annual package; its unit price, minimum and
    discount tiers are dated (TrafficPackageVersion). The basic unit is part of the identity: capacities
    already sold are multiples of it."""

    billing_item = models.OneToOneField(
        BillingItem, on_delete=models.PROTECT, related_name="traffic_package", verbose_name=_("billing item"),
    )
    basic_unit = models.BigIntegerField(_("basic unit"))
    is_active = models.BooleanField(_("on sale"), default=True)

    # Not columns: attached by plans.selectors.traffic_package_list.
    figures: TrafficPackageVersion
    announced: list[TrafficPackageVersion]

    class Meta:
        verbose_name = _("traffic package")
        verbose_name_plural = _("traffic packages")
        ordering = ["billing_item__sort_order"]
        constraints = [
            models.CheckConstraint(condition=Q(basic_unit__gt=0), name="traffic_basic_unit_positive"),
        ]

    def __str__(self) -> str:
        return str(self.billing_item)


# --------------------------------------------------------------------------------------------- versions


class Version(models.Model):
    """A dated set of figures: in force from `effective_from` (a calendar day, inclusive) until the next
    version of the same identity. Frozen once its day has come (database trigger)."""

    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        abstract = True


class StoragePolicyVersion(Version):
    storage_policy = models.ForeignKey(
        StoragePolicy, on_delete=models.PROTECT, related_name="versions", verbose_name=_("storage policy"),
    )
    price = price_field(verbose_name=_("PAYG price per pricing unit per day"))
    conversion_factor = models.PositiveSmallIntegerField(_("conversion factor"), default=1)

    class Meta:
        verbose_name_plural = _("storage policy versions")
        ordering = ["storage_policy_id", "effective_from"]
        verbose_name = _("storage policy version")
        constraints = [
            models.UniqueConstraint(fields=["storage_policy", "effective_from"], name="policy_version_unique_day"),
            models.CheckConstraint(condition=Q(price__gte=0), name="policy_version_price_non_negative"),
            models.CheckConstraint(condition=Q(conversion_factor__gte=1), name="policy_version_factor_at_least_one"),
        ]

    def __str__(self) -> str:
        return gettext("%(thing)s from %(day)s") % {"thing": self.storage_policy, "day": self.effective_from}


class PlanVersion(Version):
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="versions", verbose_name=_("plan"))
    price = money_field(verbose_name=_("price"))

    class Meta:
        verbose_name_plural = _("plan versions")
        ordering = ["plan__rank", "effective_from"]
        verbose_name = _("plan version")
        constraints = [
            models.UniqueConstraint(fields=["plan", "effective_from"], name="plan_version_unique_day"),
            models.CheckConstraint(condition=Q(price__gt=0), name="plan_version_price_positive"),
        ]

    def __str__(self) -> str:
        return gettext("%(thing)s from %(day)s") % {"thing": self.plan, "day": self.effective_from}


class PlanVersionCapacity(models.Model):
    """A daily allowance of one billing item in a plan version, for the whole validity of a package."""

    plan_version = models.ForeignKey(
        PlanVersion, on_delete=models.CASCADE, related_name="capacities", verbose_name=_("plan version"),
    )
    billing_item = models.ForeignKey(
        BillingItem, on_delete=models.PROTECT, related_name="plan_capacities", verbose_name=_("billing item"),
    )
    daily_capacity = models.BigIntegerField(_("daily capacity"))

    class Meta:
        verbose_name = _("plan capacity")
        ordering = ["plan_version_id", "billing_item__sort_order"]
        verbose_name_plural = _("plan capacities")
        constraints = [
            models.UniqueConstraint(fields=["plan_version", "billing_item"], name="plan_version_capacity_unique_item"),
            models.CheckConstraint(condition=Q(daily_capacity__gte=0), name="plan_version_capacity_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_version}: {self.billing_item} {self.daily_capacity}"


class TrafficPackageVersion(Version):
    traffic_package = models.ForeignKey(
        TrafficPackage, on_delete=models.PROTECT, related_name="versions", verbose_name=_("traffic package"),
    )
    minimum_capacity = models.BigIntegerField(_("minimum capacity"))
    unit_price = price_field(verbose_name=_("price per basic unit per day"))

    class Meta:
        verbose_name_plural = _("traffic package versions")
        ordering = ["traffic_package_id", "effective_from"]
        verbose_name = _("traffic package version")
        constraints = [
            models.UniqueConstraint(fields=["traffic_package", "effective_from"], name="traffic_version_unique_day"),
            models.CheckConstraint(condition=Q(minimum_capacity__gt=0), name="traffic_version_minimum_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="traffic_version_price_non_negative"),
        ]

    def __str__(self) -> str:
        return gettext("%(thing)s from %(day)s") % {"thing": self.traffic_package, "day": self.effective_from}


class TrafficVersionTier(models.Model):
    """From `min_capacity` (daily capacity bought) on, `percent_off` is taken off the traffic package price."""

    version = models.ForeignKey(
        TrafficPackageVersion, on_delete=models.CASCADE, related_name="tiers", verbose_name=_("version"),
    )
    min_capacity = models.BigIntegerField(_("from capacity"))
    percent_off = models.DecimalField(_("percent off"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name_plural = _("discount tiers")
        ordering = ["version_id", "min_capacity"]
        verbose_name = _("discount tier")
        constraints = [
            models.UniqueConstraint(fields=["version", "min_capacity"], name="tier_unique_threshold"),
            models.CheckConstraint(
                condition=Q(percent_off__gt=0) & Q(percent_off__lt=100), name="tier_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return f">= {self.min_capacity}: -{self.percent_off}%"
