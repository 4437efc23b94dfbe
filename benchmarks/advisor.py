"""The package advisor against one night, for one account: 50 Commercial workspaces x 8 billing items x 90 days
= 36,000 usage rows, a Startup package covering 30 of the workspaces with a log traffic add-on, storage
policies with conversion factors (a third of the workspaces keep logs 30 days, factor 2).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fc_x .venv/bin/python benchmarks/advisor.py [--runs 3]

It creates its own database (the DATABASE_URL's server, database `fee_bench_advisor` or $BENCH_DB, dropped and
re-created), migrates it, builds the data, then times (wall clock, JIT as configured on the server):
1. the advisor's 90-day replay of every candidate (advisor.replay.advise), `--runs` times;
2. one night (quota.night.night_run_chunk for yesterday, the real service: lines, bill, settlement), then
   its dry-run re-run.
Ends with one line: advisor_seconds=<best> advisor_median=<median> advisor_cpu=<best> night_seconds=<float>
candidates=<int> rows=<int> load=<float>. advisor_cpu is the CPU time of one advice (this process plus its
database backend, read from /proc when the server runs on this machine; -1 otherwise): on a loaded machine the
wall clock mostly measures the queue for the cores, the CPU time what a quiet machine would take."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import django
import psycopg2
from django.conf import settings
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = os.environ.get("BENCH_DB", "fee_bench_advisor")
WORKSPACES = 50
COVERED = 30
DAYS = 90

USAGE = """
SELECT setseed(0.42);
INSERT INTO quota_usagerecord (account_id, workspace_id, billing_item_id, day, quantity, updated_at)
SELECT w.account_id, w.id, bi.id, d::date,
       CASE bi.code
           WHEN 'datakit' THEN (random() * 3)::bigint
           WHEN 'log' THEN (random() * 4000000)::bigint
           WHEN 'apm' THEN (random() * 400000)::bigint
           WHEN 'rum' THEN (random() * 30000)::bigint
           WHEN 'task' THEN (random() * 20000)::bigint
           WHEN 'api' THEN (random() * 20000)::bigint
           WHEN 'backup_log' THEN (random() * 5000000)::bigint
           ELSE (random() * 50)::bigint
       END,
       now()
FROM workspaces_workspace w
CROSS JOIN plans_billingitem bi
CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
WHERE w.account_id = %(account)s;
ANALYZE;
"""


def _recreate_database(url: str) -> None:
    parsed = urlparse(url)
    admin = psycopg2.connect(dbname="postgres", user=parsed.username, password=parsed.password,
                             host=parsed.hostname, port=parsed.port or 5432)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {BENCH_DB}")
    admin.close()


def _backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of the database backend `pid`, or -inf when it is not on this machine."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("-inf")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    source = os.environ.get("DATABASE_URL")
    if not source:
        sys.exit("Set DATABASE_URL (the server to create the benchmark database on).")
    url = urlunparse(urlparse(source)._replace(path=f"/{BENCH_DB}"))
    _recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing_center.settings")

    django.setup()

    from quota.signals import night_settled

    night_settled.receivers.clear()  # what the night queues afterwards is not measured
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.1f} s", flush=True)

    from advisor.replay import advise
    from core.days import account_today
    from quota.night import night_run_chunk
    from quota.tests import factories as f
    from tests.factories import AccountFactory, WorkspaceFactory

    account = AccountFactory(name="Bench advisor")
    workspaces = [WorkspaceFactory(account=account, name=f"ws-{i}") for i in range(1, WORKSPACES + 1)]
    for ws in workspaces[::3]:
        f.policy(ws, "log", 30)
    today = account_today(account)
    first, last = today - timedelta(days=DAYS), today - timedelta(days=1)
    pkg = f.package(account, workspaces[:COVERED], plan_code="startup", starts_on=first, sold_on=first)
    f.add_traffic(pkg, "log", 20_000_000, valid_from=first)
    f.fund_cash(account, "1000000.00")
    with connection.cursor() as cursor:
        cursor.execute(USAGE, {"first": first, "last": last, "account": account.pk})
        cursor.execute("SELECT count(*) FROM quota_usagerecord WHERE account_id = %s", [account.pk])
        (rows,) = cursor.fetchone()
    print(f"built {rows:,} usage rows ({WORKSPACES} workspaces, {DAYS} days)", flush=True)

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    timings, cpus = [], []
    candidates = 0
    for run in range(args.runs):
        started, cpu, backend_cpu = time.perf_counter(), time.process_time(), _backend_cpu(backend)
        advice = advise(account=account, days=DAYS, workspaces=workspaces)
        timings.append(time.perf_counter() - started)
        cpus.append(max(-1.0, time.process_time() - cpu + _backend_cpu(backend) - backend_cpu))
        candidates = len(advice.candidates)
        print(f"advisor run {run + 1}: {timings[-1]:.3f} s (cpu {cpus[-1]:.2f} s), {candidates} candidates, "
              f"best {advice.candidates[0].key}, load {os.getloadavg()[0]:.1f}", flush=True)

    started = time.perf_counter()
    night = night_run_chunk(day=last, account_ids=[account.pk])
    night_seconds = time.perf_counter() - started
    started = time.perf_counter()
    night_run_chunk(day=last, account_ids=[account.pk], dry_run=True)
    dry_seconds = time.perf_counter() - started
    print(f"one night: {night_seconds:.3f} s ({night.lines} lines), its dry run {dry_seconds:.3f} s", flush=True)
    print(f"advisor_seconds={min(timings):.3f} advisor_median={statistics.median(timings):.3f} "
          f"advisor_cpu={min(cpus):.2f} night_seconds={night_seconds:.3f} candidates={candidates} rows={rows} "
          f"load={os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
