"""Fault injection helpers: a real Celery worker on the test database, and another connection to kill one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from billing_center.celery import app
from tests.seed import restore_seeded_data

ROOT = Path(__file__).resolve().parents[2]


def pg_url_of_test_db() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """`celery -A billing_center worker --pool solo` on the test database and this run's Redis database."""

    def __init__(self, log: Path):
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "DATABASE_URL": pg_url_of_test_db(), "REDIS_URL": settings.CELERY_BROKER_URL,
               "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, "CELERY_RESULT_BACKEND": settings.CELERY_BROKER_URL,
               "CELERY_TASK_ALWAYS_EAGER": "false", "DJANGO_SETTINGS_MODULE": "billing_center.settings"}
        self.log.parent.mkdir(parents=True, exist_ok=True)
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "billing_center", "worker", "--pool", "solo",
             "--concurrency", "1", "--loglevel", "INFO", "--without-heartbeat", "--without-gossip",
             "--without-mingle", "-n", f"faults-{os.getpid()}@%h"],
            cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_worker_process(tmp_path):
    app.control.purge()
    worker = Worker(ROOT / "artifacts" / "faults" / "worker.log")
    yield worker
    worker.stop()
    app.control.purge()
    # The SIGKILLed worker's message stays "unacked" in Redis and would come back after the visibility
    # timeout, in some later run's database: drop it (kombu's Redis transport keys).

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("unacked", "unacked_index", "unacked_mutex")


def wait_for(predicate, *, timeout: float, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture(autouse=True)
def _catalogue_after_earlier_flushes(request):
    """The fault tests run last, after other modules' transactional tests have flushed the database: every
    test here, ordinary or transactional, gets the seeded catalogue back first (idempotent)."""
    if request.node.get_closest_marker("django_db") is not None or "db" in request.fixturenames:
        request.getfixturevalue("db")
        restore_seeded_data()
