"""Celery tasks of the payments app: thin, explicit names and retries, they call services."""

from __future__ import annotations

from celery import shared_task

from payments.maintenance import instruments_expire


@shared_task(name="payments.expire_instruments", acks_late=True, autoretry_for=(Exception,), retry_backoff=60,
             max_retries=5)
def expire_instruments() -> int:
    """Daily: cards and vouchers past the end of their validity lapse through the ledger. Idempotent."""
    return instruments_expire()
