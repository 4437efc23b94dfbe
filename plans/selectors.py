"""Catalogue reads. THE rule "which figures are in force on day D" lives here for Python (`figures_on`) and
in plans/sql.py for SQL; nothing else reads a price, capacity, factor, minimum or tier (docs/RULES-plans.md).

A version of an identity is in force on day D when it has the greatest `effective_from` on or before D. The
day is a calendar day: the account's local day for anything billed or sold to an account, the vendor's day
(`catalogue_today`) for the public catalogue, and the furthest-ahead zone's day (`catalogue_freeze_day`, UTC+14)
for finance's rule "a version's day has come" (frozen). The
catalogue tables are small (tens of rows), so each kind of version is loaded whole, once per Figures, and
picked in Python: constant query counts whatever the number of plans or versions."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from functools import cached_property
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import Max, Prefetch

from core.days import furthest_ahead_today, vendor_today
from core.money import quantize
from plans.models import (
    BillingItem,
    Plan,
    PlanVersion,
    PlanVersionCapacity,
    StoragePolicyVersion,
    TrafficPackage,
    TrafficPackageVersion,
)

V = TypeVar("V")

# The PAYG equivalent of a plan is its capacities' daily PAYG value (default policies) over this many days.
PAYG_EQUIVALENT_DAYS = 372


def catalogue_today() -> datetime.date:
    """The vendor's today: the figures the public catalogue shows as in force (later ones as announced)."""
    return vendor_today()


def catalogue_freeze_day(*, now: datetime.datetime | None = None) -> datetime.date:
    """The earliest day that may not be changed: today in the furthest-ahead zone (UTC+14), where a day
    begins (and is sold, and billed) first. A version effective from this day or later may be created; a
    version whose `effective_from` is on or before it is frozen. The database trigger counts the same day
    (`plans_freeze_day()`, migration plans/0005)."""
    return furthest_ahead_today(now=now)


def is_frozen(version: Any) -> bool:
    """True once the version's day has come somewhere (the database refuses to change or delete it)."""
    return version.effective_from <= catalogue_freeze_day()


class _Timeline(Generic[V]):
    """The versions of one kind, per identity, oldest first."""

    def __init__(self, versions: Iterable[V], key: str) -> None:
        self.by_identity: dict[int, list[V]] = defaultdict(list)
        for version in versions:
            self.by_identity[getattr(version, key)].append(version)

    def on(self, identity_id: int, day: datetime.date) -> V | None:
        current = None
        for version in self.by_identity.get(identity_id, ()):
            if version.effective_from <= day:  # type: ignore[attr-defined]
                current = version
        return current

    def after(self, identity_id: int, day: datetime.date) -> list[V]:
        return [v for v in self.by_identity.get(identity_id, ()) if v.effective_from > day]  # type: ignore[attr-defined]


class Figures:
    """The catalogue figures in force on `day`, and the changes announced after it. Each kind is loaded on
    first use (1 query for policies, 2 for plans with capacities, 2 for traffic with tiers)."""

    def __init__(self, day: datetime.date) -> None:
        self.day = day

    @cached_property
    def _policies(self) -> _Timeline[StoragePolicyVersion]:
        qs = StoragePolicyVersion.objects.select_related("storage_policy__billing_item")
        return _Timeline(qs.order_by("storage_policy_id", "effective_from"), "storage_policy_id")

    @cached_property
    def _plans(self) -> _Timeline[PlanVersion]:
        caps = PlanVersionCapacity.objects.select_related("billing_item").order_by("billing_item__sort_order")
        qs = PlanVersion.objects.prefetch_related(Prefetch("capacities", queryset=caps))
        return _Timeline(qs.order_by("plan_id", "effective_from"), "plan_id")

    @cached_property
    def _plan_prices(self) -> _Timeline[PlanVersion]:
        return _Timeline(PlanVersion.objects.order_by("plan_id", "effective_from"), "plan_id")

    @cached_property
    def _traffic(self) -> _Timeline[TrafficPackageVersion]:
        qs = TrafficPackageVersion.objects.prefetch_related("tiers")
        return _Timeline(qs.order_by("traffic_package_id", "effective_from"), "traffic_package_id")

    # in force on the day (None: the identity has no version yet on that day, i.e. it is not sold yet)
    def policy(self, policy_id: int) -> StoragePolicyVersion | None:
        return self._policies.on(policy_id, self.day)

    def plan(self, plan_id: int) -> PlanVersion | None:
        return self._plans.on(plan_id, self.day)

    def plan_for_price(self, plan_id: int) -> PlanVersion | None:
        """plan() for pricing an order: the same version, read without its capacities (one query instead of
        two) unless they are loaded already. Its capacities, if read, are read then."""
        timeline = self.__dict__.get("_plans") or self._plan_prices
        return timeline.on(plan_id, self.day)

    def traffic(self, traffic_package_id: int) -> TrafficPackageVersion | None:
        return self._traffic.on(traffic_package_id, self.day)

    # announced: the versions taking effect after the day, nearest first
    def policy_announced(self, policy_id: int) -> list[StoragePolicyVersion]:
        return self._policies.after(policy_id, self.day)

    def plan_announced(self, plan_id: int) -> list[PlanVersion]:
        return self._plans.after(plan_id, self.day)

    def traffic_announced(self, traffic_package_id: int) -> list[TrafficPackageVersion]:
        return self._traffic.after(traffic_package_id, self.day)

    def default_policy_prices(self) -> dict[int, tuple[Decimal, int]]:
        """Per billing item id: (PAYG price of its default policy in force, pricing unit)."""
        result = {}
        for versions in self._policies.by_identity.values():
            policy = versions[0].storage_policy
            current = self.policy(policy.pk)
            if policy.is_default and current is not None:
                result[policy.billing_item_id] = (current.price, policy.billing_item.pricing_unit)
        return result

    def daily_payg_value(self, version: PlanVersion) -> Decimal:
        """The plan version's daily capacities at the default policies' PAYG prices of this day (unrounded)."""
        prices = self.default_policy_prices()
        total = Decimal(0)
        for capacity in version.capacities.all():
            price, unit = prices.get(capacity.billing_item_id, (Decimal(0), 1))
            total += Decimal(capacity.daily_capacity) / unit * price
        return total

    def payg_equivalent(self, version: PlanVersion) -> Decimal:
        """The plan version's capacities at the default policies' PAYG prices of this day, x 372 days."""
        return quantize(self.daily_payg_value(version) * PAYG_EQUIVALENT_DAYS)


