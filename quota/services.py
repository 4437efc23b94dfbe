"""The writes of the quota app, under the names the other apps, the tasks and the tests import. The code lives
in three modules (docs/ARCHITECTURE.md):

- `quota.night`: the nightly run (bills, settlement, countdowns), the nights due, late-usage re-runs;
- `quota.ingest`: usage ingestion and the metering pipeline's service tokens;
- `quota.arrears`: the arrears countdown, reminder, lock and unlock.

The Celery tasks read `CHUNK_SIZE` here, so a test may set `quota.services.CHUNK_SIZE`.
"""

from __future__ import annotations

from quota import engine
from quota.arrears import arrears_sweep, countdowns_start, workspaces_unlock
from quota.ingest import MAX_LINE_AMOUNT, MAX_USAGE_RECORDS, hash_key, service_token_create, usage_ingest
from quota.night import (
    ADVISORY_NAMESPACE,
    CHUNK_SIZE,
    BillCharge,
    BillCredit,
    BillOutcome,
    BillSettled,
    BillTotals,
    NightResult,
    bill_rerun,
    late_usage_reruns,
    night_run,
    night_run_chunk,
    nights_due,
)

__all__ = [
    "ADVISORY_NAMESPACE",
    "CHUNK_SIZE",
    "MAX_LINE_AMOUNT",
    "MAX_USAGE_RECORDS",
    "BillCharge",
    "BillCredit",
    "BillOutcome",
    "BillSettled",
    "BillTotals",
    "NightResult",
    "arrears_sweep",
    "bill_rerun",
    "countdowns_start",
    "engine",
    "hash_key",
    "late_usage_reruns",
    "night_run",
    "night_run_chunk",
    "nights_due",
    "service_token_create",
    "usage_ingest",
    "workspaces_unlock",
]
