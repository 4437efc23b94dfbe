"""Prices of order lines, computed on the server from the catalogue (never from the client), and the
billing days they depend on. Each amount is rounded once, with core.money.quantize (half up to cents)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from core.money import quantize
from plans.models import Plan, TrafficPackage

HUNDRED = Decimal(100)


def account_today(account, *, now: datetime.datetime | None = None) -> datetime.date:
    """Today in the account's time zone (docs/ARCHITECTURE.md "Days")."""
    now = now or timezone.now()
    return timezone.localdate(now, timezone=ZoneInfo(account.time_zone))


def inclusive_days(start: datetime.date, end: datetime.date) -> int:
    return (end - start).days + 1


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


def change_effective_on(package, today: datetime.date) -> datetime.date:
    """Changes to a package take effect tomorrow, or on the package's start if that is later."""
    return max(today + datetime.timedelta(days=1), package.starts_on)


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
