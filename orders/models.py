"""Orders (purchase, upgrade, traffic) and the packages they create.

Dates of validity are calendar days in the account's time zone, both ends inclusive. A package bought on day
T starts on T+1 (the next billing day) and ends on T+validity_days. Changes to a package's workspaces or plan
take effect on the next billing day: rows carry `valid_from` / `valid_until` so a past night can always be
re-run with what applied on that day."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.days import inclusive_days
from core.formatting import number
from core.money import money_field, price_field
from core.querysets import AccountScopedQuerySet


class OrderKind(models.TextChoices):
    PURCHASE = "purchase", _("Plan package purchase")
    UPGRADE = "upgrade", _("Upgrade")
    TRAFFIC = "traffic", _("Traffic package")
    RENEWAL = "renewal", _("Renewal")


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Pending payment")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    REFUNDED = "refunded", _("Refunded")


class Order(models.Model):
    account = models.ForeignKey(
        "workspaces.Account", on_delete=models.PROTECT, related_name="orders", verbose_name=_("account"),
    )
    number = models.CharField(_("order number"), max_length=32, unique=True)
    kind = models.CharField(max_length=16, choices=OrderKind.choices, verbose_name=_("kind"))
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT, verbose_name=_("status"),
    )
    # purchase: the plan bought; upgrade: the target plan; traffic: null.
    plan = models.ForeignKey(
        "plans.Plan", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("plan"),
    )
    # upgrade and traffic: the package they change; purchase: the package created when paid.
    package = models.ForeignKey(
        "orders.Package", on_delete=models.PROTECT, null=True, blank=True, related_name="orders",
        verbose_name=_("package")
    )
    total = money_field(verbose_name=_("total"))
    # upgrade and traffic: the day the change takes effect, as priced (tomorrow or the package start);
    # paying on a later day would change the remaining days, so such an order must be created again.
    effective_on = models.DateField(null=True, blank=True, verbose_name=_("effective on"))
    # upgrade: the package's plan the difference was priced from.
    previous_plan = models.ForeignKey(
        "plans.Plan", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("previous plan"),
    )
    # the day whose catalogue figures priced this order (the account's day when it was created); the package
    # it pays for keeps the figures of that day (docs/RULES-plans.md "What a sale keeps").
    catalogue_day = models.DateField(_("catalogue day"))
    refund_reason = models.CharField(max_length=500, blank=True, verbose_name=_("refund reason"))
    # cancelled because this other order, paid for some of the same workspaces (or the same renewal), made it
    # unpayable (docs/RULES-orders.md "Stale orders").
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("superseded by")
    )
    # renewal: the package renewed (the new package, created when paid, is `package`).
    renewal_of = models.ForeignKey(
        "orders.Package", on_delete=models.PROTECT, null=True, blank=True, related_name="renewal_orders",
        verbose_name=_("renewal of")
    )
    payment = models.OneToOneField(
        "payments.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="order",
        verbose_name=_("payment")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    expires_at = models.DateTimeField(_("pay before"))
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("cancelled, expired or refunded at"), verbose_name=_("closed at"),
    )

    objects = AccountScopedQuerySet.as_manager()

    # Not columns: set by orders.selectors.mark_payable (a page offers Pay only then) and unpaid_orders_naming.
    can_pay: bool
    shared: list[str]

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at"]), models.Index(fields=["status", "expires_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="order_total_positive"),
            models.CheckConstraint(
                condition=~Q(status__in=["paid", "refunded"])
                | (Q(payment__isnull=False) & Q(paid_at__isnull=False)),
                name="order_paid_has_payment",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["purchase", "renewal"]) | Q(plan__isnull=False), name="order_purchase_has_plan"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["purchase", "renewal"]) | Q(package__isnull=False),
                name="order_change_has_package",
            ),
            models.CheckConstraint(
                condition=~Q(kind="renewal") | Q(renewal_of__isnull=False), name="order_renewal_names_package"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class OrderWorkspace(models.Model):
    """For a purchase: the workspaces chosen, in the order the daily quota is consumed."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="workspaces", verbose_name=_("order"))
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.PROTECT, related_name="+", verbose_name=_("workspace"),
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))

    class Meta:
        verbose_name = _("order workspace")
        verbose_name_plural = _("order workspaces")
        ordering = ["order_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="order_workspace_unique_position"),
            models.UniqueConstraint(fields=["order", "workspace"], name="order_workspace_unique_workspace"),
        ]

    def __str__(self) -> str:
        return gettext("#%(position)s · workspace %(workspace)s") % {
            "position": self.position, "workspace": self.workspace_id}


