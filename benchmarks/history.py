"""A year of history at vendor scale: accounts x 10 workspaces x 8 billing items x 365 days of usage and bill
lines (1,000 accounts: ~29 million lines), with the night benchmark's packages and wallets, one bill per account
and day, one ledger entry per bill's settlement (and the audit rows its triggers write). Then it measures, for
the largest account, each page served by gunicorn with the web container's own settings
(billing_center/gunicorn_conf.py, one sync worker on a loopback port, DEBUG off; `--in-process` times Django's
test client instead), the queries counted in-process:

- every Fee Center page (p50 and p95 over --repeat requests after one untimed warm-up request, and the number
  of queries; with fewer than 20 requests the "p95" is the slowest one);
- every admin changelist (plain, with its search, with its date hierarchy) and one change page per model;
- the daily bills' CSV export of a month and of a year (streamed; rows, seconds, peak RSS growth);
- the monthly close of every account (statements.monthly_bills.monthly_bills_close: set-based, in chunks of
  accounts), a first close (the month's bills deleted before) and a re-close, against a bare-SQL floor of the
  same aggregation of the month's lines over every account, measured in the same run (two rounds: each
  figure is the better of its two measures, for the close and for the floor alike).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fc_x .venv/bin/python benchmarks/history.py \
        [--scale 1000] [--days 365] [--repeat 7] [--reuse] [--skip-admin] [--only REGEX] [--in-process]

It creates its own database (the DATABASE_URL's server, database `fee_history` or $HISTORY_DB, dropped and
re-created; nothing else is touched) and builds the data with set-based SQL (generate_series), month by month.
Ends with one line: build_seconds=... lines=... worst_page_p95_ms=... worst_admin_p95_ms=...
close_seconds=... reclose_seconds=... close_floor_seconds=... close_vs_floor=... reclose_vs_floor=..."""

from __future__ import annotations

import argparse
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import httpx
import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HISTORY_DB = os.environ.get("HISTORY_DB", "fee_history")
LAST_DAY = date(2026, 11, 30)

# One month of history for the given accounts: usage of every item, a bill per account and day, its lines
# (priced simply: the whole usage is overage at 1.50 per pricing unit), totals, and one ledger entry per bill.
MONTH = """
SET CONSTRAINTS ALL IMMEDIATE;
INSERT INTO quota_usagerecord (account_id, workspace_id, billing_item_id, day, quantity, updated_at)
SELECT w.account_id, w.id, bi.id, d::date, (random() * bi.pricing_unit * 3)::bigint, d
FROM workspaces_workspace w CROSS JOIN plans_billingitem bi
CROSS JOIN generate_series(%(start)s::date, %(end)s::date, interval '1 day') d
WHERE w.account_id BETWEEN %(first)s AND %(last)s
ON CONFLICT DO NOTHING;
INSERT INTO quota_bill (account_id, day, total, voucher_payable_total, charged, voucher_payable_charged, runs,
                        created_at, updated_at)
SELECT a.id, d::date, 0, 0, 0, 0, 1, d + interval '1 day', d + interval '1 day'
FROM workspaces_account a CROSS JOIN generate_series(%(start)s::date, %(end)s::date, interval '1 day') d
WHERE a.id BETWEEN %(first)s AND %(last)s
ON CONFLICT DO NOTHING;
INSERT INTO quota_billline (bill_id, day, workspace_id, billing_item_id, storage_policy_id, package_id, usage,
                            factor, converted, covered_by_package, covered_by_traffic, overage, unit_price, amount)
SELECT b.id, u.day, u.workspace_id, u.billing_item_id, sp.id, NULL, u.quantity, 1, u.quantity, 0, 0, u.quantity,
       1.5, round(u.quantity::numeric * 1.5 / bi.pricing_unit, 2)
FROM quota_usagerecord u
JOIN quota_bill b ON b.account_id = u.account_id AND b.day = u.day
JOIN plans_billingitem bi ON bi.id = u.billing_item_id
JOIN (SELECT billing_item_id, min(id) AS id FROM plans_storagepolicy GROUP BY 1) sp
     ON sp.billing_item_id = u.billing_item_id
WHERE u.day BETWEEN %(start)s AND %(end)s AND b.day BETWEEN %(start)s AND %(end)s
  AND u.account_id BETWEEN %(first)s AND %(last)s;
UPDATE quota_bill b SET total = s.total, charged = s.total, voucher_payable_total = s.vpt,
                        voucher_payable_charged = 0
FROM (SELECT l.bill_id, sum(l.amount) AS total, coalesce(sum(l.amount) FILTER (WHERE bi.voucher_payable), 0) AS vpt
      FROM quota_billline l JOIN plans_billingitem bi ON bi.id = l.billing_item_id
      WHERE l.day BETWEEN %(start)s AND %(end)s GROUP BY 1) s
WHERE b.id = s.bill_id AND b.day BETWEEN %(start)s AND %(end)s;
"""

