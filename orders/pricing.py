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
from typing import cast

from django.utils.translation import gettext as _

from core.days import HasTimeZone, account_today, inclusive_days, next_billing_day
from core.exceptions import Conflict, Unprocessable
from core.money import quantize
from orders.error_codes import OrdersErrorCode
from orders.models import Order, OrderLineKind, Package, PackageStatus
from plans import selectors as plan_selectors
from plans.models import Plan, PlanVersion, TrafficPackage, TrafficPackageVersion
from plans.selectors import Figures

__all__ = [
    "LIVE_PACKAGE_STATUSES",
    "ChangeWindow",
    "QuoteLine",
    "TrafficPrice",
    "UpgradeOption",
    "account_today",
    "change_window",
    "discount_percent",
    "inclusive_days",
    "order_figures",
    "package_dates_if_paid_on",
    "paid_plan_price",
    "plan_version_on_sale",
    "quote_purchase",
    "quote_total",
    "quote_traffic_lines",
    "sold_plan_version",
    "traffic_price",
    "traffic_version_on_sale",
    "upgrade_option",
    "upgrade_options",
    "upgrade_price",
]

HUNDRED = Decimal(100)
LIVE_PACKAGE_STATUSES = (PackageStatus.PENDING, PackageStatus.ACTIVE)


# ------------------------------------------------------------------------------------------ catalogue day


def order_figures(account: HasTimeZone, *, now: datetime.datetime | None = None) -> Figures:
    """The catalogue an order of `account` is priced with: the figures in force on the account's today
    (docs/RULES-plans.md). The order keeps that day (`Order.catalogue_day`) and the versions it priced."""
    return plan_selectors.figures_on(account_today(account, now=now))


def _figures(figures: Figures | None) -> Figures:
    return figures if figures is not None else plan_selectors.figures_on(plan_selectors.catalogue_today())


def plan_version_on_sale(plan: Plan, figures: Figures | None = None) -> PlanVersion:
    version = _figures(figures).plan_for_price(plan.pk)
    if version is None:
        raise Unprocessable(
            _("%(plan)s is not on sale yet.") % {"plan": str(plan)}, code=OrdersErrorCode.PLAN_NOT_ON_SALE,
            fields={"plan": [_("Not on sale yet.")]},
        )
    return version


def traffic_version_on_sale(traffic_package: TrafficPackage, figures: Figures | None = None) -> TrafficPackageVersion:
    version = _figures(figures).traffic(traffic_package.pk)
    if version is None:
        raise Unprocessable(
            _("The %(name)s traffic package is not on sale yet.") % {"name": traffic_package},
            code=OrdersErrorCode.UNKNOWN_TRAFFIC_PACKAGE, fields={"traffic": [_("Not on sale yet.")]},
        )
    return version


def sold_plan_version(order: Order) -> PlanVersion:
    """The plan version an order sold (its plan or upgrade line's), for the package it creates or changes."""
    line = next((line for line in order.lines.all() if line.kind in (OrderLineKind.PLAN, OrderLineKind.UPGRADE)
                 and line.plan_version_id), None)
    if line is not None:
        return cast(PlanVersion, line.plan_version)  # plan_version_id is set
    # an order without a plan line (traffic) has its plan
    return plan_version_on_sale(cast(Plan, order.plan), plan_selectors.figures_on(order.catalogue_day))


def discount_percent(traffic_package: TrafficPackage, capacity: int, figures: Figures | None = None) -> Decimal:
    """The percent off of the highest tier (of the version in force) whose threshold the capacity reaches."""
    return plan_selectors.traffic_tier_percent(traffic_version_on_sale(traffic_package, figures), capacity)


@dataclass(frozen=True)
class TrafficPrice:
    traffic_package: TrafficPackage
    version: TrafficPackageVersion
    capacity: int
    days: int
    unit_price: Decimal
    discount_percent: Decimal
    amount: Decimal


