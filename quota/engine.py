"""The night's SQL (docs/PRODUCT.md "The night", steps 1-5), as set-based statements over all accounts of a chunk.

`ALLOCATION_SELECT` computes every bill line of day %(day)s for the accounts in %(accounts)s in one statement
(CTEs and a window function); `INSERT_LINES` inserts its result, joined to the day's bills. Nothing here loops
in Python. Conventions (docs/RULES-quota.md):

- every catalogue figure is the version in force on a day (plans.sql, docs/RULES-plans.md): PAYG prices of
  day D; a covered workspace's conversion factor as of its package's catalogue day (what it was sold with),
  an uncovered one's as of D; capacities from the plan version of the plan period in force (sold or bought);
- usage rows of commercial workspaces only; the policy is the workspace's in force on D
  (WorkspaceStoragePolicy row with the greatest valid_from <= D) or the item's default;
  factor = its conversion factor; converted = usage x factor;
- a workspace is covered on D by the package whose PackageWorkspace row is valid on D (valid_from <= D and
  valid_until null or >= D), the package applying on D (starts_on <= D <= ends_on, not refunded);
- per (package, item): plan capacity of the plan period in force on D (`plan_version_in_force`: greatest
  valid_from <= D; the package's own version when it has no period yet) and the traffic capacities valid on D;
- prev = running sum of converted usage of the package's earlier workspaces (by position, then id);
  covered_by_package = least(converted, greatest(0, plan_cap - prev));
  covered_by_traffic = least(converted - cbp, greatest(0, plan_cap + traffic_cap - prev - cbp));
  overage = converted - cbp - cbt, priced at the item's default policy;
- an uncovered commercial workspace: package null, nothing covered, overage = raw usage, priced at its own
  policy;
- amount = round(overage * unit_price / pricing_unit, 2): numeric arithmetic, round() on a non-negative
  numeric is half up, as core.money.quantize.
"""

from __future__ import annotations

from plans.sql import POLICY_VERSIONS, in_force, versions_on


def plan_version_in_force(package_id: str, day: str, package_plan_version_id: str) -> str:
    """The plan version whose capacities apply to a package on a day, as one SQL expression: the version of
    the package's plan period with the greatest `valid_from` on or before the day (an upgrade's period starts
    on its effective day), i.e. the version sold with the package or bought with the upgrade; the package's
    own version when it has no period yet. THE rule "which plan applies to a package on a day" (the night and
    every read of capacities). The arguments are SQL expressions (a column or a placeholder), never user input."""
    return (
        f"coalesce((SELECT pp.plan_version_id FROM orders_packageplanperiod pp"
        f" WHERE pp.package_id = {package_id} AND pp.valid_from <= {day}"
        f" ORDER BY pp.valid_from DESC LIMIT 1), {package_plan_version_id})"
    )


def night_packages(day: str = "%(day)s") -> str:
    """The package source of the allocation: the CTEs `slot` (workspace_id, package_id, position,
    catalogue_day), `capacity` (package_id, billing_item_id, plan_cap) and `traffic` (package_id,
    billing_item_id, traffic_cap) on `day` (a placeholder or a column), read from the stored packages."""
    return """slot AS (
    SELECT DISTINCT ON (pw.workspace_id) pw.workspace_id, pw.package_id, pw.position, p.catalogue_day
    FROM orders_packageworkspace pw
    JOIN orders_package p ON p.id = pw.package_id
    WHERE p.account_id = ANY(%(accounts)s::bigint[])
      AND p.starts_on <= """ + day + """ AND p.ends_on >= """ + day + """ AND p.status <> 'refunded'
      AND pw.valid_from <= """ + day + """ AND (pw.valid_until IS NULL OR pw.valid_until >= """ + day + """)
    ORDER BY pw.workspace_id, pw.valid_from DESC, pw.id DESC
),
package_plan AS (
    SELECT p.id AS package_id,
           """ + plan_version_in_force("p.id", day, "p.plan_version_id") + """ AS plan_version_id
    FROM orders_package p
    WHERE p.id IN (SELECT package_id FROM slot)
),
capacity AS (
    SELECT pk.package_id, pc.billing_item_id, pc.daily_capacity AS plan_cap
    FROM package_plan pk JOIN plans_planversioncapacity pc ON pc.plan_version_id = pk.plan_version_id
),
traffic AS (
    SELECT pt.package_id, tp.billing_item_id, sum(pt.capacity) AS traffic_cap
    FROM orders_packagetraffic pt JOIN plans_trafficpackage tp ON tp.id = pt.traffic_package_id
    WHERE pt.package_id IN (SELECT package_id FROM slot)
      AND pt.valid_from <= """ + day + """ AND pt.valid_until >= """ + day + """
    GROUP BY pt.package_id, tp.billing_item_id
)"""


