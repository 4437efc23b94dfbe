"""The night at the scale of a real vendor: 10,000 accounts x 10 workspaces x 5 billing items = 500,000 usage
rows, with packages (plan periods, workspaces in order, some traffic), storage policies, and wallets with
vouchers, prepaid cards and cash (each balance with its ledger entry, so reconcile stays clean).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fee_h5 .venv/bin/python benchmarks/night.py [--accounts N]

It creates its own database (the DATABASE_URL's server, database `fee_bench`, dropped and re-created; nothing
else is touched), builds the data with set-based SQL (generate_series), then:
1. times PostgreSQL alone on the allocation statement (quota.engine.ALLOCATION_SELECT) over all the rows,
   as one statement (EXPLAIN ANALYZE) and as the night's chunks (bare SELECTs);
2. runs the whole night through the real service (quota.services.night_run: bill lines, bills, settlement
   through payments.settle_demands, arrears countdowns), chunk by chunk as the Celery tasks do;
3. re-runs it (nothing must change) and checks every bill (quota.reconcile.check_bills).
Ends with one line: night_seconds=<float> rows=<int> peak_mb=<int>."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = os.environ.get("BENCH_DB", "fee_bench")  # another name lets two benchmarks share a server
DAY = date(2026, 6, 15)
WORKSPACES = 10
ITEMS = ("datakit", "log", "apm", "rum", "sms")


def _bench_url(url: str) -> str:
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path=f"/{BENCH_DB}"))


def _recreate_database(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    admin = psycopg2.connect(
        dbname="postgres", user=parsed.username, password=parsed.password, host=parsed.hostname,
        port=parsed.port or 5432,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {BENCH_DB}")
    admin.close()


BUILD = """
SELECT setseed(0.42);
INSERT INTO workspaces_account (name, time_zone, currency, created_at)
SELECT 'Bench ' || g, 'Asia/Shanghai', 'CNY', '2026-01-01T00:00:00Z' FROM generate_series(1, %(accounts)s) g;

INSERT INTO workspaces_workspace (account_id, name, plan, commercial_since, status, created_at)
SELECT a.id, 'ws-' || w, 'commercial', '2026-01-01T00:00:00Z', 'active', '2026-01-01T00:00:00Z'
FROM workspaces_account a CROSS JOIN generate_series(1, %(workspaces)s) w WHERE a.name LIKE 'Bench %%';

-- a third of the workspaces keep logs 30 days (factor 2), a tenth APM 14 days (factor 2)
INSERT INTO workspaces_workspacestoragepolicy (workspace_id, billing_item_id, storage_policy_id, valid_from, chosen_at)
SELECT w.id, sp.billing_item_id, sp.id, '2026-01-01', now() FROM workspaces_workspace w
JOIN plans_storagepolicy sp ON sp.billing_item_id = (SELECT id FROM plans_billingitem WHERE code = 'log')
     AND sp.retention_days = 30
WHERE w.id %% 3 = 0;
INSERT INTO workspaces_workspacestoragepolicy (workspace_id, billing_item_id, storage_policy_id, valid_from, chosen_at)
SELECT w.id, sp.billing_item_id, sp.id, '2026-01-01', now() FROM workspaces_workspace w
JOIN plans_storagepolicy sp ON sp.billing_item_id = (SELECT id FROM plans_billingitem WHERE code = 'apm')
     AND sp.retention_days = 14
WHERE w.id %% 10 = 1;

-- 80 %% of the accounts have a package (startup, growth or enterprise) covering 8 of their 10 workspaces,
-- sold on 2026-01-01 with the plan versions of that day
INSERT INTO orders_package (account_id, plan_id, plan_version_id, catalogue_day, status, starts_on, ends_on,
                            created_at, auto_renew)
SELECT a.id, pl.id, (SELECT v.id FROM plans_planversion v WHERE v.plan_id = pl.id AND v.effective_from <= '2026-01-01'
                     ORDER BY v.effective_from DESC LIMIT 1),
       '2026-01-01', 'active', '2026-01-02', '2027-01-01', now(), false
FROM workspaces_account a
CROSS JOIN LATERAL (SELECT id FROM plans_plan ORDER BY rank OFFSET (a.id %% 3) LIMIT 1) pl
WHERE a.id %% 5 <> 0 AND a.name LIKE 'Bench %%';
INSERT INTO orders_packageplanperiod (package_id, plan_id, plan_version_id, valid_from, order_id)
SELECT p.id, p.plan_id, p.plan_version_id, p.starts_on, %(order)s FROM orders_package p;

-- the catalogue changed on 2026-05-01 (every log policy 10 %% dearer, the 30-day one converting x3): the night
-- of the day prices with the new versions, packages sold before convert with their old factors
SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE plans_storagepolicyversion DISABLE TRIGGER USER;
INSERT INTO plans_storagepolicyversion (storage_policy_id, effective_from, price, conversion_factor, created_at)
SELECT v.storage_policy_id, '2026-05-01', v.price * 1.1,
       CASE WHEN sp.retention_days = 30 THEN 3 ELSE v.conversion_factor END, now()