def traffic_price(traffic_package: TrafficPackage, capacity: int, days: int,
                  figures: Figures | None = None) -> TrafficPrice:
    """capacity / basic unit x unit price x days x (1 - discount), rounded once, with the version in force
    in `figures` (the vendor's today when not given)."""
    version = traffic_version_on_sale(traffic_package, figures)
    percent = plan_selectors.traffic_tier_percent(version, capacity)
    units = Decimal(capacity) / Decimal(traffic_package.basic_unit)
    raw = units * version.unit_price * days * (1 - percent / HUNDRED)
    return TrafficPrice(
        traffic_package=traffic_package,
        version=version,
        capacity=capacity,
        days=days,
        unit_price=version.unit_price,
        discount_percent=percent,
        amount=quantize(raw),
    )


def paid_plan_price(package: Package) -> Decimal:
    """The price actually paid for the package's current plan: that of the plan version it was sold at (the
    purchase, renewal or last upgrade that bought `Package.plan` recorded it, and a version in force never
    changes). A later catalogue version does not change it."""
    return package.plan_version.price


def upgrade_price(*, paid_price: Decimal, new_price: Decimal, remaining_days: int, total_days: int) -> Decimal:
    """(new plan's price in force today - price paid for the current plan) x remaining days / total days,
    rounded once (docs/RULES-orders.md "Prices")."""
    return quantize((new_price - paid_price) * remaining_days / Decimal(total_days))


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
    version: PlanVersion
    price: Decimal


def upgrade_option(package: Package, target_plan: Plan, window: ChangeWindow,
                   figures: Figures | None = None) -> UpgradeOption:
    """The price of upgrading `package` (at its current plan) to `target_plan` over `window`: the target's
    version in force on the account's today (an upgrade is priced on the day it is bought), less the price
    paid for the current plan (`paid_plan_price`), not today's list price of it."""
    figures = figures if figures is not None else order_figures(package.account)
    version = plan_version_on_sale(target_plan, figures)
    return UpgradeOption(plan=target_plan, version=version, price=upgrade_price(
        paid_price=paid_plan_price(package), new_price=version.price, remaining_days=window.remaining_days,
        total_days=window.total_days,
    ))


def upgrade_options(package: Package, window: ChangeWindow) -> list[UpgradeOption]:
    """Every plan on sale bigger than the package's current one, with its prorated price."""
    figures = order_figures(package.account)
    return [upgrade_option(package, plan, window, figures)
            for plan in plan_selectors.plan_list(day=figures.day) if plan.rank > package.plan.rank]


# --------------------------------------------------------------------------------------------- quotes


@dataclass(frozen=True)
class QuoteLine:
    description: str
    amount: Decimal
    days: int | None = None
    capacity: int | None = None
    discount_percent: Decimal = Decimal(0)

    def label(self) -> str:
        """As OrderLine.label: a quote is built in the reader's language, so its description already is."""
        return self.description


def quote_total(lines: list[QuoteLine]) -> Decimal:
    return quantize(sum((line.amount for line in lines), Decimal(0)))


def quote_traffic_lines(traffic: list[tuple[TrafficPackage, int]], days: int,
                        figures: Figures | None = None) -> list[QuoteLine]:
    lines = []
    for tp, capacity in traffic:
        price = traffic_price(tp, capacity, days, figures)
        lines.append(QuoteLine(description=str(tp), amount=price.amount, days=days, capacity=capacity,
                               discount_percent=price.discount_percent))
    return lines


def quote_purchase(plan: Plan, traffic: list[tuple[TrafficPackage, int]],
                   figures: Figures | None = None) -> list[QuoteLine]:
    """The lines a purchase order would have (the same figures order_create_purchase writes)."""
    price = plan_version_on_sale(plan, figures).price
    return [QuoteLine(description=str(plan), amount=quantize(price), days=plan.validity_days),
            *quote_traffic_lines(traffic, plan.validity_days, figures)]
