"""The package advisor's replay (docs/PRODUCT.md "Package advisor"): the account's stored usage of the last N
days, allocated and priced by THE night's SQL (`quota.engine.allocation_select`) with hypothetical packages in
place of the stored ones, for every candidate the catalogue sells today.

One statement per round of candidates: the night's allocation in its multi-day form
(`allocation_select(days=...)`: every day of the window in one pass, the deduction partitioned by day), whose
package source is three CTEs built from arrays (`HYPOTHETICAL_PACKAGES`), aggregated per day and item. Nothing
here re-implements the sequential deduction; the search for the best traffic add-on capacity of an item uses
only the identity "a package's covered total is min(total converted, capacity)" to choose a capacity, and the
chosen candidate is then replayed by the SQL like every other (its figures are the SQL's, to the cent).

Assumptions (shown to the tenant): past usage stands for the future, no seasonality, today's prices (PAYG
prices and conversion factors in force on the account's today, the hypothetical packages sold today)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import days as core_days
from core.models import FinanceSettings
from core.money import ZERO, quantize
from orders.models import Package, PackageTraffic, PackageWorkspace
from orders.pricing import LIVE_PACKAGE_STATUSES, quote_purchase, traffic_price
from plans import selectors as plan_selectors
from plans.models import BillingItem, Plan, PlanVersionCapacity, TrafficPackage
from quota import engine, partitions
from workspaces.models import Account, Workspace, WorkspacePlan

DEFAULT_DAYS = 90
SHORT_WINDOW_DAYS = 14  # fewer days with usage than this: the advice is flagged as not to be trusted
YEAR_DAYS = 365
TOP = 3

# The hypothetical package source of the allocation (quota.engine.night_packages' three CTEs, from arrays).
HYPOTHETICAL_PACKAGES = """slot AS (
    SELECT s.workspace_id, s.package_id, s.position, %(catalogue_day)s::date AS catalogue_day
    FROM unnest(%(slot_workspaces)s::bigint[], %(slot_packages)s::bigint[], %(slot_positions)s::int[])
         AS s(workspace_id, package_id, position)
),
capacity AS (
    SELECT c.package_id, c.billing_item_id, c.plan_cap
    FROM unnest(%(cap_packages)s::bigint[], %(cap_items)s::bigint[], %(cap_quantities)s::bigint[])
         AS c(package_id, billing_item_id, plan_cap)
),
traffic AS (
    SELECT t.package_id, t.billing_item_id, t.traffic_cap
    FROM unnest(%(traffic_packages)s::bigint[], %(traffic_items)s::bigint[], %(traffic_quantities)s::numeric[])
         AS t(package_id, billing_item_id, traffic_cap)
)"""

# Only the picked workspaces, from the local day each became Commercial.
USAGE_FILTER = """
      AND u.day >= (%(since)s::date[])[array_position(%(workspaces)s::bigint[], u.workspace_id)]
      AND (%(items)s::bigint[] IS NULL OR u.billing_item_id = ANY(%(items)s::bigint[]))"""

# Every scenario of a statement at once, sharing the usage rows: the slot rows give each picked workspace one
# row without a package (its pay-as-you-go line, the same whatever the scenario) and one row per scenario whose
# package covers it (package keys are unique across scenarios), so the night's LEFT JOIN slot yields one
# uncovered line per usage row and one covered line per covering package. A scenario's day = its packages'
# covered lines + the uncovered lines of the workspaces it leaves uncovered (`members`).
REPLAY = """
WITH a AS (
    SELECT x.day, x.workspace_id, x.billing_item_id, x.package_id, x.converted, x.overage, x.amount
    FROM (""" + engine.allocation_select(
    days="%(days)s::date[]", packages=HYPOTHETICAL_PACKAGES, usage_filter=USAGE_FILTER,
    figures_day="%(figures_day)s",
) + """) x
),
members AS (
    SELECT m.scenario, m.workspace_id
    FROM unnest(%(uncovered_scenarios)s::int[], %(uncovered_workspaces)s::bigint[]) AS m(scenario, workspace_id)
)
SELECT true AS covered, a.package_id AS key, a.day, a.billing_item_id,
       sum(a.amount), sum(a.converted), sum(a.overage)