FROM plans_storagepolicyversion v JOIN plans_storagepolicy sp ON sp.id = v.storage_policy_id
WHERE sp.billing_item_id = (SELECT id FROM plans_billingitem WHERE code = 'log');
SET CONSTRAINTS ALL IMMEDIATE;  -- run the pending foreign-key checks: ALTER TABLE refuses while they wait
ALTER TABLE plans_storagepolicyversion ENABLE TRIGGER USER;
SET CONSTRAINTS ALL DEFERRED;
INSERT INTO orders_packageworkspace (package_id, workspace_id, position, valid_from, valid_until)
SELECT p.id, w.id, row_number() OVER (PARTITION BY p.id ORDER BY w.id), p.starts_on, NULL
FROM orders_package p JOIN workspaces_workspace w ON w.account_id = p.account_id
WHERE w.name NOT IN ('ws-9', 'ws-10');
-- a quarter of the packages have a log traffic package (valid on the day), one in eight an SMS one
INSERT INTO orders_packagetraffic (package_id, traffic_package_id, capacity, valid_from, valid_until, order_id)
SELECT p.id, tp.id, 20000000, '2026-03-01', p.ends_on, %(order)s FROM orders_package p
JOIN plans_trafficpackage tp ON tp.billing_item_id = (SELECT id FROM plans_billingitem WHERE code = 'log')
WHERE p.id %% 4 = 0;
INSERT INTO orders_packagetraffic (package_id, traffic_package_id, capacity, valid_from, valid_until, order_id)
SELECT p.id, tp.id, 500, '2026-03-01', p.ends_on, %(order)s FROM orders_package p
JOIN plans_trafficpackage tp ON tp.billing_item_id = (SELECT id FROM plans_billingitem WHERE code = 'sms')
WHERE p.id %% 8 = 0;

-- wallets: cash for 60 %%, ordinary vouchers 30 %%, full-reduction 10 %%, prepaid cards 30 %%; some have nothing
INSERT INTO payments_wallet (account_id, cash_balance, arrears, arrears_since, updated_at)
SELECT a.id, CASE WHEN a.id %% 5 IN (0, 1, 2) THEN (a.id %% 7 + 1) * 3000 ELSE 0 END, 0, NULL, now()
FROM workspaces_account a;
INSERT INTO payments_ledgerentry (account_id, balance_kind, amount, balance_after, reason, source_type, memo,
                                  created_at)
SELECT account_id, 'cash', cash_balance, cash_balance, 'recharge', 'benchmark', '', now()
FROM payments_wallet WHERE cash_balance > 0;
INSERT INTO payments_voucher (account_id, kind, status, face_value, balance, valid_from, valid_until,
                              created_at)
SELECT a.id, 'ordinary', 'active', 200, 200, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z', now()
FROM workspaces_account a WHERE a.id %% 10 IN (1, 4, 7);
INSERT INTO payments_voucher (account_id, kind, status, face_value, balance, valid_from, valid_until,
                              created_at)
SELECT a.id, 'full_reduction', 'active', 1000, 1000, '2026-01-01T00:00:00Z', '2026-12-01T00:00:00Z', now()
FROM workspaces_account a WHERE a.id %% 10 = 2;
INSERT INTO payments_ledgerentry (account_id, balance_kind, voucher_id, amount, balance_after, reason,
                                  source_type, memo, created_at)
SELECT account_id, 'voucher', id, balance, balance, 'voucher_issued', 'benchmark', '', now()
FROM payments_voucher;
INSERT INTO payments_prepaidcard (account_id, number, face_value, balance, status, purchased_at, expires_at)
SELECT a.id, 'BENCH' || a.id, 1000, 1000, 'active', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'
FROM workspaces_account a WHERE a.id %% 10 IN (3, 5, 8);
INSERT INTO payments_ledgerentry (account_id, balance_kind, card_id, amount, balance_after, reason,
                                  source_type, memo, created_at)
SELECT account_id, 'card', id, balance, balance, 'card_issued', 'benchmark', '', now()
FROM payments_prepaidcard;

-- the day's usage: every workspace reports all five items (500,000 rows for 10,000 accounts)
INSERT INTO quota_usagerecord (account_id, workspace_id, billing_item_id, day, quantity, updated_at)
SELECT w.account_id, w.id, bi.id, %(day)s,
       CASE bi.code
           WHEN 'datakit' THEN (random() * 30)::bigint
           WHEN 'log' THEN (random() * 150000000)::bigint
           WHEN 'apm' THEN (random() * 20000000)::bigint
           WHEN 'rum' THEN (random() * 300000)::bigint
           ELSE (random() * 200)::bigint
       END,
       '2026-06-15T12:00:00Z'