def allocation_select(
    *, day: str = "%(day)s", packages: str | None = None, usage_filter: str = "", figures_day: str | None = None,
    days: str | None = None,
) -> str:
    """THE allocation and pricing of one day's usage (the night's `ALLOCATION_SELECT` is its defaults).
    `day` is the usage day (a placeholder or a column of an enclosing LATERAL join); `packages` replaces the
    stored packages (`night_packages`) by another source of the same three CTEs (the package advisor's
    hypothetical packages); `usage_filter` is an extra SQL condition on the usage rows `u`; `figures_day` is
    the day whose PAYG prices and uncovered factors apply (default: the usage day, as the night bills).

    `days` (an SQL date array, e.g. a placeholder) allocates every day of the set in ONE pass instead of one
    `day`: the usage rows carry their day as a column, each row's storage policy is the one in force on its
    own day, the running sum is partitioned by day as well (so each day is deducted exactly as its own night
    would), and every output row has a `day` column. The package source must then not depend on the day
    (`packages` required: the advisor's hypothetical packages) and the figures are those of one fixed
    `figures_day` (required). Without `days` the statement text is the night's, unchanged.
    Every argument is SQL text written by the code, never user input."""
    if days is not None and (packages is None or figures_day is None):
        raise ValueError("allocation_select(days=...) needs a day-independent `packages` and a `figures_day`")
    figures_day = figures_day or day
    packages = packages if packages is not None else night_packages(day)
    # the usage day of a row: one constant day, or the row's own day column when a set of days is allocated
    usage_day, usage_column, row_day, by_day, day_column, fence = day, "", day, "", "", ""
    if days is not None:
        # OFFSET 0 keeps the planner from inlining by_package/covered/lines into one projection, where cbp
        # would be evaluated once per reference (cbt, overage and amount repeat it): same values, 20 % less CPU
        # on the advisor's 165,600 rows
        usage_day, usage_column, row_day, by_day, day_column, fence = (
            "ANY(" + days + ")", ", u.day", "usage.day", "placed.day, ", " day,", " OFFSET 0")
    return """
WITH policy_versions AS (""" + POLICY_VERSIONS + """),
day_policy AS (""" + versions_on("plans_storagepolicyversion", "storage_policy_id", figures_day) + """),
usage AS (
    SELECT u.account_id, u.workspace_id, u.billing_item_id, u.quantity""" + usage_column + """
    FROM quota_usagerecord u
    JOIN workspaces_workspace w ON w.id = u.workspace_id AND w.plan = 'commercial'
    WHERE u.day = """ + usage_day + """ AND u.account_id = ANY(%(accounts)s::bigint[])""" + usage_filter + """
),
priced AS (
    SELECT usage.*, sp.id AS policy_id, coalesce(spv.conversion_factor, dpv.conversion_factor) AS own_factor,
           coalesce(spv.price, dpv.price) AS own_price, dpv.price AS default_price, bi.pricing_unit
    FROM usage
    JOIN plans_billingitem bi ON bi.id = usage.billing_item_id
    JOIN plans_storagepolicy dp ON dp.billing_item_id = usage.billing_item_id AND dp.is_default
    LEFT JOIN LATERAL (
        SELECT h.storage_policy_id FROM workspaces_workspacestoragepolicy h
        WHERE h.workspace_id = usage.workspace_id AND h.billing_item_id = usage.billing_item_id
          AND h.valid_from <= """ + row_day + """
        ORDER BY h.valid_from DESC LIMIT 1
    ) wsp ON true
    JOIN plans_storagepolicy sp ON sp.id = coalesce(wsp.storage_policy_id, dp.id)
    -- the figures of the usage day (plans.sql): PAYG prices, and the factor of an uncovered workspace
    JOIN day_policy dpv ON dpv.storage_policy_id = dp.id
    LEFT JOIN day_policy spv ON spv.storage_policy_id = sp.id
),
""" + packages + """,
placed AS (
    -- a covered workspace converts with the factor its package was sold with (the package's catalogue day)
    SELECT priced.*, slot.package_id, slot.position,
           CASE WHEN slot.package_id IS NULL THEN priced.own_factor
                ELSE coalesce(sold.conversion_factor, priced.own_factor) END AS factor
    FROM priced
    LEFT JOIN slot ON slot.workspace_id = priced.workspace_id
    LEFT JOIN policy_versions sold ON sold.storage_policy_id = priced.policy_id
                                  AND """ + in_force("sold", "slot.catalogue_day") + """
),
sequenced AS (
    SELECT placed.*, placed.quantity * placed.factor AS converted,
           coalesce(capacity.plan_cap, 0) AS plan_cap,
           coalesce(traffic.traffic_cap, 0) AS traffic_cap,
           coalesce(sum(placed.quantity * placed.factor) OVER (
               PARTITION BY """ + by_day + """placed.package_id, placed.billing_item_id
               ORDER BY placed.position, placed.workspace_id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS prev
    FROM placed
    LEFT JOIN capacity ON capacity.package_id = placed.package_id
                      AND capacity.billing_item_id = placed.billing_item_id
    LEFT JOIN traffic ON traffic.package_id = placed.package_id
                     AND traffic.billing_item_id = placed.billing_item_id
),
by_package AS (
    SELECT sequenced.*,
           CASE WHEN package_id IS NULL THEN 0
                ELSE least(converted, greatest(0, plan_cap - prev)) END AS cbp
    FROM sequenced""" + fence + """
),
covered AS (
    SELECT by_package.*,
           CASE WHEN package_id IS NULL THEN 0
                ELSE least(converted - cbp, greatest(0, plan_cap + traffic_cap - prev - cbp)) END AS cbt
    FROM by_package""" + fence + """
),
lines AS (
    SELECT account_id, workspace_id, billing_item_id, policy_id, package_id, quantity, factor, converted,
           cbp, cbt,""" + day_column + """
           CASE WHEN package_id IS NULL THEN quantity ELSE converted - cbp - cbt END AS overage,
           CASE WHEN package_id IS NULL THEN own_price ELSE default_price END AS unit_price,
           pricing_unit
    FROM covered""" + fence + """
)
SELECT account_id, workspace_id, billing_item_id, policy_id, package_id, quantity, factor, converted,
       cbp, cbt, overage, unit_price,""" + day_column + """
       round(overage::numeric * unit_price / pricing_unit, 2) AS amount
FROM lines
"""


