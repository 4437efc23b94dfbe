"""Celery tasks of the notifications app: thin, explicit names, retries on transient errors."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task

from core.days import vendor_today
from notifications import services


@shared_task(name="notifications.evaluate_alerts", autoretry_for=(ConnectionError,), max_retries=3,
             retry_backoff=True)
def evaluate_alerts(day: str | None = None, account_ids: list[int] | None = None) -> int:
    """High-spending alerts for `day` (ISO date; default the vendor's yesterday: the daily fallback runs on the
    vendor's schedule), for `account_ids` (after a night's chunk) or every account (the daily fallback)."""
    target = date.fromisoformat(day) if day else vendor_today() - timedelta(days=1)
    return services.alerts_evaluate_day(day=target, account_ids=account_ids)


@shared_task(name="notifications.send_expiry_reminders", autoretry_for=(ConnectionError,), max_retries=3,
             retry_backoff=True)
def send_expiry_reminders() -> int:
    return services.expiry_reminders_send()
