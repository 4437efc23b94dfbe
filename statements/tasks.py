"""Celery tasks of the statements app: thin, explicit names, retries on transient errors."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task

from core.days import vendor_today
from statements import monthly_bills


@shared_task(name="statements.finalize_monthly_bills", autoretry_for=(ConnectionError,), max_retries=3,
             retry_backoff=True)
def finalize_monthly_bills() -> int:
    """Make last month's bills final (from the 3rd of this month on, account time zone)."""
    return monthly_bills.monthly_bills_finalize_due()


@shared_task(name="statements.refresh_monthly_bills", autoretry_for=(ConnectionError,), max_retries=3,
             retry_backoff=True)
def refresh_monthly_bills(day: str | None = None, account_ids: list[int] | None = None) -> int:
    """Refresh the monthly bills touched by the night of `day` (ISO date; default yesterday), for `account_ids`
    (after a night's chunk) or every account (the daily fallback, run on the vendor's schedule: yesterday is
    the vendor's yesterday)."""
    target = date.fromisoformat(day) if day else vendor_today() - timedelta(days=1)
    return monthly_bills.monthly_bills_refresh_for_day(day=target, account_ids=account_ids)
