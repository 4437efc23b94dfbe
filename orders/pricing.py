"""Prices of order lines, computed on the server from the catalogue (never from the client), and the
billing days they depend on. Each amount is rounded once, with core.money.quantize (half up to cents).

This module is the one place that answers, for a package that changes (an upgrade, added traffic):
from which day (`change_window`), for how many days (`ChangeWindow.remaining_days`, the traffic days), and
at what price (`upgrade_options` / `upgrade_option`). Pages, the API and the services all call it. Days come
from core.days (the account's zone; an unknown stored zone falls back to the default zone)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from core.days import account_today, inclusive_days, next_billing_day
from core.exceptions import Conflict
from core.money import quantize
from orders.error_codes import OrdersErrorCode
from orders.models import Package, PackageStatus
from plans import selectors as plan_selectors
from plans.models import Plan, TrafficPackage

__all__ = [
    "LIVE_PACKAGE_STATUSES", "ChangeWindow", "QuoteLine", "TrafficPrice", "UpgradeOption", "account_today",
    "change_window", "discount_percent", "inclusive_days", "package_dates_if_paid_on",
    "quote_purchase", "quote_total", "quote_traffic_lines", "traffic_price", "upgrade_option", "upgrade_options",
    "upgrade_price",
]

HUNDRED = Decimal(100)
LIVE_PACKAGE_STATUSES = (PackageStatus.PENDING, PackageStatus.ACTIVE)


def discount_percent(traffic_package: TrafficPackage, capacity: int) -> Decimal:
    """The percent off of the highest tier whose threshold the capacity reaches (0 if none).
    Uses the prefetched `discount_tiers` when present."""
    best = Decimal(0)
    best_threshold = -1
    for tier in traffic_package.discount_tiers.all():
        if capacity >= tier.min_capacity and tier.min_capacity > best_threshold:
            best, best_threshold = tier.percent_off, tier.min_capacity
    return best


@dataclass(frozen=True)
class TrafficPrice:
    traffic_package: TrafficPackage
    capacity: int
    days: int
    unit_price: Decimal
    discount_percent: Decimal
    amount: Decimal


def traffic_price(traffic_package: TrafficPackage, capacity: int, days: int) -> TrafficPrice:
    """capacity / basic unit x unit price x days x (1 - discount), rounded once."""
    percent = discount_percent(traffic_package, capacity)
    units = Decimal(capacity) / Decimal(traffic_package.basic_unit)
    raw = units * traffic_package.unit_price * days * (1 - percent / HUNDRED)
    return TrafficPrice(
        traffic_package=traffic_package,
        capacity=capacity,
        days=days,
        unit_price=traffic_package.unit_price,
        discount_percent=percent,
        amount=quantize(raw),
    )


def upgrade_price(*, old_plan: Plan, new_plan: Plan, remaining_days: int, total_days: int) -> Decimal:
    """(new price - old price) x remaining days / total days, rounded once."""
    return quantize((new_plan.price - old_plan.price) * remaining_days / Decimal(total_days))


def package_dates_if_paid_on(plan: Plan, paid_on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """A package paid on day T starts on T+1 and ends on T+validity_days (inclusive)."""
    return paid_on + datetime.timedelta(days=1), paid_on + datetime.timedelta(days=plan.validity_days)


# --------------------------------------------------------------------------------------------- changes


@dataclass(frozen=True)
class ChangeWindow:
    """When a change to a live package applies: from `effective` (the next billing day, or the package's
    start if later) to its end. `remaining_days` prices added traffic and upgrades; `total_days` is the
    package's whole validity."""

    effective: datetime.date
    remaining_days: int
    total_days: int


def _check_live(package: Package) -> None:
    if package.status not in LIVE_PACKAGE_STATUSES:
        raise Conflict(
            _("This package is %(status)s; only a pending or active package can be changed.")
            % {"status": package.get_status_display().lower()},
            code=OrdersErrorCode.PACKAGE_NOT_ACTIVE,
        )


def change_window(package: Package, *, now: datetime.datetime | None = None) -> ChangeWindow:
    """The window of a change made now; a Conflict if the package cannot change any more."""
    _check_live(package)
    effective = max(next_billing_day(package.account, now=now), package.starts_on)
    if effective > package.ends_on:
        raise Conflict(_("This package ends today; it can no longer be changed."), code=OrdersErrorCode.PACKAGE_ENDING)
    return ChangeWindow(
        effective=effective,
        remaining_days=inclusive_days(effective, package.ends_on),
        total_days=inclusive_days(package.starts_on, package.ends_on),
    )


@dataclass(frozen=True)
class UpgradeOption:
    plan: Plan
    price: Decimal


def upgrade_option(package: Package, target_plan: Plan, window: ChangeWindow) -> UpgradeOption:
    """The price of upgrading `package` (at its current plan) to `target_plan` over `window`."""
    return UpgradeOption(plan=target_plan, price=upgrade_price(
        old_plan=package.plan, new_plan=target_plan, remaining_days=window.remaining_days,
        total_days=window.total_days,
    ))


def upgrade_options(package: Package, window: ChangeWindow) -> list[UpgradeOption]:
    """Every plan on sale bigger than the package's current one, with its prorated price."""
    return [upgrade_option(package, plan, window)
            for plan in plan_selectors.plan_list().filter(rank__gt=package.plan.rank)]


# --------------------------------------------------------------------------------------------- quotes


@dataclass(frozen=True)
class QuoteLine:
    description: str
    amount: Decimal
    days: int | None = None
    capacity: int | None = None
    discount_percent: Decimal = Decimal(0)


def quote_total(lines: list[QuoteLine]) -> Decimal:
    return quantize(sum((line.amount for line in lines), Decimal(0)))


def quote_traffic_lines(traffic: list[tuple[TrafficPackage, int]], days: int) -> list[QuoteLine]:
    lines = []
    for tp, capacity in traffic:
        price = traffic_price(tp, capacity, days)
        lines.append(QuoteLine(description=str(tp), amount=price.amount, days=days, capacity=capacity,
                               discount_percent=price.discount_percent))
    return lines


def quote_purchase(plan: Plan, traffic: list[tuple[TrafficPackage, int]]) -> list[QuoteLine]:
    """The lines a purchase order would have (the same figures order_create_purchase writes)."""
    return [QuoteLine(description=plan.name, amount=quantize(plan.price), days=plan.validity_days),
            *quote_traffic_lines(traffic, plan.validity_days)]
