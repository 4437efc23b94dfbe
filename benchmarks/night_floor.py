"""The honest full floor of the night (issue 15): everything the night does for a day's FIRST run, written as
bare SQL for this benchmark (it imports none of quota.engine's nor payments.settlement_sql's statements), sent
as a handful of statements in ONE transaction over ALL accounts at once: no chunks, no Python between the
steps, no re-reading of rows just written.

1. ``LINES``: allocation with the sequential window and pricing with the day's catalogue versions, into a
   temporary table (one statement);
2. ``BILLS``: the bills with their final figures (total, voucher-payable total, charged, runs) and their
   lines, one statement (a data-modifying CTE feeds the bill ids to the line insert);
3. ``ALLOCATE``: the wallets locked, then the split of every bill over ordinary vouchers, full-reduction
   vouchers, prepaid cards and cash (running sums), the rest becoming arrears;
4. ``WRITE``: payments, tenders, ledger entries, settlement records, voucher / card / wallet balances,
   arrears countdowns of the workspaces and the night marks, one statement of data-modifying CTEs.

The rules are the night's (docs/RULES-quota.md "The night", docs/RULES-payments.md settlement order), written
again from the rules, not copied from its statements. `full_floor` times it, digests what it wrote
(benchmarks/night_parallel.OUTCOME: bills, lines, settlements, tenders, ledger, wallets, cards, vouchers,
night marks, workspace states), ROLLS BACK and vacuums, so the night that follows starts from the same rows;
`same_as_night` then compares the digests table by table: the floor must write the night's amounts to the cent.

What it leaves out on purpose, because a first night of the benchmark's data never needs it: re-runs (stale
lines, upserts, credits), several bills of one account in one settlement, accounts whose local day is not
over. The night pays for those checks; they are part of what the ratio measures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

SETUP = "SET LOCAL jit = off"

LINES = """
CREATE TEMP TABLE _floor_line ON COMMIT DROP AS
WITH versions AS (
    SELECT storage_policy_id, effective_from, price, conversion_factor,
           lead(effective_from) OVER (PARTITION BY storage_policy_id ORDER BY effective_from) AS until
    FROM plans_storagepolicyversion
), today AS (
    SELECT * FROM versions WHERE effective_from <= %(day)s AND (until IS NULL OR until > %(day)s)
), chosen AS (
    SELECT DISTINCT ON (workspace_id, billing_item_id) workspace_id, billing_item_id, storage_policy_id
    FROM workspaces_workspacestoragepolicy WHERE valid_from <= %(day)s
    ORDER BY workspace_id, billing_item_id, valid_from DESC
), seat AS (
    SELECT DISTINCT ON (pw.workspace_id) pw.workspace_id, pw.package_id, pw.position, p.catalogue_day,
           coalesce((SELECT pp.plan_version_id FROM orders_packageplanperiod pp
                     WHERE pp.package_id = p.id AND pp.valid_from <= %(day)s
                     ORDER BY pp.valid_from DESC LIMIT 1), p.plan_version_id) AS plan_version_id
    FROM orders_packageworkspace pw JOIN orders_package p ON p.id = pw.package_id
    WHERE p.account_id = ANY(%(accounts)s::bigint[]) AND p.status <> 'refunded'
      AND %(day)s BETWEEN p.starts_on AND p.ends_on
      AND pw.valid_from <= %(day)s AND (pw.valid_until IS NULL OR pw.valid_until >= %(day)s)
    ORDER BY pw.workspace_id, pw.valid_from DESC, pw.id DESC
), extra AS (
    SELECT pt.package_id, tp.billing_item_id, sum(pt.capacity) AS cap
    FROM orders_packagetraffic pt JOIN plans_trafficpackage tp ON tp.id = pt.traffic_package_id
    WHERE %(day)s BETWEEN pt.valid_from AND pt.valid_until
    GROUP BY 1, 2
), usage_row AS (
    SELECT u.account_id, u.workspace_id, u.billing_item_id, u.quantity, bi.pricing_unit, bi.voucher_payable,
           coalesce(c.storage_policy_id, dp.id) AS policy_id, s.package_id, s.position,
           coalesce(own.price, dflt.price) AS own_price, dflt.price AS default_price,
           CASE WHEN s.package_id IS NULL THEN coalesce(own.conversion_factor, dflt.conversion_factor)
                ELSE coalesce(sold.conversion_factor, own.conversion_factor, dflt.conversion_factor) END AS factor,
           coalesce(pc.daily_capacity, 0) AS plan_cap, coalesce(extra.cap, 0) AS traffic_cap
    FROM quota_usagerecord u
    JOIN workspaces_workspace w ON w.id = u.workspace_id AND w.plan = 'commercial'
    JOIN plans_billingitem bi ON bi.id = u.billing_item_id
    JOIN plans_storagepolicy dp ON dp.billing_item_id = u.billing_item_id AND dp.is_default
    JOIN today dflt ON dflt.storage_policy_id = dp.id
    LEFT JOIN chosen c ON c.workspace_id = u.workspace_id AND c.billing_item_id = u.billing_item_id
    LEFT JOIN today own ON own.storage_policy_id = coalesce(c.storage_policy_id, dp.id)
    LEFT JOIN seat s ON s.workspace_id = u.workspace_id
    LEFT JOIN versions sold ON sold.storage_policy_id = coalesce(c.storage_policy_id, dp.id)
         AND sold.effective_from <= s.catalogue_day AND (sold.until IS NULL OR sold.until > s.catalogue_day)
    LEFT JOIN plans_planversioncapacity pc ON pc.plan_version_id = s.plan_version_id
         AND pc.billing_item_id = u.billing_item_id
    LEFT JOIN extra ON extra.package_id = s.package_id AND extra.billing_item_id = u.billing_item_id
    WHERE u.day = %(day)s AND u.account_id = ANY(%(accounts)s::bigint[])
), run AS (
    SELECT usage_row.*, quantity * factor AS converted,
           sum(quantity * factor) OVER (PARTITION BY package_id, billing_item_id ORDER BY position, workspace_id
                                        ROWS UNBOUNDED PRECEDING) - quantity * factor AS prev
    FROM usage_row
), cov AS (
    SELECT run.*,
           CASE WHEN package_id IS NULL THEN 0 ELSE least(converted, greatest(0, plan_cap - prev)) END AS cbp
    FROM run
), cov2 AS (
    SELECT cov.*,
           CASE WHEN package_id IS NULL THEN 0
                ELSE least(converted - cbp, greatest(0, plan_cap + traffic_cap - prev - cbp)) END AS cbt
    FROM cov
)
SELECT account_id, workspace_id, billing_item_id, policy_id, package_id, quantity, factor, converted, cbp, cbt,
       overage, price, voucher_payable, round(overage::numeric * price / pricing_unit, 2) AS amount
