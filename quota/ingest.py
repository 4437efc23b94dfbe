"""Usage ingestion (docs/RULES-quota.md "Usage"): the metering pipeline's batches of usage records. A malformed
batch is refused whole; a well-formed one stores its billable records (upserted per workspace, item and day)
and answers the others as refused, one by one. And the service tokens the pipeline authenticates with."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.db import connection
from django.utils import timezone

from core import days
from core.exceptions import ApplicationError, Unprocessable
from core.parsing import parse_day
from plans.models import BillingItem
from plans.selectors import ingestion_bounds
from quota.error_codes import QuotaErrorCode
from quota.models import ServiceToken
from quota.night import USAGE_WINDOW_DAYS
from workspaces.models import Workspace, WorkspacePlan, WorkspaceStatus

MAX_USAGE_RECORDS = 5000


# The largest amount one bill line may reach. Far above any real day (the Enterprise package is 510,000 a
# year), it keeps converted quantities inside bigint and bill totals inside the money columns, so one absurd
# report is refused at ingestion instead of failing a whole chunk of the night.
MAX_LINE_AMOUNT = Decimal("10000000")


def _max_quantity(item: BillingItem, bounds: dict[int, tuple[Decimal, int]]) -> int:
    """The largest quantity of `item` one record may carry, from the highest price and factor any version of
    its policies has (plans.selectors.ingestion_bounds)."""
    price, factor = bounds.get(item.pk, (Decimal(0), 1))
    by_amount = int(MAX_LINE_AMOUNT * item.pricing_unit / price) if price > 0 else 2**62
    return min(by_amount, (2**62 - 1) // factor)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A well-formed record that cannot be billed: its index in the batch, a code (QuotaErrorCode) and why."""

    index: int
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class IngestResult:
    accepted: int
    refused: list[Refusal]


@dataclass(frozen=True, slots=True)
class _Window:
    """What a workspace accepts, worked out once per workspace and batch: a refusal of the workspace itself
    (Free, locked), else the days [first, today] of the usage window and the first Commercial day."""

    refusal: tuple[str, str] | None
    today: date | None = None
    first: date | None = None
    commercial_day: date | None = None


@dataclass(frozen=True, slots=True)
class _Workspace:
    """What ingestion reads of a workspace and its account (one row each, no model instances). `time_zone`
    is the account's, so core.days takes it for the account."""

    pk: int
    account_id: int
    plan: str
    status: str
    commercial_since: datetime | None
    time_zone: str
    account_created_at: datetime


def _workspaces(ids: set[int]) -> dict[int, _Workspace]:
    rows = Workspace.objects.filter(pk__in=ids).values_list(
        "pk", "account_id", "plan", "status", "commercial_since", "account__time_zone", "account__created_at")
    return {row[0]: _Workspace(*row) for row in rows}


def _window(workspace: _Workspace, now: datetime) -> _Window:
    account = workspace  # its time_zone is the account's
    if workspace.plan != WorkspacePlan.COMMERCIAL:
        return _Window((QuotaErrorCode.WORKSPACE_FREE,
                        f"Workspace {workspace.pk} is on the Free plan: its usage is not billed."))
    if workspace.status == WorkspaceStatus.LOCKED:
        return _Window((QuotaErrorCode.WORKSPACE_LOCKED,
                        f"Workspace {workspace.pk} is locked for unpaid arrears: its usage is refused until the "
                        "account's owner recharges to pay the arrears."))
    today = days.account_today(account, now=now)
    commercial_day = max(
        # a Commercial workspace has its commercial_since
        days.local_date(cast(datetime, workspace.commercial_since), account),
        days.local_date(workspace.account_created_at, account),
    )
    return _Window(None, today, today - timedelta(days=USAGE_WINDOW_DAYS), commercial_day)


