"""Load benchmark: concurrent checkouts and usage ingestion against the app served by gunicorn on loopback.

    make bench-load                      # or: .venv/bin/python benchmarks/load.py [--duration 20 --concurrency 16]

What it does (and undoes), by itself:
1. (re)creates its own database `fee_load` (or `$LOAD_DB`; never the demo's or the tests'), migrates it, seeds: one
   account per virtual user with an owner, a DRF token, a funded wallet and enough Commercial workspaces that
   every checkout covers a fresh one; a service token for the metering pipeline;
2. starts gunicorn on 127.0.0.1 with a free port (only loopback addresses are ever used);
3. measures, one phase after the other with the same concurrency (asyncio + httpx):
   - health:    GET /health/ (the trivial endpoint: one SELECT 1), the baseline of this machine and run;
   - checkout:  a Startup package for one workspace, paid in cash, in one call (POST .../orders/ with tenders:
                created and paid in one transaction, with an Idempotency-Key);
   - checkout-2: the same checkout in two calls: POST .../orders/ then POST .../orders/{id}/pay/;
   - ingestion: POST /api/v1/usage/ with batches of usage records (upserts), rows/s;
   - COPY:      raw PostgreSQL COPY of the same usage rows into a scratch table, rows/s;
4. prints throughput, p50/p95/p99 latency and errors of each beside the health figures (ratios, which are
   stable across machines where absolute figures are not), then stops gunicorn and exits.

Figures are recorded in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import django
import httpx
import psycopg2
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DB_NAME = os.environ.get("LOAD_DB", "fee_load")  # its own database, dropped and re-created
PG = os.environ.get("LOAD_PG", "postgres://postgres@127.0.0.1:5432")
ITEMS = ["datakit", "log", "apm", "rum", "task", "api", "backup_log", "sms"]


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    units: int = 0  # requests, checkouts or rows
    seconds: float = 0.0
    error_samples: list[str] = field(default_factory=list)

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        k = max(0, min(len(data) - 1, round(p / 100 * (len(data) - 1))))
        return data[k] * 1000

    @property
    def rate(self) -> float:
        return self.units / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recreate_database() -> None:
    conn = psycopg2.connect(f"{PG}/postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{DB_NAME}"')
    conn.close()


def setup_django() -> None:
    os.environ["DATABASE_URL"] = f"{PG}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing_center.settings")

    django.setup()


def seed(users: int, workspaces_per_user: int) -> dict:
    """Accounts, owners, tokens, funded wallets, Commercial workspaces, a service token."""

    from payments.models import LedgerReason, Wallet
    from payments.tenders import cash_credit
    from quota.ingest import service_token_create
    from workspaces.credentials import api_token_create
    from workspaces.models import Account, Membership, Role, Workspace, WorkspacePlan

    call_command("migrate", verbosity=0, interactive=False)
    now = timezone.now()
    tenants = []
    with transaction.atomic():
        user_model = get_user_model()
        for n in range(users):
            account = Account.objects.create(name=f"Load tenant {n}")
            Account.objects.filter(pk=account.pk).update(created_at=now - timedelta(days=120))
            Wallet.objects.get_or_create(account=account)
            user = user_model.objects.create_user(username=f"load-{n}", password=uuid.uuid4().hex)
            Membership.objects.create(account=account, user=user, role=Role.OWNER)
            token = api_token_create(user=user, name="load")
            Workspace.objects.bulk_create([
                Workspace(account=account, name=f"ws-{n}-{i}", plan=WorkspacePlan.COMMERCIAL,
                          commercial_since=now - timedelta(days=120))
                for i in range(workspaces_per_user)
            ])
            cash_credit(account=account, amount=workspaces_per_user * 42_000 + 1000, reason=LedgerReason.RECHARGE,
                        source_type="load", source_id=None, actor=None, memo="load benchmark funding")
            ids = list(Workspace.objects.filter(account=account).order_by("pk").values_list("pk", flat=True))
            tenants.append({"account": account.pk, "token": token.key, "workspaces": ids})
        _, service_key = service_token_create(name=f"load-{uuid.uuid4().hex[:8]}")

    return {"tenants": tenants, "service_key": service_key}


def start_gunicorn(port: int, workers: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": f"{PG}/{DB_NAME}", "DEBUG": "false", "LOG_LEVEL": "ERROR",
           "CELERY_TASK_ALWAYS_EAGER": "false", "AXES_ENABLED": "false"}
    log.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "billing_center.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--worker-class", "sync", "--timeout", "60", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited: see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /health/ within 60 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def run_phase(name: str, concurrency: int, duration: float, step, max_units: int | None = None) -> Phase:
    """`concurrency` workers call `step(client, worker_index, i)` until the time or unit budget is spent.
    step returns (ok, units, error text)."""

    phase = Phase(name)
    stop_at = time.monotonic() + duration
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        async def worker(index: int) -> None:
            i = 0
            while time.monotonic() < stop_at and (max_units is None or phase.units < max_units):
                started = time.perf_counter()
                try:
                    ok, units, error = await step(client, index, i)
                except (httpx.HTTPError, StopIteration) as exc:
                    ok, units, error = False, 0, repr(exc)
                if isinstance(error, str) and error == "exhausted":
                    return
                elapsed = time.perf_counter() - started
                if ok:
                    phase.latencies.append(elapsed)
                    phase.units += units
                else:
                    phase.errors += 1
                    if len(phase.error_samples) < 3:
                        phase.error_samples.append(str(error)[:300])
                i += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(concurrency)))
        phase.seconds = time.perf_counter() - began
    return phase


def usage_batches(tenants: list[dict], batch_size: int, days: int) -> list[list[dict]]:
    """Unique (workspace, item, day) rows, in batches; yesterday backwards, never older than the usage window
    (an older day is refused, which the phase counts as an error; one day of margin for time zones ahead of
    this machine's)."""
    from quota.night import USAGE_WINDOW_DAYS

    today = date.today()
    rows = []
    for back in range(1, 1 + min(days, USAGE_WINDOW_DAYS - 1)):
        day = (today - timedelta(days=back)).isoformat()
        for tenant in tenants:
            for ws in tenant["workspaces"]:
                for n, item in enumerate(ITEMS):
                    rows.append({"workspace_id": ws, "item": item, "day": day, "quantity": 1_000 * (n + 1) + back})
    return [rows[i : i + batch_size] for i in range(0, len(rows), batch_size)]


def copy_rows(rows: list[dict]) -> Phase:
    """The same rows with raw COPY into a scratch copy of the usage table (the floor for ingestion)."""

    from plans.models import BillingItem
    from workspaces.models import Workspace

    item_ids = dict(BillingItem.objects.values_list("code", "pk"))
    account_of = dict(Workspace.objects.values_list("pk", "account_id"))
    buffer = io.StringIO()
    for r in rows:
        buffer.write(f"{account_of[r['workspace_id']]}\t{r['workspace_id']}\t{item_ids[r['item']]}\t{r['day']}\t"
                     f"{r['quantity']}\tnow\n")
    phase = Phase("copy")
    conn = psycopg2.connect(f"{PG}/{DB_NAME}")
    try:
        with conn.cursor() as cursor:
            cursor.execute("CREATE UNLOGGED TABLE IF NOT EXISTS load_usage_copy (LIKE quota_usagerecord "
                           "INCLUDING ALL)")
            cursor.execute("TRUNCATE load_usage_copy")
            conn.commit()
            buffer.seek(0)
            started = time.perf_counter()
            cursor.copy_expert("COPY load_usage_copy (account_id, workspace_id, billing_item_id, day, quantity, "
                               "updated_at) FROM STDIN", buffer)
            conn.commit()
            phase.seconds = time.perf_counter() - started
            phase.units = len(rows)
            phase.latencies = [phase.seconds]
    finally:
        conn.close()
    return phase


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines()
                      if x.startswith("MemTotal"))
        memory = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        memory = "?"

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return f"{os.cpu_count()} CPUs ({cpu}), {memory} RAM, PostgreSQL {pg}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per phase (default 15)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--workers", type=int, default=max(2, (os.cpu_count() or 1) * 2),
                        help="gunicorn workers (default 2 x CPUs)")
    parser.add_argument("--batch", type=int, default=500, help="usage records per ingestion request")
    parser.add_argument("--max-checkouts", type=int, default=2000)
    parser.add_argument("--max-rows", type=int, default=200_000)
    args = parser.parse_args()

    print(f"Preparing database {DB_NAME} ...", flush=True)
    recreate_database()
    setup_django()
    per_user = max(10, args.max_checkouts // args.concurrency + 1)
    world = seed(args.concurrency, per_user)
    tenants, service_key = world["tenants"], world["service_key"]
    batches = usage_batches(tenants, args.batch, days=max(1, args.max_rows // (len(tenants) * per_user * 8) + 1))
    from plans.models import Plan
    from plans.selectors import catalogue_today, figures_on

    startup = figures_on(catalogue_today()).plan(Plan.objects.get(code="startup").pk)
    price = f"{startup.price:.2f}"  # the one-call checkout names its exact total
    port = free_port()
    log = ROOT / "artifacts" / "load" / "gunicorn.log"
    print(f"Starting gunicorn on 127.0.0.1:{port} with {args.workers} workers ...", flush=True)
    server = start_gunicorn(port, args.workers, log)
    base = f"http://127.0.0.1:{port}"
    try:
        async def health(client, index, i):
            r = await client.get(f"{base}/health/")
            return r.status_code == 200, 1, r.status_code

        cursor = {n: 0 for n in range(args.concurrency)}

        def next_workspace(index):
            """The client's tenant and its next workspace not yet covered (None when all are)."""
            tenant = tenants[index]
            if cursor[index] >= len(tenant["workspaces"]):
                return tenant, None
            cursor[index] += 1
            return tenant, tenant["workspaces"][cursor[index] - 1]

        async def checkout(client, index, i):
            tenant, ws = next_workspace(index)
            if ws is None:
                return False, 0, "exhausted"
            headers = {"Authorization": f"Token {tenant['token']}"}
            r = await client.post(f"{base}/api/v1/accounts/{tenant['account']}/orders/", headers=headers,
                                  json={"kind": "purchase", "plan": "startup", "workspaces": [ws]})
            if r.status_code != 201:
                return False, 0, f"create {r.status_code} {r.text}"
            order = r.json()
            r = await client.post(
                f"{base}/api/v1/accounts/{tenant['account']}/orders/{order['id']}/pay/",
                headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
                json={"tenders": [{"kind": "cash", "amount": order["total"]}]},
            )
            return r.status_code in (200, 201), 1, f"pay {r.status_code} {r.text}"

        async def checkout_one_call(client, index, i):
            tenant, ws = next_workspace(index)
            if ws is None:
                return False, 0, "exhausted"
            r = await client.post(
                f"{base}/api/v1/accounts/{tenant['account']}/orders/",
                headers={"Authorization": f"Token {tenant['token']}", "Idempotency-Key": uuid.uuid4().hex},
                json={"kind": "purchase", "plan": "startup", "workspaces": [ws],
                      "tenders": [{"kind": "cash", "amount": price}]},
            )
            ok = r.status_code == 201 and r.json()["status"] == "paid"
            return ok, 1, f"checkout {r.status_code} {r.text}"

        queue = list(range(len(batches)))
        # The bodies are encoded before the phase: the load generator shares the machine's cores with the
        # server, and encoding 500 records per request is the client's work, not the server's.
        bodies = [json.dumps({"records": batch}).encode() for batch in batches]

        async def ingest(client, index, i):
            if not queue:
                return False, 0, "exhausted"
            n = queue.pop(0)
            batch = batches[n]
            r = await client.post(f"{base}/api/v1/usage/", content=bodies[n],
                                  headers={"Authorization": f"Service {service_key}",
                                           "Content-Type": "application/json"})
            ok = r.status_code == 200 and not r.json()["refused"]  # a refused record counts as an error
            return ok, len(batch), f"usage {r.status_code} {r.text}"

        print("Phase: health ...", flush=True)
        h = asyncio.run(run_phase("health", args.concurrency, args.duration, health))
        print("Phase: checkout in one call (POST .../orders/ with tenders) ...", flush=True)
        c = asyncio.run(run_phase("checkout", args.concurrency, args.duration, checkout_one_call,
                                  args.max_checkouts))
        print("Phase: checkout in two calls (create order, then pay it) ...", flush=True)
        c2 = asyncio.run(run_phase("checkout-2", args.concurrency, args.duration, checkout, args.max_checkouts))
        print("Phase: usage ingestion ...", flush=True)
        u = asyncio.run(run_phase("ingestion", args.concurrency, args.duration, ingest, args.max_rows))
        sent = [row for n in range(len(batches)) if n not in set(queue) for row in batches[n]][: u.units]
        print("Phase: raw COPY of the same rows ...", flush=True)
        cp = copy_rows(sent or batches[0])
        h2 = asyncio.run(run_phase("health-after", args.concurrency, min(args.duration, 5.0), health))
    finally:
        stop(server)

    print()
    print(f"Machine: {machine()}")
    print(f"gunicorn: {args.workers} sync workers on loopback; {args.concurrency} concurrent clients; "
          f"{args.duration:.0f} s per phase")
    print()
    print(f"{'phase':<12}{'units/s':>12}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'errors':>8}  vs health")
    for p in (h, c, c2, u, h2):
        unit = {"checkout": "checkouts", "checkout-2": "checkouts", "ingestion": "rows"}.get(p.name, "req")
        # operations per second (a checkout is one operation of two requests; an ingestion one request)
        requests_per_s = len(p.latencies) / p.seconds if p.seconds else 0.0
        ratio = (f"{requests_per_s / h.rate:.3f} x health rate, {p.pct(50) / h.pct(50):.1f} x p50"
                 if p.name != "health" else "baseline")
        print(f"{p.name:<12}{p.rate:>12.1f}{p.pct(50):>10.1f}{p.pct(95):>10.1f}{p.pct(99):>10.1f}{p.errors:>8}  "
              f"{ratio}  ({p.units} {unit} in {p.seconds:.1f} s)")
        for sample in p.error_samples:
            print(f"    error: {sample}")
    if u.seconds:
        requests = len(u.latencies)
        print(f"ingestion: {requests} requests of {args.batch} rows = {u.rate:,.0f} rows/s; "
              f"raw COPY of the same {cp.units:,} rows: {cp.rate:,.0f} rows/s; "
              f"ingestion is {u.rate / cp.rate * 100:.1f}% of COPY" if cp.rate else "")
    print(f"(checkout: one request that creates and pays; checkout-2: a create and a pay, 2 requests; health "
          f"measured at the same concurrency: {h.rate:,.0f} req/s)")
    if h.rate:
        print(f"checkout_vs_health={c.rate / h.rate:.4f} checkout2_vs_health={c2.rate / h.rate:.4f}"
              + (f" ingestion_vs_copy={u.rate / cp.rate:.4f}" if cp.rate else ""))


if __name__ == "__main__":
    main()
