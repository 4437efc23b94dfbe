"""The night on one and on two Celery worker processes (issue 15 "Parallel chunks"), on the data set of
benchmarks/night.py (N accounts x 10 workspaces x 5 items), both runs starting from identical data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fee_center REDIS_URL=redis://127.0.0.1:6379/11 \\
        .venv/bin/python benchmarks/night_parallel.py [--accounts 10000] [--chunk-size 500] [--workers 1 2]

It builds the data once in its own database (`fee_bench_par`, re-created), then for each worker count copies
that database (CREATE DATABASE ... TEMPLATE: every run starts from the same rows), starts that many
`celery -A billing_center worker -Q night --concurrency 1` processes on the copy, queues the night's chunks
(quota.run_night_chunk, exactly what the hourly beat queues), and times from the first chunk queued to the last
chunk finished. The outcome of every run (bills, lines, settlements, payments and their tenders, the ledger,
wallets, cards, vouchers, night marks) is reduced to one digest per table; every run must give the same.
Ends with one line: `parallel workers=<n> seconds=<float> ...` per run.

`build`, `outcome` and `start_workers` are also used by quota/tests/test_parallel_night.py.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import django
import psycopg2
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import night_data as night_bench  # noqa: E402  (the data set of the night benchmark)

BENCH_DB = os.environ.get("BENCH_PARALLEL_DB", "fee_bench_par")
DAY = night_bench.DAY

# What a night produced, without ids that depend on the order of inserts (bills, payments, ledger rows get
# their ids in whichever order the chunks commit): one md5 per table over its rows in a stable order.
OUTCOME = {
    "bills": """SELECT b.account_id, b.day, b.total, b.voucher_payable_total, b.charged, b.voucher_payable_charged,
                       b.runs FROM quota_bill b ORDER BY 1, 2""",
    "lines": """SELECT b.account_id, l.workspace_id, l.billing_item_id, l.storage_policy_id, l.package_id, l.usage,
                       l.factor, l.converted, l.covered_by_package, l.covered_by_traffic, l.overage, l.unit_price,
                       l.amount FROM quota_billline l JOIN quota_bill b ON b.id = l.bill_id ORDER BY 1, 2, 3""",
    "settlements": """SELECT b.account_id, b.day, s.sequence, s.amount, p.amount FROM quota_billsettlement s
                      JOIN quota_bill b ON b.id = s.bill_id LEFT JOIN payments_payment p ON p.id = s.payment_id
                      ORDER BY 1, 2, 3""",
    "tenders": """SELECT p.account_id, p.source_type, b.day, t.kind, t.card_id, t.voucher_id, t.amount
                  FROM payments_paymenttender t JOIN payments_payment p ON p.id = t.payment_id
                  LEFT JOIN quota_bill b ON p.source_type = 'bill' AND b.id = p.source_id
                  ORDER BY 1, 2, 3, 4, 5, 6, 7""",
    "ledger": """SELECT account_id, balance_kind, card_id, voucher_id, amount, balance_after, reason, source_type
                 FROM payments_ledgerentry ORDER BY 1, 2, 3, 4, 5, 6, 7, 8""",
    "wallets": """SELECT account_id, cash_balance, arrears, arrears_since IS NOT NULL FROM payments_wallet
                  ORDER BY 1""",
    "cards": "SELECT id, account_id, balance, status FROM payments_prepaidcard ORDER BY 1",
    "vouchers": "SELECT id, account_id, balance, status FROM payments_voucher ORDER BY 1",
    "marks": "SELECT account_id, last_day FROM quota_nightmark ORDER BY 1",
    "workspaces": "SELECT id, status FROM workspaces_workspace ORDER BY 1",
}


def outcome(cursor) -> dict[str, tuple[int, str]]:
    """(row count, md5 of the rows) per table of what a night writes; equal dicts mean equal nights."""
    digests = {}
    for name, sql in OUTCOME.items():
        cursor.execute(f"SELECT count(*), md5(coalesce(string_agg(t::text, '|'), '')) FROM ({sql}) t")
        count, digest = cursor.fetchone()
        digests[name] = (count, digest)
    return digests


def build(cursor, *, accounts: int, day=DAY) -> list[int]:
    """The night benchmark's data set for `accounts` new accounts (set-based SQL); returns their ids. Needs the
    migrated catalogue. Creates the order that packages and traffic reference, and the usage partition of
    the day's month."""

    from orders.models import Order, OrderKind, OrderStatus
    from plans.models import Plan
    from quota import partitions
    from workspaces.models import Account

    partitions.usage_partitions_ensure(months=[day])
    user = get_user_model().objects.create(username=f"bench-{time.monotonic_ns()}")
    holder = Account.objects.create(name="Order holder (benchmark)")
    order = Order.objects.create(
        account=holder, number=f"BENCH-{time.monotonic_ns()}", kind=OrderKind.PURCHASE,
        status=OrderStatus.CANCELLED, plan=Plan.objects.order_by("rank").first(), total=1, created_by=user,
        expires_at=timezone.now(), catalogue_day=day,
    )
    # Deferred foreign-key checks fire per statement (BUILD alters a table between its inserts).
    params = {"accounts": accounts, "workspaces": night_bench.WORKSPACES, "day": day, "order": order.pk}
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; " + night_bench.BUILD, params)
    return list(Account.objects.filter(name__startswith="Bench ").order_by("pk").values_list("pk", flat=True))


