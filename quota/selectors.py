"""Reads of the quota app, always scoped to an account. Capacities read "which plan applies on a day" through
`quota.engine.plan_version_in_force`, the same SQL fragment the night bills with."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from core.days import month_end
from core.models import FinanceSettings
from payments.models import Wallet
from plans.models import BillingItem
from quota.engine import plan_version_in_force
from quota.models import Bill, BillLine, BillSettlement
from workspaces.models import Account, Workspace, WorkspaceStatus


def _lines() -> QuerySet:
    return BillLine.objects.select_related("workspace", "billing_item", "storage_policy").order_by(
        "workspace_id", "billing_item__sort_order"
    )


def bills_daily(*, account: Account, date_from: date | None = None, date_to: date | None = None) -> QuerySet:
    """The account's daily bills, newest first, lines (with workspace and item) prefetched. The lines are read
    with the same day range as the bills: the range is the partition key of bill lines (docs/RULES-quota.md)."""
    queryset = Bill.objects.for_account(account)
    lines = _lines()
    if date_from:
        queryset = queryset.filter(day__gte=date_from)
        lines = lines.filter(day__gte=date_from)
    if date_to:
        queryset = queryset.filter(day__lte=date_to)
        lines = lines.filter(day__lte=date_to)
    return queryset.prefetch_related(Prefetch("lines", queryset=lines)).order_by("-day", "-id")


EXPORT_COLUMNS = (
    "day", "bill_id", "workspace_id", "workspace__name", "billing_item__name", "storage_policy__retention_days",
    "package_id", "usage", "factor", "converted", "covered_by_package", "covered_by_traffic", "overage",
    "unit_price", "amount",
)


def bill_lines_export_months(*, account: Account, date_from: date | None = None,
                             date_to: date | None = None) -> Iterator[QuerySet]:
    """The export's queries, one per month of the range, newest first: each reads one month partition, by the
    ids of the account's bills of that month (an index probe, never a scan of the month's every line)."""
    bills = Bill.objects.for_account(account)
    if date_from:
        bills = bills.filter(day__gte=date_from)
    if date_to:
        bills = bills.filter(day__lte=date_to)
    by_month: dict[date, list[int]] = defaultdict(list)
    for bill_id, day in bills.order_by("-day", "-id").values_list("id", "day"):
        by_month[day.replace(day=1)].append(bill_id)
    for month, ids in by_month.items():  # newest month first (insertion order)
        yield (
            BillLine.objects.filter(bill_id__in=ids, day__gte=month, day__lte=month_end(month))
            .order_by("-day", "-bill_id", "workspace_id", "billing_item__sort_order")
            .values_list(*EXPORT_COLUMNS)
        )


def bill_lines_export(*, account: Account, date_from: date | None = None,
                      date_to: date | None = None) -> Iterator[tuple]:
    """Every line of the account's daily bills in the range as EXPORT_COLUMNS tuples, newest day first (as the
    bills list), for a streamed export: read month by month, a year is never held in memory."""
    for queryset in bill_lines_export_months(account=account, date_from=date_from, date_to=date_to):
        yield from queryset.iterator(chunk_size=2000)


def bill_detail(*, account: Account, bill_id: int, with_lines: bool = True) -> Bill | None:
    """One bill of the account with its lines (read from its day's partition only; not when `with_lines` is
    False: the page reads them a page at a time with `bill_lines`) and settlements."""
    settlements = BillSettlement.objects.select_related("payment").order_by("sequence")
    bill = Bill.objects.for_account(account).filter(pk=bill_id).prefetch_related(
        Prefetch("settlements", queryset=settlements)).first()
    if bill is not None and with_lines:
        lines = BillLine.objects.select_related(
            "workspace", "billing_item", "storage_policy", "package__plan"
        ).filter(day=bill.day).order_by("workspace_id", "billing_item__sort_order")
        prefetch_related_objects([bill], Prefetch("lines", queryset=lines))
    return bill


def bill_lines(*, bill: Bill) -> QuerySet[BillLine]:
    """The lines of one bill (its day's partition only), in the page's order: for a paginated bill page."""
    return BillLine.objects.select_related(
        "workspace", "billing_item", "storage_policy", "package__plan"
    ).filter(bill_id=bill.pk, day=bill.day).order_by("workspace_id", "billing_item__sort_order", "pk")


QUOTA_BY_DAY = """
WITH days AS (SELECT d::date AS day FROM generate_series(%(start)s::date, %(end)s::date, interval '1 day') d),
packages AS (
    SELECT days.day, p.id AS package_id,
           """ + plan_version_in_force("p.id", "days.day", "p.plan_version_id") + """ AS plan_version_id
    FROM days JOIN orders_package p ON p.account_id = %(account)s AND p.starts_on <= days.day
         AND p.ends_on >= days.day AND p.status <> 'refunded'
),
capacity AS (
    SELECT day, billing_item_id, sum(cap) AS capacity FROM (
        SELECT packages.day, pc.billing_item_id, pc.daily_capacity AS cap
        FROM packages JOIN plans_planversioncapacity pc ON pc.plan_version_id = packages.plan_version_id
        UNION ALL
        SELECT packages.day, tp.billing_item_id, pt.capacity
        FROM packages JOIN orders_packagetraffic pt ON pt.package_id = packages.package_id
             AND pt.valid_from <= packages.day AND pt.valid_until >= packages.day
        JOIN plans_trafficpackage tp ON tp.id = pt.traffic_package_id
    ) c GROUP BY day, billing_item_id
),
billed AS (
    SELECT b.day, l.billing_item_id, sum(l.usage) AS usage, sum(l.converted) AS converted,
           sum(l.covered_by_package) AS covered_package, sum(l.covered_by_traffic) AS covered_traffic,
           sum(l.overage) FILTER (WHERE l.package_id IS NOT NULL) AS overage,
           sum(l.overage) FILTER (WHERE l.package_id IS NULL) AS payg, sum(l.amount) AS amount
    FROM quota_bill b JOIN quota_billline l ON l.bill_id = b.id AND l.day = b.day
    WHERE b.account_id = %(account)s AND b.day BETWEEN %(start)s AND %(end)s AND l.day BETWEEN %(start)s AND %(end)s
    GROUP BY b.day, l.billing_item_id
),
reported AS (
    SELECT u.day, u.billing_item_id, sum(u.quantity) AS usage
    FROM quota_usagerecord u
    WHERE u.account_id = %(account)s AND u.day BETWEEN %(start)s AND %(end)s
    GROUP BY u.day, u.billing_item_id
)
SELECT days.day, bi.id, coalesce(r.usage, 0), coalesce(b.converted, 0),
       coalesce(b.covered_package, 0) + coalesce(b.covered_traffic, 0), coalesce(b.overage, 0),
       coalesce(c.capacity, 0), coalesce(b.amount, 0), b.day IS NOT NULL, coalesce(b.payg, 0)
FROM days CROSS JOIN plans_billingitem bi
LEFT JOIN capacity c ON c.day = days.day AND c.billing_item_id = bi.id
LEFT JOIN billed b ON b.day = days.day AND b.billing_item_id = bi.id
LEFT JOIN reported r ON r.day = days.day AND r.billing_item_id = bi.id
ORDER BY days.day, bi.sort_order, bi.id
"""


def quota_usage(*, account: Account, date_from: date, date_to: date) -> dict[str, Any]:
    """Per billing item and day: reported usage, converted, covered, overage (beyond a package's quota), pay as
    you go (converted usage of days or workspaces no package covers), capacity and amount (the
    usage-against-quota page and its chart). Days without a bill yet show the reported usage only."""
    with connection.cursor() as cursor:
        cursor.execute(QUOTA_BY_DAY, {"account": account.pk, "start": date_from, "end": date_to})
        rows = cursor.fetchall()
    items = {i.pk: i for i in BillingItem.objects.all()}
    per_item: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for day, item_id, usage, converted, covered, overage, capacity, amount, billed, payg in rows:
        per_item[item_id].append({
            "day": day, "usage": int(usage), "converted": int(converted), "covered": int(covered),
            "overage": int(overage), "payg": int(payg), "capacity": int(capacity), "amount": amount,
            "billed": billed,
        })
    result = []
    for item_id, days in per_item.items():
        result.append({
            "item": items[item_id], "days": days,
            "usage": sum(d["usage"] for d in days), "covered": sum(d["covered"] for d in days),
            "overage": sum(d["overage"] for d in days), "payg": sum(d["payg"] for d in days),
            "amount": sum(d["amount"] for d in days),
            "capacity": sum(d["capacity"] for d in days),
        })
    return {"items": result, "date_from": date_from, "date_to": date_to}


def usage_by_workspace(*, account: Account, item_id: int, date_from: date, date_to: date) -> dict[str, Any]:
    """Reported usage of one item per workspace and day (a series per workspace for the chart)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT u.workspace_id, u.day, u.quantity FROM quota_usagerecord u
               WHERE u.account_id = %s AND u.billing_item_id = %s AND u.day BETWEEN %s AND %s
               ORDER BY u.workspace_id, u.day""",
            [account.pk, item_id, date_from, date_to],
        )
        rows = cursor.fetchall()
    days = [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)]
    index = {d: i for i, d in enumerate(days)}
    names = dict(Workspace.objects.for_account(account).values_list("pk", "name"))
    series: dict[int, list[int]] = {}
    for workspace_id, day, quantity in rows:
        series.setdefault(workspace_id, [0] * len(days))[index[day]] = quantity
    return {
        "days": days,
        "workspaces": [
            {"id": w, "name": names.get(w, str(w)), "values": values, "total": sum(values)}
            for w, values in sorted(series.items())
        ],
    }


# One package's capacity and use per item on day %(d)s (package %(p)s of account %(a)s).
PACKAGE_QUOTA = """
WITH plan AS (
    SELECT """ + plan_version_in_force(
        "%(p)s", "%(d)s", "(SELECT plan_version_id FROM orders_package WHERE id = %(p)s)") + """
           AS plan_version_id
),
capacity AS (
    SELECT billing_item_id, sum(cap) AS cap FROM (
        SELECT pc.billing_item_id, pc.daily_capacity AS cap FROM plans_planversioncapacity pc, plan
        WHERE pc.plan_version_id = plan.plan_version_id
        UNION ALL
        SELECT tp.billing_item_id, pt.capacity FROM orders_packagetraffic pt
        JOIN plans_trafficpackage tp ON tp.id = pt.traffic_package_id
        WHERE pt.package_id = %(p)s AND pt.valid_from <= %(d)s AND pt.valid_until >= %(d)s
    ) x GROUP BY billing_item_id
),
used AS (
    SELECT l.billing_item_id, sum(l.converted) AS converted,
           sum(l.covered_by_package + l.covered_by_traffic) AS covered, sum(l.overage) AS overage
    FROM quota_billline l JOIN quota_bill b ON b.id = l.bill_id
    WHERE b.account_id = %(a)s AND b.day = %(d)s AND l.day = %(d)s AND l.package_id = %(p)s
    GROUP BY l.billing_item_id
)
SELECT bi.id, bi.name, coalesce(c.cap, 0), coalesce(u.converted, 0), coalesce(u.covered, 0),
       coalesce(u.overage, 0)
FROM plans_billingitem bi LEFT JOIN capacity c ON c.billing_item_id = bi.id
LEFT JOIN used u ON u.billing_item_id = bi.id
WHERE c.cap IS NOT NULL OR u.converted IS NOT NULL
ORDER BY bi.sort_order
"""


def package_quota(*, package) -> list[dict[str, Any]]:
    """A package's use of its daily capacity per billing item on the latest billed day (plan management)."""
    with connection.cursor() as cursor:
        cursor.execute(
            # through the account's bills of the package's validity (indexed), not a scan of all bill lines
            """SELECT max(b.day) FROM quota_bill b JOIN quota_billline l ON l.bill_id = b.id AND l.day = b.day
               WHERE b.account_id = %s AND b.day BETWEEN %s AND %s AND l.day BETWEEN %s AND %s
                 AND l.package_id = %s""",
            [package.account_id, package.starts_on, package.ends_on, package.starts_on, package.ends_on, package.pk],
        )
        (day,) = cursor.fetchone()
        if day is None:
            return []
        cursor.execute(PACKAGE_QUOTA, {"p": package.pk, "d": day, "a": package.account_id})
        rows = cursor.fetchall()
    return [
        {"day": day, "item": name, "capacity": int(cap), "converted": int(conv), "covered": int(cov),
         "overage": int(over), "percent": min(100, round(100 * int(cov) / int(cap))) if cap else 0}
        for _id, name, cap, conv, cov, over in rows
    ]


def arrears_state(*, account: Account) -> dict[str, Any] | None:
    """The account's countdown or lock, for the banners; None when all its workspaces are active."""
    workspaces = list(
        Workspace.objects.for_account(account)
        .filter(status__in=[WorkspaceStatus.COUNTDOWN, WorkspaceStatus.LOCKED])
        .order_by("pk")
        .values("name", "status", "countdown_started_at", "locked_at")
    )
    if not workspaces:
        return None
    arrears = Wallet.objects.filter(account=account).values_list("arrears", flat=True).first()
    settings = FinanceSettings.load()
    starts = [w["countdown_started_at"] for w in workspaces if w["status"] == WorkspaceStatus.COUNTDOWN]
    lock_at = min(starts) + timedelta(days=settings.arrears_countdown_days) if starts else None
    return {
        "arrears": arrears,
        "locked": [w["name"] for w in workspaces if w["status"] == WorkspaceStatus.LOCKED],
        "countdown": [w["name"] for w in workspaces if w["status"] == WorkspaceStatus.COUNTDOWN],
        "lock_at": lock_at,
    }