def _reason(workspace: _Workspace, day: date, window: _Window) -> tuple[str, str] | None:
    """Why a well-formed record of `workspace` on `day` cannot be billed (docs/RULES-quota.md "Usage"): a code
    and a message, or None. Checked in this order: Free workspace, locked workspace, future day, day before the
    usage window, day before Commercial. The same for every record of the workspace and day in a batch."""
    if window.refusal is not None:
        return window.refusal
    # no refusal: the window has its days
    today, first, commercial_day = cast(date, window.today), cast(date, window.first), cast(date, window.commercial_day)
    if day > today:
        return (QuotaErrorCode.DAY_IN_FUTURE,
                f"{day} has not begun yet in the account's time zone (today is {today}).")
    if day < first:
        return (QuotaErrorCode.DAY_OUTSIDE_WINDOW,
                f"{day} is outside the usage window: usage is accepted for {first} to {today} "
                f"(today and the {USAGE_WINDOW_DAYS} days before, in the account's time zone).")
    if day < commercial_day:
        return (QuotaErrorCode.DAY_BEFORE_COMMERCIAL,
                f"{day} is before workspace {workspace.pk} became Commercial ({window.commercial_day}).")
    return None


def usage_ingest(*, records: Any, now: datetime | None = None) -> IngestResult:
    """Validate a batch of usage records and upsert the billable ones per (workspace, item, day).

    A malformed batch (not a list, too long, any record malformed, unknown workspace or item, duplicates) is
    all-or-nothing: Unprocessable (422) with per-record errors, nothing written. A well-formed batch writes
    every billable record and returns the others as refusals (Free or locked workspace, a day not begun, a day
    outside the usage window, a day before the workspace became Commercial): no record is accepted that the
    night would not bill."""
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

    workspace_ids = {r["workspace_id"] for r in records if isinstance(r, dict) and _is_int(r.get("workspace_id"))}
    workspace_ids = {w for w in workspace_ids if 0 < w < 2**63}
    workspaces = _workspaces(workspace_ids)
    items = {i.code: i for i in BillingItem.objects.all()}
    bounds = ingestion_bounds()
    limits = {code: _max_quantity(item, bounds) for code, item in items.items()}
    # per batch: each item's (id, largest quantity), each day text parsed once
    item_limits = {code: (item.pk, limits[code]) for code, item in items.items()}
    day_of: dict[str, date | None] = {}
    now = now or timezone.now()
    windows: dict[int, _Window] = {}  # per workspace, once per batch (time zones are the slow part)
    reasons: dict[tuple[int, date], tuple[str, str] | None] = {}  # per workspace and day, once per batch
    rows = _Columns()  # the accepted records
    refused: list[Refusal] = []
    seen: dict[tuple[int, int, date], int] = {}
    for index, record in enumerate(records):
        # The fast path: a well-formed record of a known workspace and item (the usual case), checked with the
        # same rules as the full path below, which handles every other record and says what is wrong.
        if type(record) is dict and record.keys() == _FIELDS:
            raw_ws, raw_item, raw_day, raw_quantity = (
                record["workspace_id"], record["item"], record["day"], record["quantity"])
            if (type(raw_ws) is int and type(raw_quantity) is int and type(raw_item) is str
                    and type(raw_day) is str and raw_ws in workspaces and raw_item in item_limits):
                day = day_of[raw_day] if raw_day in day_of else day_of.setdefault(raw_day, parse_day(raw_day))
                item_id, limit = item_limits[raw_item]
                if day is not None and 0 <= raw_quantity <= limit and (raw_ws, item_id, day) not in seen:
                    seen[(raw_ws, item_id, day)] = index
                    workspace = workspaces[raw_ws]
                    reason = _reason_for(workspace, day, now, windows, reasons)
                    if reason is not None:
                        refused.append(Refusal(index, *reason))
                    else:  # parse_day took YYYY-MM-DD only: the text is the day's ISO form
                        rows.add(workspace.account_id, raw_ws, item_id, raw_day, raw_quantity)
                    continue
        if not isinstance(record, dict):
            err(index, "non_field_errors", "Each record is an object with workspace_id, item, day, quantity.")
            continue
        unknown = set(record) - _FIELDS
        for name in sorted(unknown):
            err(index, name, "Unknown field.")
        found: _Workspace | None = None
        raw_ws = record.get("workspace_id")
        if raw_ws is None:
            err(index, "workspace_id", "This field is required.")
        elif not _is_int(raw_ws):
            err(index, "workspace_id", "A workspace id is an integer.")
        else:
            found = workspaces.get(raw_ws)
            if found is None:
                err(index, "workspace_id", "Unknown workspace.")
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
        if found is not None and item is not None and day is not None and quantity is not None:
            key = (found.pk, item.pk, day)
            if key in seen:
                err(index, "non_field_errors", f"Duplicate of record {seen[key]} (same workspace, item and day).")
                continue
            seen[key] = index
            if str(index) in errors:
                continue
            reason = _reason_for(found, day, now, windows, reasons)
            if reason is not None:
                refused.append(Refusal(index, *reason))
            else:
                rows.add(found.account_id, found.pk, item.pk, day.isoformat(), quantity)
    if errors:
        raise Unprocessable(
            f"{len(errors)} of {len(records)} usage records are invalid; nothing was recorded.",
            code=QuotaErrorCode.INVALID_USAGE,
            fields={"records": errors},
        )
    if rows.count:
        _upsert(rows)
    return IngestResult(accepted=rows.count, refused=refused)