FROM (SELECT cov2.*,
             CASE WHEN package_id IS NULL THEN quantity ELSE converted - cbp - cbt END AS overage,
             CASE WHEN package_id IS NULL THEN own_price ELSE default_price END AS price
      FROM cov2) priced
"""

# A first night: every bill is new, so it is written once with its final figures (charged = total: each bill
# is settled in full below, runs = 1), and its lines go in through the ids the insert returns.
BILLS = """
CREATE TEMP TABLE _floor_bill (id bigint, account_id bigint, total numeric, vpt numeric) ON COMMIT DROP;
WITH totals AS (
    SELECT account_id, sum(amount) AS total, coalesce(sum(amount) FILTER (WHERE voucher_payable), 0) AS vpt
    FROM _floor_line GROUP BY account_id
), bill AS (
    INSERT INTO quota_bill (account_id, day, total, voucher_payable_total, charged, voucher_payable_charged, runs,
                            created_at, updated_at)
    SELECT account_id, %(day)s, total, vpt, total, vpt, 1, now(), now() FROM totals
    RETURNING id, account_id, total, voucher_payable_total
), line AS (
    INSERT INTO quota_billline (bill_id, day, workspace_id, billing_item_id, storage_policy_id, package_id, usage,
                                factor, converted, covered_by_package, covered_by_traffic, overage, unit_price,
                                amount)
    SELECT bill.id, %(day)s, l.workspace_id, l.billing_item_id, l.policy_id, l.package_id, l.quantity, l.factor,
           l.converted, l.cbp, l.cbt, l.overage, l.price, l.amount
    FROM _floor_line l JOIN bill ON bill.account_id = l.account_id
)
INSERT INTO _floor_bill SELECT id, account_id, total, voucher_payable_total FROM bill;
"""

# Wallets locked (they serialise every money movement of an account), then each bill split over the
# account's instruments: ordinary vouchers, full-reduction vouchers (vouchers only up to the voucher-payable
# total), prepaid cards, cash; within a kind the earliest expiry first, then the lowest id.
ALLOCATE = """
INSERT INTO payments_wallet (account_id, cash_balance, arrears, arrears_since, updated_at)
SELECT account_id, 0, 0, NULL, %(now)s FROM _floor_bill ON CONFLICT (account_id) DO NOTHING;
SELECT count(*) FROM (SELECT 1 FROM payments_wallet w JOIN _floor_bill b ON b.account_id = w.account_id
                      ORDER BY w.account_id FOR UPDATE OF w) locked;