class OrderLineKind(models.TextChoices):
    PLAN = "plan", _("Plan package")
    UPGRADE = "upgrade", _("Upgrade difference")
    TRAFFIC = "traffic", _("Traffic package")


class OrderLine(models.Model):
    """A priced line; prices come from the catalogue on the server, never from the client."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order"))
    kind = models.CharField(max_length=16, choices=OrderLineKind.choices, verbose_name=_("kind"))
    description = models.CharField(max_length=300, verbose_name=_("description"))
    plan = models.ForeignKey(
        "plans.Plan", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("plan"),
    )
    traffic_package = models.ForeignKey(
        "plans.TrafficPackage", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("traffic package")
    )
    # plan and upgrade lines: the plan version priced (the package keeps its capacities); traffic lines: the
    # traffic package version priced.
    plan_version = models.ForeignKey(
        "plans.PlanVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("plan version")
    )
    traffic_version = models.ForeignKey(
        "plans.TrafficPackageVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("traffic version")
    )
    capacity = models.BigIntegerField(
        null=True, blank=True, help_text=_("traffic: daily capacity bought"), verbose_name=_("capacity"),
    )
    days = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("days"))
    unit_price = price_field(null=True, blank=True, verbose_name=_("unit price"))
    discount_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, verbose_name=_("discount percent"),
    )
    amount = money_field(verbose_name=_("amount"))

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order_id", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="order_line_amount_positive")]

    def __str__(self) -> str:
        return self.label()

    def label(self) -> str:
        """The line as the reader reads it, in the active language, built from its fields and its order's (plan,
        traffic item, capacity, days, start day). `description` keeps the words of the day the order was made,
        in that day's language, for the API's existing clients only (docs/RULES-orders.md "Line labels")."""
        order = self.order
        if self.kind == OrderLineKind.TRAFFIC and self.traffic_package_id:
            return gettext("Traffic package %(name)s: %(capacity)s per day for %(days)s days") % {
                "name": self.traffic_package, "capacity": number(self.capacity or 0), "days": self.days}
        package = order.package if self.kind == OrderLineKind.UPGRADE else None
        if package is not None and order.previous_plan_id and order.effective_on:
            return gettext("Upgrade %(old)s to %(new)s from %(day)s: %(remaining)s of %(total)s days") % {
                "old": order.previous_plan, "new": self.plan, "day": order.effective_on.isoformat(),
                "remaining": self.days, "total": inclusive_days(package.starts_on, package.ends_on)}
        if self.kind == OrderLineKind.PLAN and self.plan_id:
            if order.kind == OrderKind.RENEWAL and order.effective_on:
                return gettext("Renewal: %(plan)s, %(days)s days from %(day)s") % {
                    "plan": self.plan, "days": self.days, "day": order.effective_on.isoformat()}
            return gettext("%(plan)s, %(days)s days") % {"plan": self.plan, "days": self.days}
        return self.description

    label.short_description = _("description")  # type: ignore[attr-defined]  # admin's column title


class PackageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REFUNDED = "refunded", _("Refunded")


class Package(models.Model):
    account = models.ForeignKey(
        "workspaces.Account", on_delete=models.PROTECT, related_name="packages", verbose_name=_("account"),
    )
    plan = models.ForeignKey(
        "plans.Plan", on_delete=models.PROTECT, related_name="+", help_text=_("current plan"), verbose_name=_("plan"),
    )
    # What the package was sold with (docs/RULES-plans.md): the plan version of its current plan (as bought,
    # then as upgraded; each plan period carries its own) and the catalogue day of its purchase, whose
    # conversion factors apply to its deduction for its whole validity.
    plan_version = models.ForeignKey(
        "plans.PlanVersion", on_delete=models.PROTECT, related_name="+", verbose_name=_("plan version"),
    )
    catalogue_day = models.DateField(_("catalogue day"))
    status = models.CharField(
        max_length=16, choices=PackageStatus.choices, default=PackageStatus.PENDING, verbose_name=_("status"),
    )
    starts_on = models.DateField(verbose_name=_("starts on"))
    ends_on = models.DateField(verbose_name=_("ends on"))
    # A renewal: the package it continues (it starts the day after that one ends).
    renewal_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewals", verbose_name=_("renewal of")
    )
    # Opt-in: renew from the wallet FinanceSettings.auto_renew_days_before days before the end.
    auto_renew = models.BooleanField(_("renew automatically"), default=False)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("package")
        verbose_name_plural = _("packages")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="package_dates_ordered"),
            # at most one renewal of a package (a refunded one no longer counts)
            models.UniqueConstraint(
                fields=["renewal_of"], condition=~Q(status="refunded"), name="package_one_renewal"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} #{self.pk}"


class PackagePlanPeriod(models.Model):
    """Which plan version's capacities apply from `valid_from` on (a purchase, then each upgrade)."""

    package = models.ForeignKey(
        Package, on_delete=models.CASCADE, related_name="plan_periods", verbose_name=_("package"),
    )
    plan = models.ForeignKey("plans.Plan", on_delete=models.PROTECT, related_name="+", verbose_name=_("plan"))
    # the plan version sold (a purchase) or bought (an upgrade): the capacities of the period
    plan_version = models.ForeignKey(
        "plans.PlanVersion", on_delete=models.PROTECT, related_name="+", verbose_name=_("plan version"),
    )
    valid_from = models.DateField(verbose_name=_("valid from"))
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+", verbose_name=_("order"))

    class Meta:
        verbose_name = _("package plan period")
        verbose_name_plural = _("package plan periods")
        ordering = ["package_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["package", "valid_from"], name="plan_period_unique_start"),
        ]

    def __str__(self) -> str:
        return gettext("%(day)s · plan version %(version)s") % {
            "day": f"{self.valid_from:%Y-%m-%d}", "version": self.plan_version_id}