FROM a WHERE a.package_id IS NOT NULL
GROUP BY a.package_id, a.day, a.billing_item_id
UNION ALL
SELECT false, m.scenario, a.day, a.billing_item_id, sum(a.amount), 0, 0
FROM a JOIN members m ON m.workspace_id = a.workspace_id
WHERE a.package_id IS NULL
GROUP BY m.scenario, a.day, a.billing_item_id
"""


@dataclass(frozen=True)
class HypotheticalPackage:
    """One package of a candidate: workspaces in order, plan capacity and traffic capacity per item id."""

    key: int
    workspace_ids: tuple[int, ...]
    capacities: dict[int, int]
    traffic: dict[int, int]


@dataclass
class DayItem:
    amount: Decimal = ZERO
    converted: int = 0  # converted usage of the covered workspaces
    overage: int = 0  # converted usage no capacity covered


@dataclass
class ItemSummary:
    item: BillingItem
    capacity: int  # plan + traffic daily capacity (all packages of the candidate)
    days_exceeded: int
    daily_converted: list[int] = field(default_factory=list)


@dataclass
class Candidate:
    key: str
    label: str
    kind: str  # payg | plan | current
    plan: Plan | None
    traffic: list[tuple[TrafficPackage, int]]
    yearly_price: Decimal
    window_overage: Decimal = ZERO
    projected_overage: Decimal = ZERO
    total: Decimal = ZERO
    saving_vs_payg: Decimal = ZERO
    saving_vs_current: Decimal = ZERO
    items: list[ItemSummary] = field(default_factory=list)
    daily: dict[date, dict[int, DayItem]] = field(default_factory=dict)
    buyable: bool = False


@dataclass
class Advice:
    account: Account
    first_day: date
    last_day: date
    window_days: int
    usage_days: int
    workspaces: list[Workspace]
    candidates: list[Candidate]  # ranked, cheapest first
    payg: Candidate
    current: Candidate
    max_days: int

    @property
    def too_short(self) -> bool:
        return self.usage_days < SHORT_WINDOW_DAYS

    @property
    def top(self) -> list[Candidate]:
        return self.candidates[:TOP]

    @property
    def day_list(self) -> list[date]:
        return [self.first_day + timedelta(days=i) for i in range(self.window_days)]


# ------------------------------------------------------------------------------------------------ inputs


def max_window_days(account: Account) -> int:
    """The longest window: what usage retention keeps (FinanceSettings.usage_retention_months whole months
    before the current one), ending yesterday in the account's time zone."""
    today = core_days.account_today(account)
    cutoff = partitions.retention_cutoff(months=FinanceSettings.load().usage_retention_months, today=today)
    kept = partitions.usage_kept_from()
    if kept is not None:
        cutoff = max(cutoff, kept)
    return max(1, (today - cutoff).days)


def default_workspaces(account: Account) -> list[Workspace]:
    """The account's Commercial workspaces, in the order their current packages hold them, then the others."""
    today = core_days.account_today(account)
    slots = {
        pw.workspace_id: (pw.package_id, pw.position)
        for pw in PackageWorkspace.objects.filter(
            package__account=account, valid_from__lte=today, package__status__in=LIVE_PACKAGE_STATUSES,
            package__ends_on__gte=today,
        ).exclude(valid_until__lt=today)
    }
    workspaces = Workspace.objects.for_account(account).filter(plan=WorkspacePlan.COMMERCIAL).order_by("pk")
    return sorted(workspaces, key=lambda ws: (ws.pk not in slots, slots.get(ws.pk, (0, 0)), ws.pk))


# ------------------------------------------------------------------------------------------------ replay


