"""Celery tasks of the forecasts app: thin, take ids, call services."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from forecasts import services


@shared_task(name="forecasts.evaluate_warnings", autoretry_for=(ConnectionError,), max_retries=3, retry_backoff=True)
def evaluate_warnings(day: str, account_ids: list[int]) -> int:
    """The warnings of `account_ids` after the night of `day` (ISO date)."""
    return services.warnings_evaluate_accounts(day=date.fromisoformat(day), account_ids=account_ids)
