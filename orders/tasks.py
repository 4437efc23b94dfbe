"""Celery tasks of the orders app: thin, explicit names and retries, they call services."""

from __future__ import annotations

from celery import shared_task

from orders import autorenew
from orders.packages import package_update_statuses
from orders.payment import order_expire_due


@shared_task(name="orders.expire_due", acks_late=True, autoretry_for=(Exception,), retry_backoff=30, max_retries=5)
def expire_due_orders() -> int:
    """Every 5 minutes: unpaid orders past FinanceSettings.order_payment_minutes become expired. Idempotent."""
    return order_expire_due()


@shared_task(name="orders.update_package_statuses", acks_late=True, autoretry_for=(Exception,), retry_backoff=60,
             max_retries=5)
def update_package_statuses() -> dict:
    """Hourly (so each account's local midnight is caught within the hour): pending -> active on the start
    day, active -> expired after the end day (workspace rows closed). Idempotent."""
    return package_update_statuses()


@shared_task(name="orders.renewal_pass", acks_late=True, autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def renewal_pass() -> dict:
    """Daily: automatic renewals due (charged from the wallet, at most one attempt per package and day) and
    the 30/7/1-day expiry reminders (once each). Idempotent: re-runs and concurrent runs do nothing twice."""
    return autorenew.renewal_pass()
