"""Tasks of the core app. `core.ping` proves the Celery round trip (web or test -> Redis -> worker -> result
backend) without touching any data: operators call it to check a deployment, the production smoke test too."""

from __future__ import annotations

from celery import shared_task
from django.db import connection


@shared_task(name="core.ping")
def ping() -> str:
    """Answer "pong" after one trivial query, so a worker that cannot reach its database does not pass."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "pong"