CREATE TEMP TABLE _floor_take ON COMMIT DROP AS
WITH source AS (
    SELECT b.id AS bill_id, b.total, b.vpt, CASE v.kind WHEN 'ordinary' THEN 1 ELSE 2 END AS rank,
           v.valid_until AS expiry, v.id AS inst, NULL::bigint AS card_id, v.id AS voucher_id, v.balance
    FROM _floor_bill b JOIN payments_voucher v ON v.account_id = b.account_id
    WHERE b.total > 0 AND b.vpt > 0 AND v.status = 'active' AND v.balance > 0
      AND v.valid_from <= %(now)s AND v.valid_until > %(now)s
    UNION ALL
    SELECT b.id, b.total, b.vpt, 3, c.expires_at, c.id, c.id, NULL, c.balance
    FROM _floor_bill b JOIN payments_prepaidcard c ON c.account_id = b.account_id
    WHERE b.total > 0 AND c.status = 'active' AND c.balance > 0 AND c.expires_at > %(now)s
    UNION ALL
    SELECT b.id, b.total, b.vpt, 4, NULL, 0, NULL, NULL, w.cash_balance
    FROM _floor_bill b JOIN payments_wallet w ON w.account_id = b.account_id
    WHERE b.total > 0 AND w.cash_balance > 0
), usable AS (
    SELECT source.*,
           CASE WHEN rank <= 2 THEN greatest(0, least(balance, vpt - (sum(balance) OVER o - balance)))
                ELSE balance END AS usable
    FROM source WINDOW o AS (PARTITION BY bill_id ORDER BY rank, expiry, inst ROWS UNBOUNDED PRECEDING)
)
SELECT bill_id, rank, card_id, voucher_id, balance,
       greatest(0, least(usable, total - (sum(usable) OVER o - usable))) AS take