class PackageWorkspace(models.Model):
    """A workspace covered by a package at `position` (1 first) from `valid_from` to `valid_until`
    (inclusive; null while open, i.e. until the package ends). A workspace is in at most one package on any
    day: the rows of one workspace never overlap in time (an exclusion constraint on the daterange, null =
    unbounded). A renewed package's current rows are closed on its end day, so the renewal's rows can start
    the day after; "current rows" of a package are those open or ending on or after its end day."""

    package = models.ForeignKey(
        Package, on_delete=models.CASCADE, related_name="package_workspaces", verbose_name=_("package"),
    )
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.PROTECT, related_name="package_slots", verbose_name=_("workspace"),
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))
    valid_from = models.DateField(verbose_name=_("valid from"))
    valid_until = models.DateField(null=True, blank=True, verbose_name=_("valid until"))

    class Meta:
        verbose_name = _("package workspace")
        verbose_name_plural = _("package workspaces")
        ordering = ["package_id", "position"]
        constraints = [
            ExclusionConstraint(
                name="workspace_one_package_per_day",
                expressions=[
                    ("workspace", RangeOperators.EQUAL),
                    (
                        Func(F("valid_from"), F("valid_until"), Value("[]"), function="DATERANGE",
                             output_field=DateRangeField()),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
            models.UniqueConstraint(
                fields=["package", "position"],
                condition=Q(valid_until__isnull=True),
                name="package_workspace_unique_open_position",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="package_workspace_dates_ordered",
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="package_workspace_position_from_1"),
        ]

    def __str__(self) -> str:
        return gettext("#%(position)s · workspace %(workspace)s · %(day)s") % {
            "position": self.position, "workspace": self.workspace_id, "day": f"{self.valid_from:%Y-%m-%d}"}


class PackageTraffic(models.Model):
    """A traffic package's extra daily capacity for one item, valid until its package ends."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="traffic", verbose_name=_("package"))
    traffic_package = models.ForeignKey(
        "plans.TrafficPackage", on_delete=models.PROTECT, related_name="+", verbose_name=_("traffic package"),
    )
    capacity = models.BigIntegerField(verbose_name=_("capacity"))
    valid_from = models.DateField(verbose_name=_("valid from"))
    valid_until = models.DateField(verbose_name=_("valid until"))
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+", verbose_name=_("order"))

    class Meta:
        ordering = ["package_id", "valid_from"]
        verbose_name = _("package traffic add-on")
        verbose_name_plural = _("package traffic add-ons")
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="package_traffic_capacity_positive"),
            models.CheckConstraint(condition=Q(valid_until__gte=F("valid_from")), name="package_traffic_dates"),
        ]

    def __str__(self) -> str:
        return gettext("%(capacity)s · %(start)s to %(end)s") % {
            "capacity": number(self.capacity), "start": f"{self.valid_from:%Y-%m-%d}",
            "end": f"{self.valid_until:%Y-%m-%d}"}


from orders.models_renewal import AutoRenewAttempt, PackageReminder  # noqa: E402, F401  (renewals' records)
