"""Parallel chunks (docs/RULES-quota.md "Partitions and queues"): the night's chunks run on two real Celery
worker processes at once (`celery worker -Q night --concurrency 1`, on the test database and this run's Redis
database) and bill exactly like a serial run of the same data: every bill, line, settlement, payment tender,
ledger entry, wallet, card, voucher, night mark and workspace status."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from benchmarks.night_parallel import DAY, Workers, build, outcome
from billing_center.celery import app
from quota.night import night_run
from quota.reconcile import check_bills
from quota.tasks import run_night_chunk

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = 240  # 12,000 usage rows
CHUNK = 20  # 12 chunks

pytestmark = [pytest.mark.slow, pytest.mark.real_broker]


class _Rollback(Exception):
    pass


def _test_db_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def purged_broker():
    app.control.purge()
    yield app
    app.control.purge()  # the nights' follow-up tasks queued on "default" are not consumed here


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_bill_exactly_like_a_serial_night(catalogue, purged_broker):
    app = purged_broker
    with connection.cursor() as cursor:
        ids = build(cursor, accounts=ACCOUNTS)
        before = outcome(cursor)
    assert len(ids) == ACCOUNTS
    chunks = [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]

    # The serial night, in-process, chunk after chunk; its outcome is kept and everything rolled back.
    try:
        with transaction.atomic():
            serial_result = night_run(day=DAY, account_ids=ids, chunk_size=CHUNK)
            with connection.cursor() as cursor:
                serial = outcome(cursor)
            raise _Rollback
    except _Rollback:
        pass
    with connection.cursor() as cursor:
        assert outcome(cursor) == before  # back to the data before any night
    assert serial_result.bills == ACCOUNTS and serial_result.charged > 0
    assert serial["bills"][0] == ACCOUNTS and serial["tenders"][0] > ACCOUNTS

    # The same night on two worker processes, the chunks queued as the hourly beat queues them.

    workers = Workers(2, database_url=_test_db_url(), broker_url=settings.CELERY_BROKER_URL,
                      log_dir=ROOT / "artifacts" / "parallel-night", tag="w")
    names = workers.start()
    try:
        workers.wait_ready(app, names)
        pending = [run_night_chunk.apply_async((DAY.isoformat(), chunk)) for chunk in chunks]
        answers = [result.get(timeout=300) for result in pending]
        # A result reaches the backend a moment before the worker's own log line "succeeded in": wait for the
        # logs to say so before stopping the workers, or a stop in between loses the line, not the work.
        deadline = time.monotonic() + 30
        while sum(workers.chunks_done()) < len(chunks) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        workers.stop()
    per_worker = workers.chunks_done()  # after stop: the logs are complete
    assert sum(a["bills"] for a in answers) == ACCOUNTS
    assert sum(per_worker) == len(chunks) and all(n > 0 for n in per_worker), per_worker  # both worked

    with connection.cursor() as cursor:
        parallel = outcome(cursor)
    assert parallel == serial, {k: (serial[k], parallel[k]) for k in serial if serial[k] != parallel[k]}

    assert check_bills() == []
