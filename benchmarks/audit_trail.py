"""The audit trail at vendor scale: its pages read from the trail's index against the union of every event table
that they read before (pghistory's aggregate), measured side by side in one run on one database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fc_x .venv/bin/python benchmarks/audit_trail.py \\
        [--accounts 1000] [--events 365] [--largest 3650] [--repeat 7]

It creates its own database (the DATABASE_URL's server, database `fee_bench_audit` or $BENCH_DB, dropped and
re-created) and migrates it. Then, in set-based SQL, it writes events straight into the event tables (role
changes and finance's adjustments, half each) for `--accounts` accounts with `--events` events each, and
`--largest` (plus a tenth as many storage-policy choices) for the one real account whose owner reads the
pages. Every event row fires the index trigger, as in production, so the index is built by the database, not
by the benchmark (the build time is printed: it is the trigger's cost per event).

Measured through Django's test client (server time, no network), p50 and p95 over `--repeat` requests, with the
number of queries:
- the owner's trail page (first page, a kind, a date range, a deep page), its API and its CSV export;
- finance's admin list of the whole trail, and searched by the account;
- the baseline: the same first page read the old way, the union of every event table filtered on the account
  (pghistory's aggregate, `Events.objects.across(...)`), turned into the same rows.
It prints the EXPLAIN of the page's query (the index range it reads) and ends with one line:
trail_page_p95=<ms> union_page_p95=<ms> ratio=<x> events=<n> load=<float>."""

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
from django.db import connection, reset_queries

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = os.environ.get("BENCH_DB", "fee_bench_audit")