Daily = dict[date, dict[int, DayItem]]


def _replay(*, account: Account, day_list: list[date], workspaces: list[Workspace], since: list[date],
            scenarios: list[list[HypotheticalPackage]], today: date, items: list[int] | None = None
            ) -> list[Daily]:
    """The night's allocation of every day of `day_list` under each scenario (a list of packages; none:
    pay-as-you-go), in one statement, for the billing items `items` (None: all). Package keys must be unique
    across the scenarios."""
    slots: list[tuple[int, int | None, int | None]] = []
    owner: dict[int, int] = {}
    uncovered: list[tuple[int, int]] = []
    for number, packages in enumerate(scenarios):
        covered: set[int] = set()
        for p in packages:
            owner[p.key] = number
            covered.update(p.workspace_ids)
            slots += [(ws, p.key, pos) for pos, ws in enumerate(p.workspace_ids, start=1)]
        uncovered += [(number, ws.pk) for ws in workspaces if ws.pk not in covered]
    # a pay-as-you-go slot only for the workspaces some scenario leaves uncovered
    slots += [(ws.pk, None, None) for ws in workspaces if ws.pk in {u[1] for u in uncovered}]
    caps = [(p.key, item, qty) for ps in scenarios for p in ps for item, qty in p.capacities.items()]
    traffic = [(p.key, item, qty) for ps in scenarios for p in ps for item, qty in p.traffic.items() if qty]
    params: dict[str, Any] = {
        "days": day_list, "accounts": [account.pk], "items": items, "since": since,
        "workspaces": [ws.pk for ws in workspaces],
        "figures_day": today, "catalogue_day": today,
        "slot_workspaces": [s[0] for s in slots], "slot_packages": [s[1] for s in slots],
        "slot_positions": [s[2] for s in slots],
        "cap_packages": [c[0] for c in caps], "cap_items": [c[1] for c in caps], "cap_quantities": [c[2] for c in caps],
        "traffic_packages": [t[0] for t in traffic], "traffic_items": [t[1] for t in traffic],
        "traffic_quantities": [t[2] for t in traffic],
        "uncovered_scenarios": [u[0] for u in uncovered], "uncovered_workspaces": [u[1] for u in uncovered],
    }
    results: list[Daily] = [{} for _ in scenarios]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # as the night: compiling never pays back on these rows
        # the window's sort of every allocated row (165,600 for 90 days x 50 workspaces x 8 items, 5
        # scenarios) stays in memory instead of spilling to disk
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(REPLAY, params)
        for covered_row, key, day, item_id, amount, converted, overage in cursor.fetchall():
            daily = results[owner[key] if covered_row else key]
            entry = daily.setdefault(day, {}).setdefault(item_id, DayItem())
            entry.amount += amount
            entry.converted += int(converted)
            entry.overage += int(overage)
    return results


def _finish(candidate: Candidate, daily: Daily, window_days: int,
            items: dict[int, BillingItem], packages: list[HypotheticalPackage], day_list: list[date]) -> None:
    candidate.daily = daily
    candidate.window_overage = sum((di.amount for day in daily.values() for di in day.values()), ZERO)
    candidate.projected_overage = quantize(candidate.window_overage * YEAR_DAYS / Decimal(window_days))
    candidate.total = quantize(candidate.yearly_price + candidate.projected_overage)
    if not packages:
        return
    capacity: dict[int, int] = defaultdict(int)
    for p in packages:
        for item_id, qty in p.capacities.items():
            capacity[item_id] += qty
        for item_id, qty in p.traffic.items():
            capacity[item_id] += qty
    seen = {item_id for day in daily.values() for item_id in day} | {i for i, q in capacity.items() if q}
    for item_id in sorted(seen, key=lambda i: (items[i].sort_order, i)):
        per_day = [daily.get(d, {}).get(item_id, DayItem()) for d in day_list]
        candidate.items.append(ItemSummary(
            item=items[item_id], capacity=capacity.get(item_id, 0),
            days_exceeded=sum(1 for di in per_day if di.overage > 0),
            daily_converted=[di.converted for di in per_day],
        ))