class Workers:
    """`celery -A billing_center worker -Q night --concurrency 1 -n wN@%h` processes on one database."""

    def __init__(self, count: int, *, database_url: str, broker_url: str, log_dir: Path, tag: str = "w"):
        self.count, self.database_url, self.broker_url, self.log_dir, self.tag = (
            count, database_url, broker_url, log_dir, tag)
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def start(self) -> list[str]:
        env = {**os.environ, "DATABASE_URL": self.database_url, "REDIS_URL": self.broker_url,
               "CELERY_BROKER_URL": self.broker_url, "CELERY_RESULT_BACKEND": self.broker_url,
               "CELERY_TASK_ALWAYS_EAGER": "false", "DJANGO_SETTINGS_MODULE": "billing_center.settings",
               "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
        self.log_dir.mkdir(parents=True, exist_ok=True)
        names = []
        for n in range(1, self.count + 1):
            name = f"{self.tag}{n}-{os.getpid()}"
            log = self.log_dir / f"{name}.log"
            log.write_bytes(b"")
            self.logs.append(log)
            names.append(f"{name}@{os.uname().nodename}")
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "billing_center", "worker", "-Q", "night",
                 "--concurrency", "1", "--prefetch-multiplier", "1", "--loglevel", "INFO", "--without-gossip",
                 "--without-mingle", "--without-heartbeat", "-n", f"{name}@%h"],
                cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
            ))
        return names

    def wait_ready(self, app, names: list[str], timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answered = {k for reply in app.control.ping(destination=names, timeout=1.0) for k in reply}
            if set(names) <= answered:
                return
            for process, log in zip(self.processes, self.logs, strict=True):
                if process.poll() is not None:
                    raise RuntimeError(f"worker exited: {log.read_text(errors='replace')[-2000:]}")
        raise RuntimeError(f"workers not ready after {timeout}s")

    def chunks_done(self) -> list[int]:
        """Chunks each worker finished (from its log)."""
        return [
            sum(1 for line in log.read_text(errors="replace").splitlines()
                if "quota.run_night_chunk[" in line and " succeeded in " in line)
            for log in self.logs
        ]

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _url(url: str, db: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{db}"))


def _admin(url: str):
    parsed = urlparse(url)
    admin = psycopg2.connect(dbname="postgres", user=parsed.username, password=parsed.password,
                             host=parsed.hostname, port=parsed.port or 5432)
    admin.autocommit = True
    return admin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    source = os.environ.get("DATABASE_URL")
    if not source:
        sys.exit("Set DATABASE_URL (the server to create the benchmark databases on).")
    broker = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    template = _url(source, BENCH_DB)
    admin = _admin(source)
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {BENCH_DB}")
    os.environ.update(DATABASE_URL=template, REDIS_URL=broker, CELERY_BROKER_URL=broker,
                      CELERY_RESULT_BACKEND=broker, CELERY_TASK_ALWAYS_EAGER="false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing_center.settings")

    django.setup()

    from billing_center.celery import app

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        ids = build(cursor, accounts=args.accounts)
        cursor.execute("SELECT count(*) FROM quota_usagerecord WHERE day = %s", [DAY])
        (rows,) = cursor.fetchone()
    print(f"built {rows:,} usage rows for {len(ids):,} accounts in {time.perf_counter() - started:.1f} s")
    connections.close_all()
    chunks = [ids[i : i + args.chunk_size] for i in range(0, len(ids), args.chunk_size)]
    from quota.tasks import run_night_chunk

    results = []
    for count in args.workers:
        copy = f"{BENCH_DB}_{count}w"
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {copy} TEMPLATE {BENCH_DB}")
        app.control.purge()
        workers = Workers(count, database_url=_url(source, copy), broker_url=broker,
                          log_dir=ROOT / "artifacts" / "bench-parallel", tag=f"bench{count}w")
        names = workers.start()
        try:
            workers.wait_ready(app, names)
            started = time.perf_counter()
            pending = [run_night_chunk.apply_async((DAY.isoformat(), chunk)) for chunk in chunks]
            for result in pending:
                result.get(timeout=3600)
            seconds = time.perf_counter() - started
        finally:
            workers.stop()
        per_worker = workers.chunks_done()  # after stop: the logs are complete

        with psycopg2.connect(_url(source, copy)) as conn, conn.cursor() as cursor:
            digest = outcome(cursor)
        results.append((count, seconds, digest))
        print(f"parallel workers={count} seconds={seconds:.2f} rows={rows} rows_per_s={rows / seconds:,.0f} "
              f"chunks={len(chunks)} chunks_per_worker={per_worker} bills={digest['bills'][0]}")
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)")
    app.control.purge()  # what the nights queued on "default" (alerts, monthly bills) is not consumed here
    base = results[0]
    for count, seconds, digest in results[1:]:
        same = digest == base[2]
        print(f"{count} workers vs {base[0]}: speed-up {base[1] / seconds:.2f}x, outcome identical: {same}")
        if not same:
            sys.exit(f"outcomes differ: {[k for k in digest if digest[k] != base[2][k]]}")


if __name__ == "__main__":
    main()