_FIELDS = frozenset({"workspace_id", "item", "day", "quantity"})


def _reason_for(workspace: _Workspace, day: date, now: datetime, windows: dict[int, _Window],
                reasons: dict[tuple[int, date], tuple[str, str] | None]) -> tuple[str, str] | None:
    """_reason, worked out once per workspace and day of a batch (its window once per workspace)."""
    key = (workspace.pk, day)
    if key not in reasons:
        window = windows.get(workspace.pk)
        if window is None:
            window = windows[workspace.pk] = _window(workspace, now)
        reasons[key] = _reason(workspace, day, window)
    return reasons[key]


class _Columns:
    """Accepted records by column, for the upsert's arrays: ids and quantities as ints, days as YYYY-MM-DD."""

    __slots__ = ("accounts", "days", "items", "quantities", "workspaces")

    def __init__(self) -> None:
        self.accounts: list[int] = []
        self.workspaces: list[int] = []
        self.items: list[int] = []
        self.days: list[str] = []
        self.quantities: list[int] = []

    @property
    def count(self) -> int:
        return len(self.accounts)

    def add(self, account_id: int, workspace_id: int, item_id: int, day: str, quantity: int) -> None:
        self.accounts.append(account_id)
        self.workspaces.append(workspace_id)
        self.items.append(item_id)
        self.days.append(day)
        self.quantities.append(quantity)


_UPSERT = """
    INSERT INTO quota_usagerecord (account_id, workspace_id, billing_item_id, day, quantity, updated_at)
    SELECT account_id, workspace_id, billing_item_id, day, quantity, now()
    FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::date[], %s::bigint[])
        AS batch (account_id, workspace_id, billing_item_id, day, quantity)
    ON CONFLICT (workspace_id, billing_item_id, day)
    DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = now()
    WHERE quota_usagerecord.quantity IS DISTINCT FROM EXCLUDED.quantity
"""


def _upsert(rows: _Columns) -> None:
    """One statement: the columns go as five array literals (text such as {1,2,3}, which PostgreSQL parses
    faster than the driver adapts lists, and every value is an int or a YYYY-MM-DD day, so nothing needs
    quoting), unnested and upserted per (workspace, item, day). No temporary table: no catalog writes per
    request (BENCHMARKS.md "Where the time goes")."""
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [
            "{" + ",".join(map(str, rows.accounts)) + "}", "{" + ",".join(map(str, rows.workspaces)) + "}",
            "{" + ",".join(map(str, rows.items)) + "}", "{" + ",".join(rows.days) + "}",
            "{" + ",".join(map(str, rows.quantities)) + "}",
        ])


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