def _yearly(plan: Plan | None, traffic: list[tuple[TrafficPackage, int]], figures: plan_selectors.Figures) -> Decimal:
    if plan is None:
        return ZERO
    lines = quote_purchase(plan, traffic, figures)
    return quantize(sum((line.amount for line in lines), ZERO) * YEAR_DAYS / Decimal(plan.validity_days))


def _traffic_options(tp: TrafficPackage) -> tuple[int, list[int]]:
    """(minimum capacity as a multiple of the basic unit, the tiers' thresholds as multiples)."""
    unit = tp.basic_unit
    version = tp.figures
    minimum = -(-version.minimum_capacity // unit) * unit
    tiers = [max(minimum, -(-tier.min_capacity // unit) * unit) for tier in version.tiers.all()]
    return minimum, tiers


def best_traffic(tp: TrafficPackage, excess: list[int], price: Decimal, pricing_unit: int, window_days: int,
                 figures: plan_selectors.Figures) -> int:
    """The traffic add-on capacity (0: none) whose yearly price plus projected overage is lowest, given the
    daily converted usage a package's plan leaves uncovered for the item (`excess`). Capacities are multiples
    of the basic unit, at least the minimum, priced with their discount tier. The cost is linear between the
    days' excesses and the tiers' thresholds, so only those (rounded to the unit) need trying."""
    unit = tp.basic_unit
    minimum, tiers = _traffic_options(tp)
    positive = [e for e in excess if e > 0]
    if not positive:
        return 0
    options = {minimum, *tiers}
    for e in positive:
        options.add(max(minimum, -(-e // unit) * unit))
        options.add(max(minimum, (e // unit) * unit))
    top = max(minimum, -(-max(positive) // unit) * unit)
    per_unit = price / Decimal(pricing_unit) * YEAR_DAYS / Decimal(window_days)

    def overage(capacity: int) -> Decimal:
        return sum((Decimal(e - capacity) for e in positive if e > capacity), ZERO) * per_unit

    best, best_cost = 0, overage(0)
    for capacity in sorted(o for o in options if o <= top):
        cost = traffic_price(tp, capacity, YEAR_DAYS, figures).amount + overage(capacity)
        if cost < best_cost:
            best, best_cost = capacity, cost
    return best


def _without_the_current_twin(candidates: list[Candidate], current: Candidate,
                              quotes: list[tuple[Plan, list[tuple[TrafficPackage, int]]]]) -> list[Candidate]:
    """When the tenant's current setup is one package of a plan, with the same traffic add-ons as a candidate of
    that plan and the same price, that candidate is the current setup again: one row, named "Your current
    package (plan)", instead of two identical ones."""
    if current.kind != "current" or len(quotes) != 1:
        return candidates
    plan, traffic = quotes[0]
    same_traffic = {(tp.pk, qty) for tp, qty in traffic}
    for twin in candidates:
        if (twin.kind == "plan" and twin.plan is not None and twin.plan.pk == plan.pk
                and {(tp.pk, qty) for tp, qty in twin.traffic} == same_traffic
                and twin.yearly_price == current.yearly_price and twin.total == current.total):
            current.label = _("Your current package (%(plan)s)") % {"plan": _(plan.name)}
            return [c for c in candidates if c is not twin]
    return candidates


def _current_packages(account: Account, workspaces: list[Workspace], today: date
                      ) -> tuple[list[HypotheticalPackage], list[tuple[Plan, list[tuple[TrafficPackage, int]]]]]:
    """The tenant's current packages as they stand today, restricted to the picked workspaces: workspaces in
    their current order, the plan in force today (upgrades included) and the traffic valid today."""
    picked = {ws.pk for ws in workspaces}
    rows = list(
        PackageWorkspace.objects.filter(
            package__account=account, workspace_id__in=picked, valid_from__lte=today,
            package__status__in=LIVE_PACKAGE_STATUSES, package__starts_on__lte=today, package__ends_on__gte=today,
        ).exclude(valid_until__lt=today).order_by("package_id", "position", "workspace_id")
        .values_list("package_id", "workspace_id")
    )
    by_package: dict[int, list[int]] = defaultdict(list)
    for package_id, workspace_id in rows:
        by_package[package_id].append(workspace_id)
    if not by_package:
        return [], []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id, " + engine.plan_version_in_force("p.id", "%(day)s", "p.plan_version_id")
            + " FROM orders_package p WHERE p.id = ANY(%(ids)s::bigint[])",
            {"day": today, "ids": list(by_package)},
        )
        versions = dict(cursor.fetchall())
    packages = Package.objects.in_bulk(list(by_package))
    capacities: dict[int, dict[int, int]] = defaultdict(dict)
    for version_id, item_id, qty in PlanVersionCapacity.objects.filter(
        plan_version_id__in=set(versions.values())
    ).values_list("plan_version_id", "billing_item_id", "daily_capacity"):
        capacities[version_id][item_id] = qty
    traffic: dict[int, dict[TrafficPackage, int]] = defaultdict(dict)
    for pt in PackageTraffic.objects.filter(
        package_id__in=list(by_package), valid_from__lte=today, valid_until__gte=today
    ).select_related("traffic_package__billing_item"):
        bought = traffic[pt.package_id]
        bought[pt.traffic_package] = bought.get(pt.traffic_package, 0) + pt.capacity
    result, quotes = [], []
    plans = Plan.objects.in_bulk([p.plan_id for p in packages.values()])
    for package_id, ws_ids in by_package.items():
        bought = traffic.get(package_id, {})
        result.append(HypotheticalPackage(
            key=package_id, workspace_ids=tuple(ws_ids), capacities=dict(capacities[versions[package_id]]),
            traffic={tp.billing_item_id: qty for tp, qty in bought.items()},
        ))
        quotes.append((plans[packages[package_id].plan_id], list(bought.items())))
    return result, quotes


def advise(*, account: Account, days: int = DEFAULT_DAYS, workspaces: list[Workspace] | None = None) -> Advice:
    """Replay the account's last `days` days (ending yesterday, its time zone) for the picked Commercial
    `workspaces` (in that order; default: `default_workspaces`) under every candidate, ranked by yearly total.
    Inputs are validated by the caller (forms/serializers: `days` within 1..max_window_days)."""
    today = core_days.account_today(account)
    last = today - timedelta(days=1)
    picked = workspaces if workspaces is not None else default_workspaces(account)
    zone = core_days.zone(account.time_zone)
    since = [
        (ws.commercial_since or timezone.now()).astimezone(zone).date() for ws in picked
    ]
    first = last - timedelta(days=days - 1)
    if since:
        first = max(first, min(since))
    first = min(first, last)
    window = (last - first).days + 1
    day_list = [first + timedelta(days=i) for i in range(window)]
    figures = plan_selectors.figures_on(today)
    items = BillingItem.objects.in_bulk()
    prices = figures.default_policy_prices()

    def run(scenarios: list[list[HypotheticalPackage]], only: list[int] | None = None) -> list[Daily]:
        return _replay(account=account, day_list=day_list, workspaces=picked, since=since, scenarios=scenarios,
                       today=today, items=only)

    ws_ids = tuple(ws.pk for ws in picked)
    payg = Candidate(key="payg", label=_("Pay-as-you-go only"), kind="payg", plan=None, traffic=[],
                     yearly_price=ZERO)
    current_packages, current_quotes = _current_packages(account, picked, today)
    current = payg
    if current_packages:
        current = Candidate(key="current", label=_("Your current packages"), kind="current", plan=None, traffic=[],
                            yearly_price=sum((_yearly(p, t, figures) for p, t in current_quotes), ZERO))
    plans = plan_selectors.plan_list(day=today) if picked else []
    # round 1: pay-as-you-go, the current packages, each plan package (hypothetical keys are negative)
    runs: list[tuple[Candidate, list[HypotheticalPackage]]] = [(payg, [])]
    if current is not payg:
        runs.append((current, current_packages))
    plan_caps: dict[int, dict[int, int]] = {}
    for number, plan in enumerate(plans, start=1):
        plan_caps[plan.pk] = {c.billing_item_id: c.daily_capacity for c in plan.figures.capacities.all()}
        package = HypotheticalPackage(key=-number, workspace_ids=ws_ids, capacities=plan_caps[plan.pk], traffic={})
        runs.append((Candidate(key=f"plan-{plan.code}", label=_(plan.name), kind="plan", plan=plan, traffic=[],
                               yearly_price=_yearly(plan, [], figures), buyable=True), [package]))
    for (candidate, packages), daily in zip(runs, run([p for _c, p in runs]), strict=True):
        _finish(candidate, daily, window, items, packages, day_list)
    usage_days = len(payg.daily)

    # round 2: each plan package with the best capacity of each traffic add-on (items are independent)
    traffic_packages = {tp.billing_item_id: tp for tp in plan_selectors.traffic_package_list(day=today)}
    extra_runs: list[tuple[Candidate, list[HypotheticalPackage]]] = []
    for number, (candidate, _packages) in enumerate(runs[-len(plans):] if plans else [], start=len(plans) + 1):
        sold = candidate.plan
        assert sold is not None
        chosen: list[tuple[TrafficPackage, int]] = []
        for item_id, tp in traffic_packages.items():
            if item_id not in prices:
                continue
            excess = [candidate.daily.get(d, {}).get(item_id, DayItem()).overage for d in day_list]
            capacity = best_traffic(tp, excess, prices[item_id][0], prices[item_id][1], window, figures)
            if capacity:
                chosen.append((tp, capacity))
        if chosen:
            package = HypotheticalPackage(key=-number, workspace_ids=ws_ids, capacities=plan_caps[sold.pk],
                                          traffic={tp.billing_item_id: qty for tp, qty in chosen})
            label = _("%(plan)s with traffic add-ons") % {"plan": _(sold.name)}
            extra_runs.append((Candidate(key=f"plan-{sold.code}-traffic", label=label, kind="plan", plan=sold,
                                         traffic=chosen, yearly_price=_yearly(sold, chosen, figures), buyable=True),
                               [package]))
    if extra_runs:
        # items are independent under one plan: only the items some add-on covers are replayed again, the
        # others are the plan package's own lines
        changed = sorted({item_id for _c, ps in extra_runs for item_id in ps[0].traffic})
        base = {c.plan.pk: c for c, _p in runs if c.kind == "plan" and c.plan is not None}
        for (candidate, packages), daily in zip(extra_runs, run([p for _c, p in extra_runs], changed), strict=True):
            assert candidate.plan is not None
            merged = {day: {i: di for i, di in row.items() if i not in changed}
                      for day, row in base[candidate.plan.pk].daily.items()}
            for day, row in daily.items():
                merged.setdefault(day, {}).update(row)
            _finish(candidate, merged, window, items, packages, day_list)
    candidates = _without_the_current_twin([c for c, _p in runs + extra_runs], current, current_quotes)
    for candidate in candidates:
        candidate.saving_vs_payg = quantize(payg.total - candidate.total)
        candidate.saving_vs_current = quantize(current.total - candidate.total)
    candidates.sort(key=lambda c: (c.total, c.kind != "current", c.kind != "payg", c.key))
    return Advice(account=account, first_day=first, last_day=last, window_days=window, usage_days=usage_days,
                  workspaces=picked, candidates=candidates, payg=payg, current=current,
                  max_days=max_window_days(account))
