"""Usage ingestion (docs/RULES-quota.md "Usage"): the metering pipeline's batches of usage records, validated
whole and upserted per (workspace, item, day); and the service tokens the pipeline authenticates with."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from core import days
from core.exceptions import ApplicationError, Locked, Unprocessable
from core.parsing import parse_day
from plans.models import BillingItem
from quota.error_codes import QuotaErrorCode
from quota.models import ServiceToken
from workspaces.models import Workspace, WorkspacePlan, WorkspaceStatus

MAX_USAGE_RECORDS = 5000


@dataclass(frozen=True, slots=True)
class UsageRow:
    """One validated usage record, in the column order of the upsert."""

    account_id: int
    workspace_id: int
    billing_item_id: int
    day: date
    quantity: int


# The largest amount one bill line may reach. Far above any real day (the Enterprise package is 510,000 a
# year), it keeps converted quantities inside bigint and bill totals inside the money columns, so one absurd
# report is refused at ingestion instead of failing a whole chunk of the night.
MAX_LINE_AMOUNT = Decimal("10000000")


def _max_quantity(item) -> int:
    policies = list(item.storage_policies.all())
    price = max((p.price for p in policies), default=Decimal(0))
    factor = max((p.conversion_factor for p in policies), default=1)
    by_amount = int(MAX_LINE_AMOUNT * item.pricing_unit / price) if price > 0 else 2**62
    return min(by_amount, (2**62 - 1) // factor)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def usage_ingest(*, records: Any) -> int:
    """Validate a whole batch of usage records and upsert them per (workspace, item, day). Any invalid
    record: Unprocessable (422) with per-record errors, nothing written. Any locked workspace: Locked (423).
    Returns the number of records written."""
    if not isinstance(records, list) or not records:
        raise Unprocessable(
            "Send a non-empty list of usage records.", code=QuotaErrorCode.INVALID_USAGE,
            fields={"records": ["A non-empty list is required."]},
        )
    if len(records) > MAX_USAGE_RECORDS:
        raise Unprocessable(
            f"At most {MAX_USAGE_RECORDS} records per request.", code=QuotaErrorCode.INVALID_USAGE,
            fields={"records": [f"At most {MAX_USAGE_RECORDS} records."]},
        )
    errors: dict[str, dict[str, list[str]]] = {}

    def err(index: int, name: str, message: str) -> None:
        errors.setdefault(str(index), {}).setdefault(name, []).append(message)

    workspace_ids = {r.get("workspace_id") for r in records if isinstance(r, dict) and _is_int(r.get("workspace_id"))}
    workspace_ids = {w for w in workspace_ids if 0 < w < 2**63}
    workspaces = {
        w.pk: w for w in Workspace.objects.filter(pk__in=workspace_ids).select_related("account")
    }
    items = {i.code: i for i in BillingItem.objects.prefetch_related("storage_policies")}
    limits = {code: _max_quantity(item) for code, item in items.items()}
    now = timezone.now()
    parsed: list[UsageRow] = []
    seen: dict[tuple[int, int, date], int] = {}
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            err(index, "non_field_errors", "Each record is an object with workspace_id, item, day, quantity.")
            continue
        unknown = set(record) - {"workspace_id", "item", "day", "quantity"}
        for name in sorted(unknown):
            err(index, name, "Unknown field.")
        workspace = None
        raw_ws = record.get("workspace_id")
        if raw_ws is None:
            err(index, "workspace_id", "This field is required.")
        elif not _is_int(raw_ws):
            err(index, "workspace_id", "A workspace id is an integer.")
        else:
            workspace = workspaces.get(raw_ws)
            if workspace is None:
                err(index, "workspace_id", "Unknown workspace.")
            elif workspace.plan != WorkspacePlan.COMMERCIAL:
                err(index, "workspace_id", "This workspace is on the Free plan: its usage is not billed.")
                workspace = None
        item = None
        raw_item = record.get("item")
        if raw_item is None:
            err(index, "item", "This field is required.")
        elif not isinstance(raw_item, str) or raw_item not in items:
            err(index, "item", "Unknown billing item code.")
        else:
            item = items[raw_item]
        day = None
        raw_day = record.get("day")
        if raw_day is None:
            err(index, "day", "This field is required.")
        else:
            day = parse_day(raw_day)  # YYYY-MM-DD only (fromisoformat alone takes "20261201xx", "2026-W48-1")
            if day is None:
                err(index, "day", "A day is a date such as 2026-01-31.")
        if day is not None and workspace is not None:
            if day > days.account_today(workspace.account, now=now):
                err(index, "day", "This day has not begun yet in the account's time zone.")
                day = None
            elif day < days.local_date(workspace.account.created_at, workspace.account):
                err(index, "day", "This day is before the account existed.")
                day = None
        raw_quantity = record.get("quantity")
        quantity = None
        if raw_quantity is None:
            err(index, "quantity", "This field is required.")
        elif not _is_int(raw_quantity):
            err(index, "quantity", "A quantity is a whole number.")
        elif raw_quantity < 0:
            err(index, "quantity", "A quantity cannot be negative.")
        elif raw_quantity >= 2**62 or (item is not None and raw_quantity > limits[item.code]):
            limit = limits[item.code] if item is not None else 2**62 - 1
            err(index, "quantity", f"This quantity is larger than any real day of usage (at most {limit:,}).")
        else:
            quantity = raw_quantity
        if workspace is not None and item is not None and day is not None and quantity is not None:
            key = (workspace.pk, item.pk, day)
            if key in seen:
                err(index, "non_field_errors", f"Duplicate of record {seen[key]} (same workspace, item and day).")
                continue
            seen[key] = index
            if str(index) not in errors:
                parsed.append(UsageRow(workspace.account_id, workspace.pk, item.pk, day, quantity))
    if errors:
        raise Unprocessable(
            f"{len(errors)} of {len(records)} usage records are invalid; nothing was recorded.",
            code=QuotaErrorCode.INVALID_USAGE,
            fields={"records": errors},
        )
    locked = sorted({w.pk for w in workspaces.values() if w.status == WorkspaceStatus.LOCKED})
    if locked:
        raise Locked(
            "Workspace(s) {} are locked for unpaid arrears: their usage is refused until the account's "
            "owner recharges to pay the arrears. Nothing was recorded.".format(", ".join(map(str, locked))),
            code=QuotaErrorCode.WORKSPACE_LOCKED,
            fields={"workspace_id": locked},
        )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO quota_usagerecord (account_id, workspace_id, billing_item_id, day, quantity, updated_at)
            SELECT * , now() FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::date[], %s::bigint[])
            ON CONFLICT (workspace_id, billing_item_id, day)
            DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = now()
            WHERE quota_usagerecord.quantity IS DISTINCT FROM EXCLUDED.quantity
            """,
            [
                [r.account_id for r in parsed], [r.workspace_id for r in parsed],
                [r.billing_item_id for r in parsed], [r.day for r in parsed], [r.quantity for r in parsed],
            ],
        )
    return len(parsed)


# --- service tokens (the pipeline's credentials) ---------------------------------------------------------


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def service_token_create(*, name: str) -> tuple[ServiceToken, str]:
    """A new service token; the key is returned once and only its hash is stored."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ApplicationError(
            "A token needs a name of 1 to 100 characters.", code=QuotaErrorCode.INVALID, fields={"name": ["1 to 100."]}
        )
    if ServiceToken.objects.filter(name=name).exists():
        raise ApplicationError(
            f"A token named {name!r} exists.", code=QuotaErrorCode.DUPLICATE_TOKEN, fields={"name": ["Used."]}
        )
    key = secrets.token_urlsafe(32)
    token = ServiceToken.objects.create(name=name, key_hash=hash_key(key))
    return token, key