def figures_on(day: datetime.date) -> Figures:
    """THE selector: the catalogue figures in force on `day` (an account's local day, or the vendor's)."""
    return Figures(day)


def traffic_tier_percent(version: TrafficPackageVersion, capacity: int) -> Decimal:
    """The percent off of the version's highest tier whose threshold the capacity reaches (0 if none)."""
    best, best_threshold = Decimal(0), -1
    for tier in version.tiers.all():
        if capacity >= tier.min_capacity and tier.min_capacity > best_threshold:
            best, best_threshold = tier.percent_off, tier.min_capacity
    return best


# ------------------------------------------------------------------------------------------- public lists
# Each returns identities with the figures attached: `.figures` (the version in force on the day) and
# `.announced` (versions taking effect later). Identities without a version in force are left out.


def billing_item_list(*, day: datetime.date | None = None) -> list[BillingItem]:
    figures = figures_on(day or catalogue_today())
    items = list(BillingItem.objects.prefetch_related("storage_policies").order_by("sort_order", "id"))
    for item in items:
        policies = []
        for policy in item.storage_policies.all():
            policy.figures = figures.policy(policy.pk)
            policy.announced = figures.policy_announced(policy.pk)
            if policy.figures is not None:
                policies.append(policy)
        item.policies = policies
    return items


def plan_list(*, on_sale_only: bool = True, day: datetime.date | None = None) -> list[Plan]:
    figures = figures_on(day or catalogue_today())
    queryset = Plan.objects.order_by("rank")
    if on_sale_only:
        queryset = queryset.filter(is_active=True)
    plans = []
    for plan in queryset:
        version = figures.plan(plan.pk)
        if version is None:
            continue
        plan.figures = version
        plan.announced = figures.plan_announced(plan.pk)
        plan.daily_payg = figures.daily_payg_value(plan.figures)
        plan.payg_equivalent = quantize(plan.daily_payg * PAYG_EQUIVALENT_DAYS)
        plan.saving = quantize(plan.payg_equivalent - plan.figures.price)
        # the saving as a whole percentage of the pay-as-you-go value (the wizard, the catalogue and the API's basis)
        plan.saving_percent = (int((plan.saving / plan.payg_equivalent * 100).to_integral_value())
                               if plan.payg_equivalent > 0 else 0)
        plans.append(plan)
    return plans


def traffic_package_list(*, on_sale_only: bool = True, day: datetime.date | None = None,
                         codes: Iterable[str] | None = None) -> list[TrafficPackage]:
    figures = figures_on(day or catalogue_today())
    queryset = TrafficPackage.objects.select_related("billing_item").order_by("billing_item__sort_order")
    if on_sale_only:
        queryset = queryset.filter(is_active=True)
    if codes is not None:
        queryset = queryset.filter(billing_item__code__in=list(codes))
    packages = []
    for tp in queryset:
        version = figures.traffic(tp.pk)
        if version is None:
            continue
        tp.figures = version
        tp.announced = figures.traffic_announced(tp.pk)
        packages.append(tp)
    return packages


def capacity_rows(plans: list[Plan]) -> list[dict[str, Any]]:
    """One row per billing item any of the plans covers: the item and each plan's daily capacity (or None)."""
    items: dict[int, BillingItem] = {}
    for plan in plans:
        for cap in plan.figures.capacities.all():
            items.setdefault(cap.billing_item_id, cap.billing_item)
    ordered = sorted(items.values(), key=lambda i: (i.sort_order, i.pk))
    return [
        {"item": item, "capacities": [
            next((c.daily_capacity for c in plan.figures.capacities.all() if c.billing_item_id == item.pk), None)
            for plan in plans]}
        for item in ordered
    ]


def ingestion_bounds() -> dict[int, tuple[Decimal, int]]:
    """Per billing item id: the highest PAYG price and conversion factor any of its versions has (any day);
    usage ingestion bounds a record's quantity with them."""
    rows = StoragePolicyVersion.objects.values("storage_policy__billing_item_id").annotate(
        price=Max("price"), factor=Max("conversion_factor")
    )
    return {r["storage_policy__billing_item_id"]: (r["price"], r["factor"]) for r in rows}


def freeze_day_in_database() -> datetime.date:
    """The freeze day as the database's trigger counts it now (`plans_freeze_day()`, migration plans/0005):
    the same rule as `catalogue_freeze_day`, on the database's clock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT plans_freeze_day()")
        return cursor.fetchone()[0]