FROM workspaces_workspace w CROSS JOIN plans_billingitem bi
WHERE bi.code IN ('datakit', 'log', 'apm', 'rum', 'sms');
ANALYZE;
"""


def _peak_mb() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--chunk-size", type=int, default=500)
    args = parser.parse_args()

    source = os.environ.get("DATABASE_URL")
    if not source:
        sys.exit("Set DATABASE_URL (the server to create the fee_bench database on).")
    url = _bench_url(source)
    print(f"benchmark database: {urlparse(url).hostname}/{BENCH_DB} (re-created)")
    _recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing_center.settings")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    import django

    django.setup()
    # The night itself is measured; what it queues afterwards (alerts, monthly bills: Celery tasks that the
    # night_settled signal sends to the broker) is not, and must not pile up in a real broker either.
    from quota.signals import night_settled

    night_settled.receivers.clear()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.1f} s")

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from orders.models import Order, OrderKind, OrderStatus
    from plans.models import Plan
    from quota import engine, services
    from quota.reconcile import check_bills
    from workspaces.models import Account

    started = time.perf_counter()
    user = get_user_model().objects.create(username="bench")
    holder = Account.objects.create(name="Order holder (benchmark)")
    order = Order.objects.create(
        account=holder, number="BENCH-1", kind=OrderKind.PURCHASE, status=OrderStatus.CANCELLED,
        plan=Plan.objects.order_by("rank").first(), total=1, created_by=user,
        expires_at=timezone.now(), catalogue_day=DAY,
    )
    from quota import partitions

    partitions.usage_partitions_ensure(months=[DAY])  # the day's month partition (the night prunes to it)
    with connection.cursor() as cursor:
        cursor.execute(BUILD, {"accounts": args.accounts, "workspaces": WORKSPACES, "day": DAY, "order": order.pk})
        cursor.execute("SELECT count(*) FROM quota_usagerecord WHERE day = %s", [DAY])
        (rows,) = cursor.fetchone()
    print(f"built {rows:,} usage rows for {args.accounts:,} accounts in {time.perf_counter() - started:.1f} s")

    account_ids = list(Account.objects.exclude(pk=holder.pk).order_by("pk").values_list("pk", flat=True))
    params_all = {"day": DAY, "accounts": account_ids}
    chunks = [account_ids[i : i + args.chunk_size] for i in range(0, len(account_ids), args.chunk_size)]

    # 1. PostgreSQL alone: the allocation statement over the same rows.
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + engine.ALLOCATION_SELECT, params_all)
        plan = cursor.fetchone()[0]
        plan = plan[0] if isinstance(plan, list) else plan
        explain_ms = float(plan["Execution Time"])
        started = time.perf_counter()
        for chunk in chunks:
            cursor.execute(
                "SELECT count(*), sum(amount) FROM (" + engine.ALLOCATION_SELECT + ") a",
                {"day": DAY, "accounts": chunk},
            )
            cursor.fetchone()
        bare_chunks = time.perf_counter() - started
    bare = explain_ms / 1000
    print(f"allocation statement alone: {bare:.2f} s (EXPLAIN ANALYZE, one statement over all accounts); "
          f"{bare_chunks:.2f} s as {len(chunks)} bare chunk SELECTs")
    # 1b. The full bare-SQL floor (benchmarks/night_floor.py): the night's whole work in one transaction,
    # rolled back afterwards.
    from benchmarks.night_floor import full_floor, same_as_night

    floor = full_floor(connection, day=DAY, account_ids=account_ids)
    print(f"full floor (bare SQL, one transaction: allocation, pricing, lines, bills, settlement): "
          f"{floor.seconds:.2f} s; " + ", ".join(f"{k} {v:.2f} s" for k, v in floor.phases.items()))

    # 2. The whole night through the real service.
    started = time.perf_counter()
    result = services.night_run(day=DAY, account_ids=account_ids, chunk_size=args.chunk_size)
    night = time.perf_counter() - started
    peak = _peak_mb()
    print(f"night: {night:.2f} s for {rows:,} usage rows ({rows / night:,.0f} rows/s), {result.bills:,} bills, "
          f"{result.lines:,} lines, charged {result.charged:,}, {result.settlements:,} settlements, "
          f"{result.countdowns_started:,} countdowns started; peak memory {peak} MB (maxrss)")
    print("phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items()))
    print(f"night / allocation statement = {night / bare:.2f}x (target <= 5x); "
          f"night / bare chunk SELECTs = {night / bare_chunks:.2f}x")
    same = same_as_night(floor, connection)
    print(f"night / full floor = {night / floor.seconds:.2f}x (target <= 3x); the floor wrote what the night "
          f"wrote: {all(same.values())} {'' if all(same.values()) else same}")

    # 3. A re-run changes nothing; every bill is consistent.
    started = time.perf_counter()
    rerun = services.night_run(day=DAY, account_ids=account_ids, chunk_size=args.chunk_size)
    print(f"re-run: {time.perf_counter() - started:.2f} s, charged {rerun.charged}, credited {rerun.credited}, "
          f"{rerun.settlements} settlements (expected 0)")
    problems = check_bills()
    print(f"check_bills: {'clean' if not problems else problems[:5]}")
    peak = _peak_mb()
    print(f"night_seconds={night:.3f} rows={rows} peak_mb={peak}")


if __name__ == "__main__":
    main()
