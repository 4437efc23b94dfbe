"""The full bare-SQL floor of the night (issue 15): everything the night does, as plain SQL statements sent one
after the other in ONE transaction over ALL accounts at once, with no Python between them, no chunks and no
per-chunk round-trips:

1. the day's bills (one INSERT ... SELECT);
2. allocation and pricing: every bill line (quota.engine's allocation statement inside one INSERT ... SELECT);
3. bill totals from the lines;
4. settlement over vouchers, cards and cash, arrears for the rest (payments' set-based settlement SQL, fed from
   the bills by one INSERT ... SELECT instead of Python arrays): locks, allocation, payments, tenders, ledger
   entries, balances;
5. settlement records, bills marked charged, night marks, arrears countdowns of the workspaces.

`full_floor` times it, checks that it produced what the night produces (the digests of
benchmarks/night_parallel.OUTCOME, taken before the rollback, against the night's afterwards: `same_as_night`),
then ROLLS BACK and vacuums, so the night that follows starts from the same data. benchmarks/night.py prints
the night against this floor beside the allocation-only floor.

It reuses the project's statements (quota.engine, payments.settlement_sql) because the floor must do the same
work: a faster statement found later speeds up the night and the floor alike, so the ratio measures what the
night adds around them (chunking, Python, round-trips, per-chunk locking), not SQL tuning.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

FILL_DEMANDS = """
INSERT INTO _settle_demand (idx, account_id, amount, vpa, source_type, source_id)
SELECT row_number() OVER (ORDER BY b.account_id)::integer, b.account_id, b.total - b.charged,
       least(b.total - b.charged, greatest(0, b.voucher_payable_total - b.voucher_payable_charged)), 'bill', b.id
FROM quota_bill b
WHERE b.day = %(day)s AND b.account_id = ANY(%(accounts)s::bigint[]) AND b.total > b.charged;
ANALYZE _settle_demand;
"""

RECORD = """
INSERT INTO quota_billsettlement (bill_id, sequence, amount, payment_id, created_at)
SELECT d.source_id,
       coalesce((SELECT max(s.sequence) FROM quota_billsettlement s WHERE s.bill_id = d.source_id), 0) + 1,
       d.amount, d.payment_id, now()
FROM _settle_demand d;
UPDATE quota_bill b SET charged = b.total, voucher_payable_charged = b.voucher_payable_charged + d.vpa,
                        updated_at = now()
FROM _settle_demand d WHERE b.id = d.source_id;
UPDATE workspaces_workspace SET status = 'countdown', countdown_started_at = now(), countdown_reminded_at = NULL
WHERE account_id IN (SELECT w.account_id FROM payments_wallet w
                     WHERE w.account_id = ANY(%(accounts)s::bigint[]) AND w.arrears > 0)
  AND plan = 'commercial' AND status = 'active';
"""

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
    """Time the whole night as bare SQL in one transaction over all `account_ids`, keep the digest of what
    it wrote, roll everything back and vacuum the touched tables."""
    from django.db import transaction
    from django.utils import timezone

    from benchmarks.night_parallel import outcome
    from payments import settlement_sql as settle
    from quota import engine

    params = {"day": day, "accounts": list(account_ids)}
    now = {"now": timezone.now(), "actor": None}
    phases: dict[str, float] = {}
    result = FloorResult(seconds=0.0, phases=phases)

    class _Rollback(Exception):
        pass

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            started = t = time.perf_counter()

            def tick(name: str) -> None:
                nonlocal t
                now_t = time.perf_counter()
                phases[name] = now_t - t
                t = now_t

            cursor.execute(engine.UPSERT_BILLS, params)
            tick("bills")
            cursor.execute(engine.INSERT_LINES, params)
            tick("allocation+lines")
            cursor.execute(f"WITH t AS ({engine.TOTAL_BILLS}) SELECT count(*) FROM t", params)
            tick("totals")
            cursor.execute(settle.SETTLE_DDL)
            cursor.execute(FILL_DEMANDS, params)
            cursor.execute(settle.SETTLE_LOCK, now)
            cursor.execute(settle.SETTLE_ALLOCATE, now)
            cursor.execute(settle.SETTLE_WRITE, now)
            tick("settlement")
            cursor.execute(RECORD, params)
            cursor.execute(engine.MARK_NIGHTS, params)
            tick("records")
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
