"""The night at the scale of a real vendor: 10,000 accounts x 10 workspaces x 5 billing items = 500,000 usage
rows, with packages (plan periods, workspaces in order, some traffic), storage policies, and wallets with
vouchers, prepaid cards and cash (each balance with its ledger entry, so reconcile stays clean).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fee_h5 .venv/bin/python benchmarks/night.py \
        [--accounts N] [--chunk-size 500 | --chunk-sizes 250 500 1000 2000] [--skip-floor] [--skip-rerun]
        [--reuse] [--fast-build]

It creates its own database (the DATABASE_URL's server, database `fee_bench` or $BENCH_DB, dropped and
re-created; nothing else is touched), builds the data with set-based SQL (generate_series), then:
1. the allocation-only floor: PostgreSQL alone on the allocation statement (quota.engine.ALLOCATION_SELECT)
   over all the rows, as one statement (EXPLAIN ANALYZE) and as the night's chunks (bare SELECTs);
2. the honest full floor (benchmarks/night_floor.py): everything the night does, bare SQL written for the
   benchmark, one transaction, rolled back after its digest is taken;
3. the whole night through the real service (quota.night.night_run), chunk by chunk as the Celery tasks
   do, once per chunk size, each on a fresh copy of the data (CREATE DATABASE ... TEMPLATE); every run must
   write what the floor wrote (digest per table);
4. re-runs it (nothing must change) and checks every bill (quota.reconcile.check_bills).
JIT is off in every timed statement (the night sets it per transaction; the floors per session).
Ends with one line: night_seconds=<float> rows=<int> peak_mb=<int> full_floor_seconds=<float>
alloc_floor_seconds=<float> night_vs_full=<float> night_vs_alloc=<float> chunk_size=<int> load=<float>."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import django
import psycopg2
from django.conf import settings
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = os.environ.get("BENCH_DB", "fee_bench")  # another name lets two benchmarks share a server
from benchmarks.night_data import DAY  # noqa: E402  (the data set lives in night_data.py)


def _bench_url(url: str) -> str:
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path=f"/{BENCH_DB}"))


def _recreate_database(url: str) -> None:
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




def _peak_mb() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def _clone(url: str, name: str) -> None:
    """A fresh copy of the benchmark database (no session may be connected to the source)."""

    parsed = urlparse(url)
    admin = psycopg2.connect(dbname="postgres", user=parsed.username, password=parsed.password,
                             host=parsed.hostname, port=parsed.port or 5432)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if name != BENCH_DB:
            cursor.execute(f"CREATE DATABASE {name} TEMPLATE {BENCH_DB}")
    admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--chunk-size", type=int, default=None, help="default: quota.night.CHUNK_SIZE")
    parser.add_argument("--chunk-sizes", type=int, nargs="+", default=None,
                        help="run the night once per chunk size, each on a fresh copy of the data")
    parser.add_argument("--skip-floor", action="store_true", help="no full floor (e.g. at 100,000 accounts)")
    parser.add_argument("--skip-rerun", action="store_true", help="no re-run and no check_bills")
    parser.add_argument("--fast-build", action="store_true",
                        help="build the data with triggers off (session_replication_role = replica: no audit rows, "
                             "no FK checks; valid by construction); the night itself runs with every trigger")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse $BENCH_DB as built by an earlier run (its base data is kept: the nights run "
                             "on copies); skips building")
    args = parser.parse_args()

    source = os.environ.get("DATABASE_URL")
    if not source:
        sys.exit("Set DATABASE_URL (the server to create the fee_bench database on).")
    url = _bench_url(source)
    print(f"benchmark database: {urlparse(url).hostname}/{BENCH_DB} "
          f"({'reused' if args.reuse else 're-created'})", flush=True)
    if not args.reuse:
        _recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing_center.settings")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")

    django.setup()
    # The night itself is measured; what it queues afterwards (alerts, monthly bills: Celery tasks that the
    # night_settled signal sends to the broker) is not, and must not pile up in a real broker either.
    from quota.signals import night_settled

    night_settled.receivers.clear()

    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    started = time.perf_counter()
    if not args.reuse:
        call_command("migrate", verbosity=0)
        print(f"migrated in {time.perf_counter() - started:.1f} s", flush=True)

    from benchmarks.night_floor import full_floor, same_as_night
    from benchmarks.night_parallel import build
    from quota import engine
    from quota.night import CHUNK_SIZE, night_run
    from quota.reconcile import check_bills

    sizes = args.chunk_sizes or [args.chunk_size or CHUNK_SIZE]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if args.reuse:
            cursor.execute("SELECT id FROM workspaces_account WHERE name LIKE 'Bench %%' ORDER BY id")
            account_ids = [row[0] for row in cursor.fetchall()]
        else:
            if args.fast_build:  # the audit triggers of packages and workspaces are not the night's work
                cursor.execute("SET session_replication_role = replica")
            account_ids = build(cursor, accounts=args.accounts, day=DAY)
            cursor.execute("RESET session_replication_role")
        cursor.execute("SELECT count(*) FROM quota_usagerecord WHERE day = %s", [DAY])
        (rows,) = cursor.fetchone()
        if not args.reuse:
            cursor.execute("VACUUM ANALYZE")
    print(f"built {rows:,} usage rows for {args.accounts:,} accounts in {time.perf_counter() - started:.1f} s "
          f"({_load()})", flush=True)

    # 1. The allocation-only floor: PostgreSQL alone on the allocation statement over the same rows.
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        cursor.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + engine.ALLOCATION_SELECT,
                       {"day": DAY, "accounts": account_ids})
        plan = cursor.fetchone()[0]
        plan = plan[0] if isinstance(plan, list) else plan
        alloc = float(plan["Execution Time"]) / 1000
    print(f"allocation-only floor: {alloc:.2f} s (EXPLAIN ANALYZE, one statement over all accounts, JIT off; "
          f"{_load()})", flush=True)

    # 2. The honest full floor: the night's whole work, bare SQL, one transaction, rolled back.
    floor = None
    if not args.skip_floor:
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        floor = full_floor(connection, day=DAY, account_ids=account_ids)
        print(f"full floor (bare SQL for the benchmark, one transaction): {floor.seconds:.2f} s; "
              + ", ".join(f"{k} {v:.2f} s" for k, v in floor.phases.items()) + f" ({_load()})", flush=True)

    # 3. The night through the real service, once per chunk size, each on a fresh copy of the data.
    runs: dict[int, float] = {}
    for size in sizes:
        name = BENCH_DB if len(sizes) == 1 and not args.reuse else f"{BENCH_DB}_c{size}"
        connection.close()
        if name != BENCH_DB:
            _clone(url, name)
        connection.settings_dict["NAME"] = name
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        result = night_run(day=DAY, account_ids=account_ids, chunk_size=size)
        night = time.perf_counter() - started
        runs[size] = night
        print(f"night, chunks of {size}: {night:.2f} s for {rows:,} usage rows ({rows / night:,.0f} rows/s), "
              f"{result.bills:,} bills, {result.lines:,} lines, charged {result.charged:,}, "
              f"{result.settlements:,} settlements, {result.countdowns_started:,} countdowns; peak memory "
              f"{_peak_mb()} MB (maxrss); load {load_before:.1f} -> {os.getloadavg()[0]:.1f}", flush=True)
        print("  phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items()), flush=True)
        if floor is not None:
            same = same_as_night(floor, connection)
            print(f"  night / full floor = {night / floor.seconds:.2f}x; night / allocation-only floor = "
                  f"{night / alloc:.2f}x; the floor wrote what the night wrote: {all(same.values())}"
                  f"{'' if all(same.values()) else ' ' + str(same)}", flush=True)
        if size == sizes[-1] and not args.skip_rerun:
            started = time.perf_counter()
            rerun = night_run(day=DAY, account_ids=account_ids, chunk_size=size)
            print(f"  re-run: {time.perf_counter() - started:.2f} s, charged {rerun.charged}, credited "
                  f"{rerun.credited}, {rerun.settlements} settlements (expected 0)", flush=True)
            problems = check_bills()
            print(f"  check_bills: {'clean' if not problems else problems[:5]}", flush=True)
        if name != BENCH_DB:
            connection.close()
            connection.settings_dict["NAME"] = BENCH_DB
            _clone(url, name)  # drops the copy

    best = min(runs, key=runs.get)
    if len(runs) > 1:
        print("chunk size -> night seconds: " + ", ".join(f"{k}: {v:.2f}" for k, v in runs.items())
              + f"; best {best}", flush=True)
    night = runs[best]
    full = floor.seconds if floor else float("nan")
    print(f"night_seconds={night:.3f} rows={rows} peak_mb={_peak_mb()} full_floor_seconds={full:.3f} "
          f"alloc_floor_seconds={alloc:.3f} night_vs_full={night / full:.3f} night_vs_alloc={night / alloc:.3f} "
          f"chunk_size={best} load={os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
