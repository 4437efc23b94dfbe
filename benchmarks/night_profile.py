"""Where one chunk of the night spends its time: every statement of `quota.night._run_chunk` for one chunk, in
the night's order, under EXPLAIN (ANALYZE, BUFFERS, WAL) where PostgreSQL can explain it (timed otherwise),
inside one transaction that is rolled back. Run it on a database built by benchmarks/night.py (its base data is
kept in $BENCH_DB after the run; the night itself runs on copies when several chunk sizes are measured):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fee_bench .venv/bin/python benchmarks/night_profile.py \\
        [--chunk-size 500] [--chunk 0]

Prints one row per statement: milliseconds, rows, WAL records and bytes, shared blocks dirtied, and the
round-trips the night spends on the chunk. BENCHMARKS.md "Where the night's time goes" holds the figures.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import django
from django.db import connection, transaction
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def split(sql: str) -> list[str]:
    return [part.strip() for part in re.split(r";\s*\n", sql) if part.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--chunk", type=int, default=0, help="which chunk (0 = the first)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing_center.settings")

    django.setup()

    from payments import settlement_sql as settle
    from quota import engine
    from quota.night import BillTotals, charge_or_credit

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM workspaces_account WHERE name LIKE 'Bench %%' ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
    chunk = ids[args.chunk * args.chunk_size : (args.chunk + 1) * args.chunk_size]
    from benchmarks.night import DAY

    params = {"day": DAY, "accounts": chunk, "now": timezone.now(), "actor": None}
    rows: list[tuple[str, float, int, int, int, int]] = []

    def explain(cursor, label: str, sql: str, extra: dict | None = None) -> None:
        values = {**params, **(extra or {})}
        if re.match(r"(?is)^\s*(with|select|insert|update|delete|create temp table \w+ on commit drop as)", sql) \
                and not sql.lstrip().upper().startswith("SELECT PG_ADVISORY"):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, WAL, FORMAT JSON) " + sql, values)
            plan = cursor.fetchone()[0][0]
            top = plan["Plan"]
            rows.append((label, plan["Execution Time"], int(top.get("Actual Rows", 0)),
                         int(top.get("WAL Records", 0)), int(top.get("WAL Bytes", 0)),
                         int(top.get("Shared Dirtied Blocks", 0))))
        else:
            started = time.perf_counter()
            cursor.execute(sql, values)
            rows.append((label, (time.perf_counter() - started) * 1000, max(cursor.rowcount, 0), 0, 0, 0))

    class _Rollback(Exception):
        pass

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            explain(cursor, "lock wallets (FOR UPDATE)", "SELECT count(*) FROM (SELECT id FROM payments_wallet "
                    "WHERE account_id = ANY(%(accounts)s::bigint[]) ORDER BY account_id FOR UPDATE) w")
            explain(cursor, "UPSERT_BILLS", engine.UPSERT_BILLS)
            explain(cursor, "HAS_LINES", engine.HAS_LINES)
            explain(cursor, "INSERT_LINES (allocation + pricing + line writes)", engine.INSERT_LINES)
            explain(cursor, "TOTAL_BILLS", engine.TOTAL_BILLS)
            cursor.execute("SELECT id, account_id, total, voucher_payable_total, charged, voucher_payable_charged "
                           "FROM quota_bill WHERE day = %(day)s AND account_id = ANY(%(accounts)s::bigint[]) "
                           "ORDER BY account_id", params)
            charges = [c for c in (charge_or_credit(BillTotals(*r)) for r in cursor.fetchall()) if c]
            fill = {"idx": list(range(len(charges))), "accounts": [c.account_id for c in charges],
                    "amounts": [c.amount for c in charges], "vpas": [c.voucher_payable_amount for c in charges],
                    "source_types": ["bill"] * len(charges), "source_ids": [c.bill_id for c in charges]}
            for name in ("SETTLE_DDL", "SETTLE_FILL", "SETTLE_LOCK", "SETTLE_ALLOCATE", "SETTLE_WRITE"):
                for n, statement in enumerate(split(getattr(settle, name)), 1):
                    explain(cursor, f"{name} #{n}", statement, fill)
            cursor.execute(settle.SETTLE_RESULT)
            paid = {source_id: payment for _, source_id, payment in cursor.fetchall()}
            settled = {"bills": [c.bill_id for c in charges], "amounts": [c.amount for c in charges],
                       "payments": [paid.get(c.bill_id) for c in charges],
                       "vpc": [c.voucher_payable_charged for c in charges]}
            explain(cursor, "INSERT_SETTLEMENTS", engine.INSERT_SETTLEMENTS, settled)
            explain(cursor, "MARK_CHARGED", engine.MARK_CHARGED, settled)
            explain(cursor, "MARK_NIGHTS", engine.MARK_NIGHTS)
            explain(cursor, "countdowns (UPDATE workspaces)",
                    "UPDATE workspaces_workspace SET status = 'countdown', countdown_started_at = now(), "
                    "countdown_reminded_at = NULL WHERE account_id IN (SELECT account_id FROM payments_wallet "
                    "WHERE account_id = ANY(%(accounts)s::bigint[]) AND arrears > 0) AND plan = 'commercial' "
                    "AND status = 'active'")
            raise _Rollback
    except _Rollback:
        pass
    total = sum(r[1] for r in rows)
    print(f"chunk {args.chunk} of {args.chunk_size} accounts, day {DAY}, load {os.getloadavg()[0]:.1f}")
    print("| statement | ms | share | rows | WAL records | WAL bytes | blocks dirtied |")
    print("|---|---|---|---|---|---|---|")
    for label, ms, count, wal, wal_bytes, dirtied in rows:
        print(f"| {label} | {ms:,.1f} | {ms / total * 100:.0f} % | {count:,} | {wal:,} | {wal_bytes:,} | {dirtied:,} |")
    print(f"| total | {total:,.1f} | 100 % | | {sum(r[3] for r in rows):,} | {sum(r[4] for r in rows):,} | "
          f"{sum(r[5] for r in rows):,} |")


if __name__ == "__main__":
    main()