# Per account of the range: `n` events spread over the last year, half role changes (three memberships changing
# in turn: member / administrator), half finance's adjustments. The index computes a change against the
# object's previous event for every role change but an object's first.
ACCOUNT_EVENTS = """
INSERT INTO audit_membershipevent (pgh_created_at, pgh_label, account_id, user_id, role, pgh_obj_id)
SELECT now() - (e * interval '1 day') / %(per_day)s, CASE WHEN e <= 3 THEN 'insert' ELSE 'update' END, a, a,
       CASE WHEN (e / 3) %% 2 = 0 THEN 'administrator' ELSE 'member' END, a * 10 + (e %% 3)
FROM generate_series(%(first)s::bigint, %(last)s::bigint) a CROSS JOIN generate_series(1, %(n)s / 2) e
ORDER BY 1;
INSERT INTO audit_adjustmentevent (pgh_created_at, pgh_label, account_id, balance_kind, amount, balance_after,
                                   reason, memo, pgh_obj_id)
SELECT now() - (e * interval '1 day') / %(per_day)s - interval '2 hours', 'adjustment', a, 'cash', 10.00,
       10.00 * e, 'adjustment', 'goodwill', a * 1000 + e
FROM generate_series(%(first)s::bigint, %(last)s::bigint) a CROSS JOIN generate_series(1, %(n)s - %(n)s / 2) e
ORDER BY 1;
"""
# The measured account also changes the log retention of its workspace (its scope comes from the workspace).
POLICY_EVENTS = """
INSERT INTO audit_storagepolicychoiceevent (pgh_created_at, pgh_label, workspace_id, billing_item_id,
                                            storage_policy_id, valid_from, pgh_obj_id)
SELECT now() - (e * interval '1 day') / %(per_day)s - interval '1 hour',
       CASE WHEN e = 1 THEN 'insert' ELSE 'update' END, %(workspace)s, %(item)s,
       CASE WHEN e %% 2 = 0 THEN %(policy_a)s ELSE %(policy_b)s END,
       (now() - (e * interval '1 day') / %(per_day)s)::date, 1
FROM generate_series(1, %(n)s) e
ORDER BY 1;
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


def _time(client, url: str, repeat: int) -> tuple[float, float, int, int]:
    """p50 and p95 in ms, the number of queries of the last request and its status."""
    timings = []
    queries = status = 0
    client.get(url)  # warm: the first request of a process compiles templates and fills caches
    for _ in range(repeat):
        reset_queries()
        started = time.perf_counter()
        response = client.get(url)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        timings.append((time.perf_counter() - started) * 1000)
        queries, status = len(connection.queries), response.status_code
    timings.sort()
    return statistics.median(timings), timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))], queries, status


def _time_call(call, repeat: int) -> tuple[float, float, int]:
    timings = []
    queries = 0
    call()
    for _ in range(repeat):
        reset_queries()
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
        queries = len(connection.queries)
    timings.sort()
    return statistics.median(timings), timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))], queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1000, help="accounts with events (besides the measured one)")
    parser.add_argument("--events", type=int, default=365, help="events per account")
    parser.add_argument("--largest", type=int, default=3650, help="events of the measured account")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    source = os.environ.get("DATABASE_URL")
    if not source:
        sys.exit("Set DATABASE_URL (the server to create the benchmark database on).")
    url = urlunparse(urlparse(source)._replace(path=f"/{BENCH_DB}"))
    _recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing_center.settings")
    django.setup()
    settings.DEBUG = True  # connection.queries: the number of queries of each request
    settings.ALLOWED_HOSTS = ["*"]
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.1f} s", flush=True)

    from django.test import Client
    from pghistory.models import Events

    from audit import selectors
    from audit.kinds import ACCOUNT_KINDS, event_models
    from core.days import account_today
    from plans.models import BillingItem, StoragePolicy
    from tests.auth import login_staff
    from tests.factories import AccountFactory, MembershipFactory, UserFactory, WorkspaceFactory
    from workspaces.models import Role

    account = AccountFactory(name="Bench audit")
    owner = MembershipFactory(account=account, role=Role.OWNER).user
    workspace = WorkspaceFactory(account=account, name="ws-1")
    item = BillingItem.objects.get(code="log")
    policies = list(StoragePolicy.objects.filter(billing_item=item).order_by("retention_days")[:2])
    base = {"workspace": workspace.pk, "item": item.pk, "policy_a": policies[0].pk, "policy_b": policies[-1].pk,
            "per_day": max(1, args.largest // 365)}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # the other accounts: ids past the real one's (no rows needed: event tables keep no foreign keys)
        cursor.execute(ACCOUNT_EVENTS, {"first": account.pk + 1, "last": account.pk + args.accounts,
                                        "n": args.events, "per_day": max(1, args.events // 365)})
        cursor.execute(ACCOUNT_EVENTS, {**base, "first": account.pk, "last": account.pk, "n": args.largest})
        cursor.execute(POLICY_EVENTS, {**base, "n": args.largest // 10})
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE scope_account_id = %s) FROM audit_trailentry",
                       [account.pk])
        events, largest = cursor.fetchone()
    build = time.perf_counter() - started
    print(f"built {events:,} events ({largest:,} of the measured account) in {build:.1f} s through the index "
          f"trigger: {build / events * 1e6:.0f} us per event", flush=True)

    client = Client()
    client.force_login(owner)
    staff = UserFactory(is_staff=True, is_superuser=True)
    admin = login_staff(Client(), staff)
    today = account_today(account)
    trail = f"/a/{account.pk}/audit/"
    pages = [
        ("trail page, first page", client, trail),
        ("trail page, kind = roles", client, f"{trail}?kind=people"),
        ("trail page, one month", client, f"{trail}?date_from={today - timedelta(days=30)}&date_to={today}"),
        ("trail page, page 20", client, f"{trail}?page=20"),
        ("trail API, first page", client, f"/api/v1/accounts/{account.pk}/audit/"),
        ("trail CSV (all the account's events)", client, f"{trail}?format=csv"),
        ("admin: trail list", admin, "/admin/audit/trailentry/"),
        ("admin: trail searched by account", admin, f"/admin/audit/trailentry/?q={account.pk}"),
        ("admin: trail by action", admin, "/admin/audit/trailentry/?label__exact=adjustment"),
    ]
    print(f"\n{'what':45} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8}")
    figures = {}
    for name, who, path in pages:
        p50, p95, queries, status = _time(who, path, args.repeat)
        assert status == 200, (path, status)
        figures[name] = p95
        print(f"{name:45} {p50:9.1f} {p95:9.1f} {queries:8}", flush=True)

    def union_page():
        events = Events.objects.across(*event_models(ACCOUNT_KINDS)).filter(
            pgh_data__scope_account_id=account.pk).order_by("-pgh_created_at", "-pgh_id")[:50]
        return [(e.pgh_data, e.pgh_diff) for e in events]

    def index_page():
        return selectors.rows(selectors.audit_event_list(account=account)[:50], account=account)

    u50, u95, uq = _time_call(union_page, args.repeat)
    i50, i95, iq = _time_call(index_page, args.repeat)
    print(f"{'baseline: first page from the union (read only)':45} {u50:9.1f} {u95:9.1f} {uq:8}")
    print(f"{'index: first page with its sentences':45} {i50:9.1f} {i95:9.1f} {iq:8}")

    with connection.cursor() as cursor:
        sql, params = selectors.audit_event_list(account=account)[:50].query.sql_with_params()
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}", params)
        print("\nEXPLAIN of the trail page's query:\n  " + "\n  ".join(row[0] for row in cursor.fetchall()))
    page = figures["trail page, first page"]
    print(f"\ntrail_page_p95={page:.1f} union_page_p95={u95:.1f} ratio={u95 / i95:.1f} events={events} "
          f"load={os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