ALLOCATION_SELECT = allocation_select()

# The bills of the chunk's accounts that have usage on the day (existing bills stay: a re-run may empty them).
UPSERT_BILLS = """
INSERT INTO quota_bill (account_id, day, total, voucher_payable_total, charged, voucher_payable_charged, runs,
                        created_at, updated_at)
SELECT DISTINCT u.account_id, %(day)s::date, 0, 0, 0, 0, 0, now(), now()
FROM quota_usagerecord u
JOIN workspaces_workspace w ON w.id = u.workspace_id AND w.plan = 'commercial'
WHERE u.day = %(day)s AND u.account_id = ANY(%(accounts)s::bigint[])
ON CONFLICT (account_id, day) DO NOTHING
"""

# Has any bill of the chunk been computed before (then its lines exist and this is a re-run)? `runs` is
# incremented in the same transaction that writes the lines, so this reads the bills only.
HAS_LINES = """
SELECT EXISTS (SELECT 1 FROM quota_bill b
               WHERE b.day = %(day)s AND b.account_id = ANY(%(accounts)s::bigint[]) AND b.runs > 0)
"""

# Lines whose usage row no longer yields a line (e.g. the workspace left the Commercial plan). Everything else
# is upserted below: a re-run leaves unchanged lines untouched.
DELETE_STALE_LINES = """
DELETE FROM quota_billline l USING quota_bill b
WHERE l.bill_id = b.id AND l.day = %(day)s AND b.day = %(day)s AND b.account_id = ANY(%(accounts)s::bigint[])
  AND NOT EXISTS (
      SELECT 1 FROM quota_usagerecord u JOIN workspaces_workspace w ON w.id = u.workspace_id AND w.plan = 'commercial'
      WHERE u.workspace_id = l.workspace_id AND u.billing_item_id = l.billing_item_id AND u.day = %(day)s
        AND u.account_id = b.account_id)
"""