# The ledger with every trigger on: its audit rows are written as in production.
LEDGER = """
SET CONSTRAINTS ALL IMMEDIATE;
INSERT INTO payments_ledgerentry (account_id, balance_kind, amount, balance_after, reason, source_type, source_id,
                                  memo, created_at)
SELECT b.account_id, 'cash', -b.total, 0, 'bill_settlement', 'bill', b.id, '', b.day + interval '1 day 2 hours'
FROM quota_bill b WHERE b.day BETWEEN %(start)s AND %(end)s AND b.total > 0
  AND b.account_id BETWEEN %(first)s AND %(last)s;
"""

# The floor of the monthly close: the same aggregation the close makes per account (lines per workspace and
# item over the month's daily bills), as one bare statement over every account.
CLOSE_FLOOR = """
SELECT b.account_id, l.workspace_id, l.billing_item_id, sum(l.usage), sum(l.covered_by_package)
       + sum(l.covered_by_traffic), sum(l.overage), sum(l.amount)
FROM quota_billline l JOIN quota_bill b ON b.id = l.bill_id AND b.day = l.day
WHERE l.day BETWEEN %(start)s AND %(end)s AND b.day BETWEEN %(start)s AND %(end)s
GROUP BY 1, 2, 3
"""

# Before a first close: the month's monthly bills of the benchmark's accounts (open: an earlier run's) removed.
CLOSE_RESET = """
DELETE FROM statements_monthlybillline l USING statements_monthlybill b
WHERE l.monthly_bill_id = b.id AND b.month = %(month)s AND b.account_id = ANY(%(accounts)s);
DELETE FROM statements_monthlybillsettlement s USING statements_monthlybill b
WHERE s.monthly_bill_id = b.id AND b.month = %(month)s AND b.account_id = ANY(%(accounts)s);
DELETE FROM statements_monthlybill WHERE month = %(month)s AND account_id = ANY(%(accounts)s);
"""