FROM usable WINDOW o AS (PARTITION BY bill_id ORDER BY rank, expiry, inst ROWS UNBOUNDED PRECEDING);
DELETE FROM _floor_take WHERE take = 0;
"""

WRITE = """
WITH owed AS (
    SELECT b.id AS bill_id, b.account_id, b.total, b.total - coalesce(sum(t.take), 0) AS rest,
           coalesce(sum(t.take) FILTER (WHERE t.rank = 4), 0) AS cash
    FROM _floor_bill b LEFT JOIN _floor_take t ON t.bill_id = b.id
    WHERE b.total > 0 GROUP BY b.id, b.account_id, b.total
), pay AS (
    INSERT INTO payments_payment (account_id, purpose, source_type, source_id, amount, refunded_payment_id,
                                  created_by_id, created_at)
    SELECT account_id, 'bill', 'bill', bill_id, total, NULL, NULL, %(now)s FROM owed
    RETURNING id, source_id AS bill_id
), tender AS (
    INSERT INTO payments_paymenttender (payment_id, kind, card_id, voucher_id, amount)
    SELECT pay.id, CASE t.rank WHEN 1 THEN 'ordinary_voucher' WHEN 2 THEN 'full_reduction_voucher'
                               WHEN 3 THEN 'prepaid_card' ELSE 'cash' END, t.card_id, t.voucher_id, t.take
    FROM _floor_take t JOIN pay USING (bill_id)
    UNION ALL
    SELECT pay.id, 'arrears', NULL, NULL, owed.rest FROM owed JOIN pay USING (bill_id) WHERE owed.rest > 0
), ledger AS (
    INSERT INTO payments_ledgerentry (account_id, balance_kind, card_id, voucher_id, amount, balance_after, reason,
                                      source_type, source_id, payment_id, memo, created_by_id, created_at)
    SELECT owed.account_id, CASE t.rank WHEN 3 THEN 'card' WHEN 4 THEN 'cash' ELSE 'voucher' END, t.card_id,
           t.voucher_id, -t.take, t.balance - t.take, 'bill_settlement', 'bill', t.bill_id, pay.id, '', NULL::integer,
           %(now)s
    FROM _floor_take t JOIN owed USING (bill_id) JOIN pay USING (bill_id)
    UNION ALL
    SELECT owed.account_id, 'arrears', NULL, NULL, owed.rest, w.arrears + owed.rest, 'arrears_incurred', 'bill',
           owed.bill_id, pay.id, '', NULL::integer, %(now)s
    FROM owed JOIN pay USING (bill_id) JOIN payments_wallet w ON w.account_id = owed.account_id
    WHERE owed.rest > 0
), record AS (
    INSERT INTO quota_billsettlement (bill_id, sequence, amount, payment_id, created_at)
    SELECT bill_id, 1, owed.total, pay.id, now() FROM owed JOIN pay USING (bill_id)
), voucher AS (
    UPDATE payments_voucher v SET balance = v.balance - t.take,
           status = CASE WHEN v.balance = t.take THEN 'exhausted' ELSE v.status END
    FROM _floor_take t WHERE t.voucher_id = v.id
), card AS (
    UPDATE payments_prepaidcard c SET balance = c.balance - t.take,
           status = CASE WHEN c.balance = t.take THEN 'exhausted' ELSE c.status END
    FROM _floor_take t WHERE t.card_id = c.id
), wallet AS (
    UPDATE payments_wallet w SET cash_balance = w.cash_balance - owed.cash, arrears = w.arrears + owed.rest,
           arrears_since = CASE WHEN w.arrears = 0 AND owed.rest > 0 THEN %(now)s ELSE w.arrears_since END,
           updated_at = %(now)s
    FROM owed WHERE w.account_id = owed.account_id AND (owed.cash > 0 OR owed.rest > 0)
), countdown AS (
    UPDATE workspaces_workspace ws SET status = 'countdown', countdown_started_at = now(),
           countdown_reminded_at = NULL
    FROM payments_wallet w
    LEFT JOIN owed ON owed.account_id = w.account_id
    WHERE ws.account_id = w.account_id AND w.account_id = ANY(%(accounts)s::bigint[])
      AND w.arrears + coalesce(owed.rest, 0) > 0 AND ws.plan = 'commercial' AND ws.status = 'active'
)
INSERT INTO quota_nightmark (account_id, last_day, updated_at)
SELECT unnest(%(accounts)s::bigint[]), %(day)s, now()
ON CONFLICT (account_id) DO UPDATE SET last_day = greatest(quota_nightmark.last_day, EXCLUDED.last_day),
                                       updated_at = now();
"""

STEPS = (("setup", SETUP), ("allocation+pricing", LINES), ("bills+lines", BILLS), ("settlement split", ALLOCATE),
         ("writes", WRITE))

COMPARED = ("bills", "lines", "settlements", "tenders", "ledger", "wallets", "cards", "vouchers", "marks",
            "workspaces")
TOUCHED = ("quota_bill", "quota_billline", "quota_billsettlement", "quota_nightmark", "payments_payment",
           "payments_paymenttender", "payments_ledgerentry", "payments_wallet", "payments_voucher",
           "payments_prepaidcard", "workspaces_workspace")


@dataclass
class FloorResult:
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)
    digest: dict[str, Any] = field(default_factory=dict)


def full_floor(connection, *, day: date, account_ids: list[int]) -> FloorResult:
    """Time the whole first night as bare SQL in one transaction over all `account_ids`, keep the digest of
    what it wrote, roll everything back and vacuum the touched tables."""

    from benchmarks.night_parallel import outcome

    params = {"day": day, "accounts": list(account_ids), "now": timezone.now()}
    result = FloorResult(seconds=0.0)

    class _Rollback(Exception):
        pass

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            for name, sql in STEPS:
                t = time.perf_counter()
                cursor.execute(sql, params)
                result.phases[name] = time.perf_counter() - t
            result.seconds = time.perf_counter() - started
            digest = outcome(cursor)
            result.digest = {k: digest[k] for k in COMPARED}
            raise _Rollback
    except _Rollback:
        pass
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE " + ", ".join(TOUCHED))
    return result


def same_as_night(floor: FloorResult, connection) -> dict[str, bool]:
    """After the night ran on the same data: table by table, did the floor write what the night wrote?"""
    from benchmarks.night_parallel import outcome

    with connection.cursor() as cursor:
        night = outcome(cursor)
    return {k: night[k] == floor.digest[k] for k in COMPARED}
