"""Catalogue versions for tests. A version for a day before the freeze day (the furthest-ahead zone's today,
UTC+14) is refused by the database (migrations 0003, 0005); tests that need one (re-running the past after a
change) write it inside `catalogue_unfrozen()`, which disables the freeze triggers within the test's own
transaction only."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.db import connection

from plans.models import (
    BillingItem,
    Plan,
    PlanVersion,
    PlanVersionCapacity,
    StoragePolicy,
    StoragePolicyVersion,
    TrafficPackage,
    TrafficPackageVersion,
    TrafficVersionTier,
)
from plans.selectors import catalogue_freeze_day, catalogue_today, figures_on

FROZEN_TABLES = (
    "plans_storagepolicyversion", "plans_planversion", "plans_planversioncapacity", "plans_trafficpackageversion",
    "plans_trafficversiontier",
)


def _set_triggers(action: str) -> None:
    with connection.cursor() as cursor:
        # ALTER TABLE refuses while deferred foreign-key checks are pending: run them now, defer again after
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in FROZEN_TABLES:
            cursor.execute(f"ALTER TABLE {table} {action} TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def catalogue_unfrozen() -> Iterator[None]:
    _set_triggers("DISABLE")
    try:
        yield
    finally:
        _set_triggers("ENABLE")


@contextmanager
def _maybe_unfrozen(day: datetime.date) -> Iterator[None]:
    if day < catalogue_freeze_day():
        with catalogue_unfrozen():
            yield
    else:
        yield


def policy_version(item_code: str, retention_days: int | None, effective_from: datetime.date, *,
                   price: str | Decimal | None = None, factor: int | None = None) -> StoragePolicyVersion:
    """A new version of a storage policy from `effective_from`, the figures in force the day before changed."""
    policy = StoragePolicy.objects.get(billing_item__code=item_code, retention_days=retention_days)
    base = figures_on(effective_from - datetime.timedelta(days=1)).policy(policy.pk)
    with _maybe_unfrozen(effective_from):
        return StoragePolicyVersion.objects.create(
            storage_policy=policy, effective_from=effective_from,
            price=Decimal(price) if price is not None else base.price,
            conversion_factor=factor if factor is not None else base.conversion_factor,
        )


def plan_version(plan: Plan | str, effective_from: datetime.date, *, price: str | Decimal | None = None,
                 capacities: dict[str, int] | None = None) -> PlanVersion:
    """A new version of a plan from `effective_from`: the version in force the day before, with `price` and
    the `capacities` (item code -> daily capacity) given changed."""
    plan = plan if isinstance(plan, Plan) else Plan.objects.get(code=plan)
    base = figures_on(effective_from - datetime.timedelta(days=1)).plan(plan.pk)
    caps = {c.billing_item.code: c.daily_capacity for c in base.capacities.all()} if base else {}
    caps.update(capacities or {})
    items = {i.code: i for i in BillingItem.objects.filter(code__in=list(caps))}
    with _maybe_unfrozen(effective_from):
        version = PlanVersion.objects.create(
            plan=plan, effective_from=effective_from, price=Decimal(price) if price is not None else base.price
        )
        PlanVersionCapacity.objects.bulk_create(
            [PlanVersionCapacity(plan_version=version, billing_item=items[code], daily_capacity=cap)
             for code, cap in caps.items()]
        )
    return version


def traffic_version(item_code: str, effective_from: datetime.date, *, unit_price: str | Decimal | None = None,
                    minimum: int | None = None,
                    tiers: Iterable[tuple[int, str | Decimal]] | None = None) -> TrafficPackageVersion:
    """A new version of a traffic package from `effective_from` (tiers: (min capacity, percent off); None
    keeps the tiers in force the day before)."""
    tp = TrafficPackage.objects.get(billing_item__code=item_code)
    base = figures_on(effective_from - datetime.timedelta(days=1)).traffic(tp.pk)
    if tiers is None:
        tiers = [(t.min_capacity, t.percent_off) for t in base.tiers.all()]
    with _maybe_unfrozen(effective_from):
        version = TrafficPackageVersion.objects.create(
            traffic_package=tp, effective_from=effective_from,
            unit_price=Decimal(unit_price) if unit_price is not None else base.unit_price,
            minimum_capacity=minimum if minimum is not None else base.minimum_capacity,
        )
        TrafficVersionTier.objects.bulk_create(
            [TrafficVersionTier(version=version, min_capacity=m, percent_off=Decimal(p)) for m, p in tiers]
        )
    return version


def discount_tiers(item_code: str, tiers: Iterable[tuple[int, str | Decimal]]) -> TrafficPackageVersion:
    """The traffic package's tiers from the vendor's today on (a version effective that day, with the same
    prices), the day orders of accounts in the vendor's zone are priced with. Once UTC+14 is a day ahead, that
    day is frozen: the version is then written as if announced long ago."""
    return traffic_version(item_code, catalogue_today(), tiers=tiers)
