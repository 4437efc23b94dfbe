"""The night on Celery: an hourly beat task fans out chunks of accounts whose local day is over; each chunk
is one idempotent task (acks late, retried with backoff; a redelivered chunk charges nothing twice because a
bill is unique per account and day and a re-run settles only the difference). A daily task sweeps arrears."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from quota import services


@shared_task(name="quota.start_nights", acks_late=True)
def start_nights() -> int:
    """Hourly: queue the nights that are due (local midnight passed, not yet run) and the re-runs of days
    whose usage arrived late. Returns the number of chunks queued."""
    queued = 0
    due = services.nights_due()
    for day, account_ids in services.late_usage_reruns().items():
        due.setdefault(day, []).extend(account_ids)
    for day, account_ids in sorted(due.items()):
        ids = sorted(set(account_ids))
        for i in range(0, len(ids), services.CHUNK_SIZE):
            run_night_chunk.delay(day.isoformat(), ids[i : i + services.CHUNK_SIZE])
            queued += 1
    return queued


@shared_task(
    name="quota.run_night_chunk",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=8,
)
def run_night_chunk(day: str, account_ids: list[int]) -> dict:
    result = services.night_run_chunk(day=date.fromisoformat(day), account_ids=account_ids)
    return {"day": day, "accounts": result.accounts, "bills": result.bills, "charged": str(result.charged)}


@shared_task(name="quota.arrears_sweep", acks_late=True, autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def arrears_sweep() -> dict:
    return services.arrears_sweep()