def _url(url: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{HISTORY_DB}"))


def _recreate_database(url: str) -> None:
    parsed = urlparse(url)
    admin = psycopg2.connect(dbname="postgres", user=parsed.username, password=parsed.password,
                             host=parsed.hostname, port=parsed.port or 5432)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {HISTORY_DB} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {HISTORY_DB}")
    admin.close()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _months(first: date, last: date) -> list[tuple[date, date]]:
    months, start = [], first
    while start <= last:
        nxt = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        months.append((start, min(last, nxt - timedelta(days=1))))
        start = nxt
    return months


def build(cursor, *, accounts: int, days: int, fast: bool = True) -> tuple[list[int], float]:
    from benchmarks.night_parallel import build as night_build
    from quota import partitions

    started = time.perf_counter()
    first_day = LAST_DAY - timedelta(days=days - 1)
    month_starts = [m for m, _ in _months(first_day.replace(day=1), LAST_DAY)]
    partitions.usage_partitions_ensure(months=month_starts)
    partitions.bill_line_partitions_ensure(months=month_starts)
    account_ids = night_build(cursor, accounts=accounts, day=date(2026, 6, 15))
    first, last = account_ids[0], account_ids[-1]
    print(f"base data: {len(account_ids)} accounts in {time.perf_counter() - started:.1f} s", flush=True)
    for start, end in _months(first_day, LAST_DAY):
        t0 = time.perf_counter()
        params = {"start": start, "end": end, "first": first, "last": last}
        if fast:  # no per-row foreign-key and audit triggers on usage, bills and lines (valid by construction)
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(MONTH, params)
        cursor.execute("RESET session_replication_role")
        cursor.execute(LEDGER, params)
        cursor.execute("SELECT count(*) FROM quota_billline WHERE day BETWEEN %s AND %s", [start, end])
        print(f"  {start:%Y-%m}: {cursor.fetchone()[0]:,} lines in {time.perf_counter() - t0:.1f} s", flush=True)
    cursor.execute("VACUUM ANALYZE")
    return account_ids, time.perf_counter() - started


class Served:
    """The pages served as in production: gunicorn with the web container's own settings
    (billing_center/gunicorn_conf.py: the application preloaded and frozen for the collector before the fork),
    one sync worker on a loopback port, DEBUG off. A request's time is measured by the client around the whole
    HTTP exchange on loopback (server time and a loopback round trip)."""

    def __init__(self, database_url: str, log: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "billing_center.settings",
               "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1",
               "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "billing_center.wsgi", "--config",
             "python:billing_center.gunicorn_conf", "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
             "--timeout", "600"], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=600)
        for _ in range(600):
            try:
                self.http.get("/health/")
                return
            except httpx.TransportError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        sys.exit(f"gunicorn did not start: see {log}")

    def close(self) -> None:
        self.http.close()
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def _timed(client, url: str, repeat: int, served: Served | None = None) -> dict:
    """p50 and p95 of `repeat` requests after one untimed warm-up request (a process serves many requests after
    its first: templates, the URL resolver and caches are loaded once), and the queries of one request. With
    `served`, the timed requests go to gunicorn with the session of the in-process `client`; the queries are
    counted in-process."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def once() -> object:
        response = client.get(url)
        for _chunk in getattr(response, "streaming_content", ()):
            pass
        return response

    once()
    with CaptureQueriesContext(connection) as ctx:
        response = once()
    queries, status = len(ctx.captured_queries), response.status_code  # type: ignore[attr-defined]
    cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    times = []
    if served is not None:
        served.http.get(url, cookies=cookies)
    for _n in range(repeat):
        t0 = time.perf_counter()
        if served is None:
            once()
        else:
            answer = served.http.get(url, cookies=cookies)
            status = answer.status_code
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[-1] if len(times) < 20 else statistics.quantiles(times, n=20)[-1]
    return {"url": url, "status": status, "p50": statistics.median(times), "p95": p95, "queries": queries}


def _print(rows: list[dict], title: str) -> None:
    print(f"\n{title}\n| page | status | p50 ms | p95 ms | queries |\n|---|---|---|---|---|")
    for r in rows:
        flag = " **over 300 ms**" if r["p95"] > 300 else ""
        print(f"| `{r['url']}` | {r['status']} | {r['p50']:.0f} | {r['p95']:.0f}{flag} | {r['queries']} |")


def fee_center_urls(account, bill) -> list[str]:
    from importlib import import_module

    from django.urls import NoReverseMatch, reverse

    urls = []
    for app in ("workspaces", "payments", "orders", "quota", "statements", "notifications", "audit", "webhooks"):
        for pattern in getattr(import_module(f"{app}.urls"), "urlpatterns", []):
            name = getattr(pattern, "name", None)
            if not name or pattern.pattern.converters:
                continue
            try:
                urls.append(reverse(name, kwargs={"account_id": account.pk}))
            except NoReverseMatch:
                continue
    urls.append(reverse("quota-bill-detail", kwargs={"account_id": account.pk, "bill_id": bill.pk}))
    return urls


def admin_urls(search: str) -> list[str]:
    from django.contrib import admin
    from django.urls import reverse

    urls = []
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        urls.append(changelist)
        if model_admin.search_fields:
            urls.append(f"{changelist}?q={search}")
        if model_admin.date_hierarchy:
            urls.append(f"{changelist}?{model_admin.date_hierarchy}__year=2026&{model_admin.date_hierarchy}__month=9")
        obj = model._default_manager.order_by("-pk").only("pk").first()
        if obj is not None:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
    return urls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1000, help="accounts (1000: ~29 million bill lines)")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="reuse $HISTORY_DB as an earlier run built it")
    parser.add_argument("--skip-admin", action="store_true")
    parser.add_argument("--only", default="", help="time only the pages whose path matches this regular expression "
                                                   "(exports and the close are then skipped)")
    parser.add_argument("--in-process", action="store_true",
                        help="time the pages in this process (Django's test client) instead of through gunicorn")
    parser.add_argument("--chunk-size", type=int, default=None, help="accounts per transaction of the close")
    parser.add_argument("--slow-build", action="store_true",
                        help="build usage, bills and lines with every trigger on (the ledger always is)")
    args = parser.parse_args()
    source = os.environ.get("DATABASE_URL")
    if not source:
        sys.exit("Set DATABASE_URL (the server to create the fee_history database on).")
    url = _url(source)
    if not args.reuse:
        _recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing_center.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django_otp import DEVICE_ID_SESSION_KEY

    from quota.models import Bill
    from quota.signals import night_settled
    from statements.monthly_bills import CLOSE_CHUNK_SIZE, monthly_bills_close
    from tests.factories import confirmed_totp_device
    from workspaces.models import Account, Membership, Role
    from workspaces.two_factor import SESSION_KEY

    night_settled.receivers.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    settings.ALLOWED_HOSTS = ["*"]
    setup_test_environment()
    print(f"database {HISTORY_DB}; load {os.getloadavg()[0]:.1f}", flush=True)
    build_seconds = 0.0
    if not args.reuse:
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrated in {time.perf_counter() - t0:.1f} s", flush=True)
        with connection.cursor() as cursor:
            _ids, build_seconds = build(cursor, accounts=args.scale, days=args.days, fast=not args.slow_build)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM quota_billline")
        (lines,) = cursor.fetchone()
        cursor.execute(
            "SELECT relname, pg_total_relation_size(oid), pg_indexes_size(oid) FROM pg_class WHERE relkind = 'r'"
            " AND relnamespace = 'public'::regnamespace ORDER BY 2 DESC LIMIT 12")
        sizes = cursor.fetchall()
        cursor.execute("SELECT count(*) FROM payments_ledgerentry")
        (ledger,) = cursor.fetchone()
    print(f"built in {build_seconds:.0f} s: {lines:,} bill lines, {ledger:,} ledger entries")
    for name, total, indexes in sizes:
        print(f"  {name}: {total / 2**20:,.0f} MiB (indexes {indexes / 2**20:,.0f} MiB)")

    # the largest account: the most bill lines (all have a year; the first is as large as any)
    account = Account.objects.filter(name__startswith="Bench ").order_by("pk").first()
    if account is None:
        sys.exit("No benchmark account: build first (without --reuse).")
    owner, _ = get_user_model().objects.get_or_create(username="history-owner")
    Membership.objects.get_or_create(account=account, user=owner, defaults={"role": Role.OWNER})
    bill = Bill.objects.filter(account=account).order_by("-day").first()
    client = Client()
    client.force_login(owner)
    session = client.session
    session[SESSION_KEY] = ""
    session.save()
    served = None if args.in_process else Served(url, ROOT / "artifacts" / "history" / "gunicorn.log")
    how = "in-process" if served is None else "through gunicorn (billing_center/gunicorn_conf.py, 1 worker)"
    chosen = re.compile(args.only).search if args.only else (lambda _url: True)
    pages = [_timed(client, u, args.repeat, served) for u in fee_center_urls(account, bill) if chosen(u)]
    _print(pages, f"Fee Center pages of account {account.pk} ({lines // max(args.scale, 1):,} lines), {how}")

    admin_rows: list[dict] = []
    if not args.skip_admin:
        staff, _ = get_user_model().objects.get_or_create(
            username="history-admin", defaults={"is_staff": True, "is_superuser": True})
        admin_client = Client()
        admin_client.force_login(staff)
        session = admin_client.session
        session[SESSION_KEY] = ""
        session[DEVICE_ID_SESSION_KEY] = confirmed_totp_device(staff).persistent_id
        session.save()
        admin_rows = [_timed(admin_client, u, args.repeat, served) for u in admin_urls(str(account.pk)) if chosen(u)]
        _print(admin_rows, f"Admin changelists and change pages, {how}")
    if served is not None:
        served.close()
    if args.only:
        return

    # CSV exports: a month and a year, streamed
    api = f"/api/v1/accounts/{account.pk}/bills/daily/?format=csv"
    exports = []
    for label, start in (("month", date(2026, 9, 1)), ("year", LAST_DAY - timedelta(days=args.days - 1))):
        end = date(2026, 9, 30) if label == "month" else LAST_DAY
        rss = _rss_mb()
        t0 = time.perf_counter()
        response = client.get(f"{api}&date_from={start}&date_to={end}")
        chunks = getattr(response, "streaming_content", None)
        size = sum(len(bytes(c)) for c in chunks) if chunks is not None else len(response.content)
        seconds = time.perf_counter() - t0
        exports.append((label, response.status_code, seconds, size, _rss_mb() - rss, _rss_mb()))
    print("\n| export | status | seconds | bytes | peak RSS growth MiB | peak RSS MiB |\n|---|---|---|---|---|---|")
    for label, status, seconds, size, grow, peak in exports:
        print(f"| {label} | {status} | {seconds:.2f} | {size:,} | {grow:.0f} | {peak:.0f} |")

    # the monthly close of every account against the bare-SQL floor of its aggregation
    month, month_end_day = date(2026, 10, 1), date(2026, 10, 31)
    ids = list(Account.objects.filter(name__startswith="Bench ").order_by("pk").values_list("pk", flat=True))
    chunk_size = args.chunk_size or CLOSE_CHUNK_SIZE

    def _floor() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
            t0 = time.perf_counter()
            cursor.execute(CLOSE_FLOOR, {"start": month, "end": month_end_day})
            cursor.fetchall()
            return time.perf_counter() - t0

    # Two rounds, each a floor, a first close (the month's open bills of an earlier run removed), a re-close
    # and a floor again: every figure is the better of its two measures, the same treatment for the close and
    # for its floor, so a moment of noise on this shared machine weighs on neither side alone.
    floors, closes, recloses = [], [], []
    for _round in range(2):
        with connection.cursor() as cursor:
            cursor.execute(CLOSE_RESET, {"month": month, "accounts": ids})
            cursor.execute("VACUUM ANALYZE statements_monthlybill")
            cursor.execute("VACUUM ANALYZE statements_monthlybillline")
        floors.append(_floor())
        t0 = time.perf_counter()
        first = monthly_bills_close(month=month, account_ids=ids, chunk_size=chunk_size)
        closes.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        again = monthly_bills_close(month=month, account_ids=ids, chunk_size=chunk_size)
        recloses.append(time.perf_counter() - t0)
        floors.append(_floor())
    floor, close, reclose = min(floors), min(closes), min(recloses)

    def _listed(values: list[float]) -> str:
        return ", ".join(f"{v:.2f}" for v in values)

    print(f"\nmonthly close of {len(ids)} accounts ({month:%Y-%m}, chunks of {chunk_size}): first close {close:.2f} s "
          f"({first.lines_written:,} lines written; measures {_listed(closes)}), re-close {reclose:.2f} s "
          f"({again.lines_written:,} lines written; measures {_listed(recloses)}); bare-SQL floor {floor:.2f} s "
          f"(measures {_listed(floors)}); ratios {close / floor:.2f} and {reclose / floor:.2f}")
    worst_page = max((r["p95"] for r in pages), default=0)
    worst_admin = max((r["p95"] for r in admin_rows), default=0)
    print(f"build_seconds={build_seconds:.0f} lines={lines} worst_page_p95_ms={worst_page:.0f} "
          f"worst_admin_p95_ms={worst_admin:.0f} close_seconds={close:.2f} reclose_seconds={reclose:.2f} "
          f"close_floor_seconds={floor:.2f} close_vs_floor={close / floor:.2f} reclose_vs_floor={reclose / floor:.2f} "
          f"load={os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