INSERT_LINES = f"""
INSERT INTO quota_billline (bill_id, day, workspace_id, billing_item_id, storage_policy_id, package_id, usage,
                            factor, converted, covered_by_package, covered_by_traffic, overage, unit_price, amount)
SELECT b.id, b.day, a.workspace_id, a.billing_item_id, a.policy_id, a.package_id, a.quantity, a.factor, a.converted,
       a.cbp, a.cbt, a.overage, a.unit_price, a.amount
FROM ({ALLOCATION_SELECT}) a
JOIN quota_bill b ON b.account_id = a.account_id AND b.day = %(day)s
"""

# A re-run: the same lines, upserted; unchanged lines are not rewritten.
UPSERT_LINES = INSERT_LINES + """ON CONFLICT (bill_id, workspace_id, billing_item_id, day) DO UPDATE
SET storage_policy_id = EXCLUDED.storage_policy_id, package_id = EXCLUDED.package_id, usage = EXCLUDED.usage,
    factor = EXCLUDED.factor, converted = EXCLUDED.converted, covered_by_package = EXCLUDED.covered_by_package,
    covered_by_traffic = EXCLUDED.covered_by_traffic, overage = EXCLUDED.overage,
    unit_price = EXCLUDED.unit_price, amount = EXCLUDED.amount
WHERE (quota_billline.storage_policy_id, quota_billline.package_id, quota_billline.usage, quota_billline.factor,
       quota_billline.converted, quota_billline.covered_by_package, quota_billline.covered_by_traffic,
       quota_billline.overage, quota_billline.unit_price, quota_billline.amount)
      IS DISTINCT FROM
      (EXCLUDED.storage_policy_id, EXCLUDED.package_id, EXCLUDED.usage, EXCLUDED.factor, EXCLUDED.converted,
       EXCLUDED.covered_by_package, EXCLUDED.covered_by_traffic, EXCLUDED.overage, EXCLUDED.unit_price,
       EXCLUDED.amount)
"""

# Totals from the lines; returns what settlement needs, one row per bill of the chunk.
TOTAL_BILLS = """
UPDATE quota_bill b
SET total = s.total, voucher_payable_total = s.voucher_payable_total, runs = b.runs + 1, updated_at = now()
FROM (
    SELECT b2.id,
           coalesce(sum(l.amount), 0) AS total,
           coalesce(sum(l.amount) FILTER (WHERE bi.voucher_payable), 0) AS voucher_payable_total
    FROM quota_bill b2
    LEFT JOIN quota_billline l ON l.bill_id = b2.id AND l.day = %(day)s
    LEFT JOIN plans_billingitem bi ON bi.id = l.billing_item_id
    WHERE b2.day = %(day)s AND b2.account_id = ANY(%(accounts)s::bigint[])
    GROUP BY b2.id
) s
WHERE b.id = s.id
RETURNING b.id, b.account_id, b.total, b.voucher_payable_total, b.charged, b.voucher_payable_charged
"""

# One settlement row per bill whose total changed, numbered after the bill's earlier settlements.
INSERT_SETTLEMENTS = """
INSERT INTO quota_billsettlement (bill_id, sequence, amount, payment_id, created_at)
SELECT v.bill_id,
       coalesce((SELECT max(s.sequence) FROM quota_billsettlement s WHERE s.bill_id = v.bill_id), 0) + 1,
       v.amount, v.payment_id, now()
FROM unnest(%(bills)s::bigint[], %(amounts)s::numeric[], %(payments)s::bigint[]) AS v(bill_id, amount, payment_id)
"""

MARK_CHARGED = """
UPDATE quota_bill b
SET charged = b.total, voucher_payable_charged = v.voucher_payable_charged, updated_at = now()
FROM unnest(%(bills)s::bigint[], %(vpc)s::numeric[]) AS v(bill_id, voucher_payable_charged)
WHERE b.id = v.bill_id
"""

MARK_NIGHTS = """
INSERT INTO quota_nightmark (account_id, last_day, updated_at)
SELECT a.id, %(day)s::date, now() FROM workspaces_account a WHERE a.id = ANY(%(accounts)s::bigint[])
ON CONFLICT (account_id) DO UPDATE
SET last_day = greatest(quota_nightmark.last_day, EXCLUDED.last_day), updated_at = now()
"""

# The arrears countdowns that follow a night are written by workspaces.services.workspaces_start_countdown
# (quota.arrears.countdowns_start picks the accounts in arrears).
