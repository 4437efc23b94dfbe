"""Separate Celery queues (docs/DEPLOYMENT.md "Queues"): the night's tasks go to "night", webhook deliveries
to "webhooks", everything else to "default"; the entrypoint takes the worker's queues from CELERY_QUEUES and
compose runs a worker per queue."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from billing_center.celery import app
from quota import tasks

ROOT = Path(__file__).resolve().parents[2]

NIGHT = ["quota.start_nights", "quota.run_night_chunk", "quota.arrears_sweep", "quota.ensure_usage_partitions"]
DEFAULT = [
    "core.ping",
    "notifications.evaluate_alerts",
    "notifications.send_expiry_reminders",
    "statements.refresh_monthly_bills",
    "statements.finalize_monthly_bills",
    "orders.expire_due",
    "payments.expire_instruments",
]


@pytest.fixture(autouse=True)
def _tasks_registered():
    app.loader.import_default_modules()  # autodiscovery (lazy until a worker starts)


def _queue_of(name: str) -> str:
    return app.amqp.router.route({}, name)["queue"].name


@pytest.mark.parametrize("name", NIGHT)
def test_the_nights_tasks_go_to_the_night_queue(name):
    assert name in app.tasks, name
    assert _queue_of(name) == "night"


def test_webhook_deliveries_go_to_their_own_queue():
    assert "webhooks.deliver" in app.tasks
    assert _queue_of("webhooks.deliver") == "webhooks"


@pytest.mark.parametrize("name", DEFAULT)
def test_mail_exports_and_alerts_go_to_the_default_queue(name):
    assert name in app.tasks, name
    assert _queue_of(name) == "default"


def test_every_registered_task_has_one_of_the_three_queues():
    queues = {_queue_of(name) for name in app.tasks if not name.startswith("celery.")}
    assert queues == {"default", "night", "webhooks"}
    assert set(app.amqp.queues) == {"default", "night", "webhooks"}


def test_a_queued_chunk_is_published_to_the_night_queue(monkeypatch):
    """apply_async resolves the route: the message of a chunk is published with the night queue."""

    published = []

    def capture(producer, name, message, **options):
        published.append((name, options))

    monkeypatch.setattr(app.amqp, "send_task_message", capture)
    app.conf.task_always_eager = False  # the autouse _celery_eager fixture restores it
    tasks.run_night_chunk.apply_async(("2026-06-15", [1, 2]))
    app.send_task("webhooks.deliver", (1,))
    (chunk, chunk_options), (hook, hook_options) = published
    assert chunk == "quota.run_night_chunk" and chunk_options["queue"].name == "night"
    assert hook == "webhooks.deliver" and hook_options["queue"].name == "webhooks"


def test_entrypoint_and_compose_run_one_worker_per_queue():
    entrypoint = (ROOT / "scripts" / "entrypoint.sh").read_text()
    assert '--queues "${CELERY_QUEUES:-default,night,webhooks}"' in entrypoint
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert services["worker"]["command"] == ["worker"]
    assert services["worker"]["environment"]["CELERY_QUEUES"] == "default"
    assert services["night-worker"]["command"] == ["worker"]
    assert services["night-worker"]["environment"]["CELERY_QUEUES"] == "night"
    assert services["webhook-worker"]["command"] == ["worker"]
    assert services["webhook-worker"]["environment"]["CELERY_QUEUES"] == "webhooks"
