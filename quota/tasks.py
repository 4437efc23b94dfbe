"""The night on Celery (queue "night"): an hourly beat task fans out chunks of accounts whose local day is
over; each chunk is one idempotent task (acks late, retried with backoff; a redelivered chunk charges nothing
twice because a bill is unique per account and day and a re-run settles only the difference). A daily task
sweeps arrears, another creates the usage table's partitions ahead."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from quota import arrears, night, partitions


@shared_task(name="quota.start_nights", acks_late=True)
def start_nights() -> int:
    """Hourly: queue the nights that are due (local midnight passed, not yet run) and the re-runs of days
    whose usage arrived late. Returns the number of chunks queued. The chunks go to the "night" queue
(CELERY_TASK_ROUTES) and run in parallel on every worker consuming it: chunks hold disjoint accounts, and each
is one transaction that locks only its own accounts' wallets and instruments (docs/RULES-quota.md)."""
    queued = 0
    due = night.nights_due()
    for day, account_ids in night.late_usage_reruns().items():
        due.setdefault(day, []).extend(account_ids)
    for day, account_ids in sorted(due.items()):
        ids = sorted(set(account_ids))
        for i in range(0, len(ids), night.CHUNK_SIZE):
            run_night_chunk.delay(day.isoformat(), ids[i : i + night.CHUNK_SIZE])
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
    result = night.night_run_chunk(day=date.fromisoformat(day), account_ids=account_ids)
    return {"day": day, "accounts": result.accounts, "bills": result.bills, "charged": str(result.charged)}


@shared_task(name="quota.arrears_sweep", acks_late=True, autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def arrears_sweep() -> dict:
    return arrears.arrears_sweep()


@shared_task(name="quota.ensure_usage_partitions", acks_late=True, autoretry_for=(Exception,), retry_backoff=300,
             max_retries=5)
def ensure_usage_partitions() -> list[str]:
    """Daily: the usage table's partitions of the current month and the months ahead."""
    return partitions.usage_partitions_ensure()


@shared_task(name="quota.ensure_bill_line_partitions", acks_late=True, autoretry_for=(Exception,),
             retry_backoff=300, max_retries=5)
def ensure_bill_line_partitions() -> list[str]:
    """Daily: the bill lines table's partitions of the current month and the months ahead."""
    return partitions.bill_line_partitions_ensure()
