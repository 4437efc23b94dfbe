"""Writes of the quota app: usage ingestion, the night (bills, settlement, arrears countdown), re-runs,
the arrears sweep (reminder and lock) and the unlock when arrears are paid. See docs/RULES-quota.md."""

from __future__ import annotations

import hashlib
import secrets
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from core.exceptions import ApplicationError, Locked, Unprocessable
from core.money import ZERO
from quota import engine, notifications
from quota.models import ServiceToken
from quota.signals import night_settled

CHUNK_SIZE = 500
MAX_USAGE_RECORDS = 5000
ADVISORY_NAMESPACE = 0x51A0  # pg_advisory_xact_lock(namespace, key): the quota night's locks


@dataclass
class BillOutcome:
    bill_id: int
    account_id: int
    total: Decimal
    charged_before: Decimal
    difference: Decimal


@dataclass
class NightResult:
    day: date
    accounts: int = 0
    bills: int = 0
    lines: int = 0  # lines inserted or changed (a re-run with unchanged usage writes none)
    charged: Decimal = ZERO
    credited: Decimal = ZERO
    settlements: int = 0
    countdowns_started: int = 0
    dry_run: bool = False
    outcomes: list[BillOutcome] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase (benchmark)

    def tick(self, phase: str, started: float) -> float:
        now = time.perf_counter()
        self.timings[phase] = self.timings.get(phase, 0.0) + now - started
        return now

    def add(self, other: NightResult) -> None:
        for phase, seconds in other.timings.items():
            self.timings[phase] = self.timings.get(phase, 0.0) + seconds
        self.accounts += other.accounts
        self.bills += other.bills
        self.lines += other.lines
        self.charged += other.charged
        self.credited += other.credited
        self.settlements += other.settlements
        self.countdowns_started += other.countdowns_started
        self.outcomes.extend(other.outcomes)


class _DryRunRollback(Exception):
    pass


def _chunk_lock_key(day: date, account_ids: Sequence[int]) -> int:
    digest = zlib.crc32(f"{day.isoformat()}:{','.join(map(str, account_ids))}".encode())
    return digest - 2**32 if digest >= 2**31 else digest


def night_run_chunk(
    *, day: date, account_ids: Sequence[int], dry_run: bool = False, actor: Any = None
) -> NightResult:
    """Day `day`'s night for these accounts, in one transaction: bill lines (one INSERT ... SELECT), bill
    totals, settlement of each bill's difference from what was already charged (settle_demands once for the
    chunk; settle_credit for a lower total), settlement records, arrears countdowns. Idempotent: running it
    again with unchanged usage charges nothing. With dry_run everything is rolled back (outcomes returned)."""
    ids = sorted({int(a) for a in account_ids})
    result = NightResult(day=day, accounts=len(ids), dry_run=dry_run)
    if not ids:
        return result
    if day >= timezone.now().date() + timedelta(days=2):  # no time zone is that far ahead
        raise Unprocessable("A night can only be run for a day that has begun.", code="day_in_future")
    try:
        with transaction.atomic():
            _run_chunk(day=day, ids=ids, dry_run=dry_run, actor=actor, result=result)
            if dry_run:
                raise _DryRunRollback
            settled_ids = list(ids)
            transaction.on_commit(
                lambda: night_settled.send_robust(sender=NightResult, day=day, account_ids=settled_ids)
            )
    except _DryRunRollback:
        pass
    return result


def _run_chunk(*, day: date, ids: list[int], dry_run: bool, actor: Any, result: NightResult) -> None:
    from payments.locks import lock_wallets
    from workspaces.models import Account

    t = time.perf_counter()
    # Only accounts whose local day `day` is over: a night run early (run_deduction --date today) must not
    # bill half a day nor mark the night done, or the real night would be skipped.
    now = timezone.now()
    ids[:] = [
        pk
        for pk, tz_name in Account.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "time_zone")
        if now.astimezone(_zone(tz_name)).date() > day
    ]
    result.accounts = len(ids)
    if not ids:
        return
    params: dict[str, Any] = {"day": day, "accounts": ids}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_NAMESPACE, _chunk_lock_key(day, ids)])
    # Lock order: wallets (by account id) first, then the documents (bills): a chunk and any other money
    # movement of the same accounts serialise here.
    lock_wallets(ids)
    t = result.tick("lock", t)
    with connection.cursor() as cursor:
        cursor.execute(engine.UPSERT_BILLS, params)
        t = result.tick("bills", t)
        cursor.execute(engine.HAS_LINES, params)
        rerun = cursor.fetchone()[0]
        if rerun:  # a re-run: drop stale lines, upsert the rest; the first run is a plain INSERT ... SELECT
            cursor.execute(engine.DELETE_STALE_LINES, params)
        t = result.tick("stale_lines", t)
        cursor.execute(engine.UPSERT_LINES if rerun else engine.INSERT_LINES, params)
        result.lines = cursor.rowcount
        t = result.tick("insert_lines", t)
        cursor.execute(engine.TOTAL_BILLS, params)
        rows = cursor.fetchall()
        t = result.tick("totals", t)
    result.bills = len(rows)
    demands: list[tuple[int, int, Decimal, Decimal, Decimal]] = []  # bill, account, diff, vp amount, new vpc
    credits: list[tuple[int, int, Decimal, Decimal]] = []  # bill, account, credit, new vpc
    for bill_id, account_id, total, vp_total, charged, vp_charged in rows:
        difference = total - charged
        if difference:
            result.outcomes.append(BillOutcome(bill_id, account_id, total, charged, difference))
        if difference > 0:
            vp_amount = min(difference, max(ZERO, vp_total - vp_charged))
            demands.append((bill_id, account_id, difference, vp_amount, vp_charged + vp_amount))
        elif difference < 0:
            credits.append((bill_id, account_id, -difference, min(vp_charged, vp_total)))
    result.charged = sum((d[2] for d in demands), ZERO)
    result.credited = sum((c[2] for c in credits), ZERO)
    if dry_run:
        return
    t = result.tick("demands", t)
    payments = _settle(demands=demands, credits=credits, actor=actor)
    t = result.tick("settle", t)
    settled = [(d[0], d[2], payments.get(d[0]), d[4]) for d in demands]
    settled += [(c[0], -c[2], payments.get(c[0]), c[3]) for c in credits]
    with connection.cursor() as cursor:
        if settled:
            bills = [s[0] for s in settled]
            cursor.execute(
                engine.INSERT_SETTLEMENTS,
                {"bills": bills, "amounts": [s[1] for s in settled], "payments": [s[2] for s in settled]},
            )
            cursor.execute(engine.MARK_CHARGED, {"bills": bills, "vpc": [s[3] for s in settled]})
        result.settlements = len(settled)
        cursor.execute(engine.MARK_NIGHTS, params)
        cursor.execute(engine.START_COUNTDOWNS, params)
        started = cursor.fetchall()
    result.countdowns_started = len(started)
    t = result.tick("record", t)
    if started:
        by_account: dict[int, list[int]] = {}
        for account_id, workspace_id in started:
            by_account.setdefault(account_id, []).append(workspace_id)
        notifications.countdown_started(workspaces_by_account=by_account)


def _settle(
    *,
    demands: list[tuple[int, int, Decimal, Decimal, Decimal]],
    credits: list[tuple[int, int, Decimal, Decimal]],
    actor: Any,
) -> dict[int, int | None]:
    """bill id -> payment id of its settlement (set-based for charges: one settle_demands for the chunk)."""
    from payments import services as payment_services
    from workspaces.models import Account

    payments: dict[int, int | None] = {}
    if demands:
        settlement_demands = [
            payment_services.SettlementDemand(
                account_id=account_id,
                amount=amount,
                voucher_payable_amount=vp_amount,
                source_type="bill",
                source_id=bill_id,
            )
            for bill_id, account_id, amount, vp_amount, _vpc in demands
        ]
        paid = payment_services.settle_demands(demands=settlement_demands, actor=actor)
        for bill_id, *_rest in demands:
            payments[bill_id] = paid.get(("bill", bill_id))
    if credits:  # a re-run that lowered a bill: rare, one call per bill
        accounts = Account.objects.in_bulk([c[1] for c in credits])
        for bill_id, account_id, amount, _vpc in credits:
            payment = payment_services.settle_credit(
                account=accounts[account_id], amount=amount, source_type="bill", source_id=bill_id
            )
            payments[bill_id] = getattr(payment, "pk", payment)
    return payments


def night_run(
    *,
    day: date,
    account_ids: Iterable[int] | None = None,
    dry_run: bool = False,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[Iterable[list[int]]], Iterable[list[int]]] | None = None,
    actor: Any = None,
) -> NightResult:
    """Day `day`'s night for the given accounts (default: every account), chunk by chunk (each chunk one
    transaction, as the Celery tasks do). `progress` may wrap the chunk iterator (tqdm)."""
    from workspaces.models import Account

    if account_ids is None:
        ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted({int(a) for a in account_ids})
    chunks = [ids[i : i + chunk_size] for i in range(0, len(ids), chunk_size)]
    total = NightResult(day=day, dry_run=dry_run)
    iterator: Iterable[list[int]] = progress(chunks) if progress else chunks
    for chunk in iterator:
        total.add(night_run_chunk(day=day, account_ids=chunk, dry_run=dry_run, actor=actor))
    return total


def bill_rerun(*, account_id: int, day: date, actor: Any = None) -> NightResult:
    """Re-run one account's night (admin action): bills only the difference from what was charged."""
    return night_run_chunk(day=day, account_ids=[account_id], actor=actor)


# --- nights due (the hourly beat) -------------------------------------------------------------------------


def nights_due(*, now: datetime | None = None, catch_up_days: int = 7) -> dict[date, list[int]]:
    """day -> account ids whose local day `day` is over and whose night has not run yet (up to
    `catch_up_days` back, never before the account existed)."""
    from workspaces.models import Account

    now = now or timezone.now()
    rows = Account.objects.values_list("pk", "time_zone", "created_at")
    marks = dict(_night_marks())
    due: dict[date, list[int]] = {}
    zones: dict[str, date] = {}
    for account_id, tz_name, created_at in rows:
        if tz_name not in zones:
            try:
                zones[tz_name] = now.astimezone(ZoneInfo(tz_name)).date()
            except Exception:  # an unknown zone: the default
                zones[tz_name] = now.astimezone(ZoneInfo("Asia/Shanghai")).date()
        today = zones[tz_name]
        yesterday = today - timedelta(days=1)
        created_day = timezone.localtime(created_at, _zone(tz_name)).date()
        first = max(created_day, yesterday - timedelta(days=catch_up_days - 1))
        last_done = marks.get(account_id)
        if last_done is not None:
            first = max(first, last_done + timedelta(days=1))
        day = first
        while day <= yesterday:
            due.setdefault(day, []).append(account_id)
            day += timedelta(days=1)
    return due


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:
        return ZoneInfo("Asia/Shanghai")


def _night_marks():
    from quota.models import NightMark

    return NightMark.objects.values_list("account_id", "last_day")


def late_usage_reruns(*, now: datetime | None = None, days_back: int = 7) -> dict[date, list[int]]:
    """day -> accounts whose usage changed after their bill of that day was computed, or arrived for a day
    whose night already ran without a bill (late usage): the hourly beat re-runs them, which settles only
    the difference. Timestamps are transaction start times, not commit order: a report whose transaction
    started up to 10 minutes before the bill was computed counts as possibly unseen (at most one extra
    re-run, which charges nothing if nothing changed)."""
    now = now or timezone.now()
    since = now.date() - timedelta(days=days_back + 1)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT u.day, u.account_id
            FROM quota_usagerecord u
            JOIN quota_nightmark m ON m.account_id = u.account_id AND u.day <= m.last_day
            LEFT JOIN quota_bill b ON b.account_id = u.account_id AND b.day = u.day
            WHERE u.day >= %s
              AND (b.id IS NULL OR u.updated_at > b.updated_at - interval '10 minutes')
            ORDER BY 1, 2
            """,
            [since],
        )
        due: dict[date, list[int]] = {}
        for day, account_id in cursor.fetchall():
            due.setdefault(day, []).append(account_id)
    return due


# --- usage ingestion ----------------------------------------------------------------------------------------


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
    from plans.models import BillingItem
    from workspaces.models import Workspace, WorkspacePlan, WorkspaceStatus

    if not isinstance(records, list) or not records:
        raise Unprocessable(
            "Send a non-empty list of usage records.", code="invalid_usage",
            fields={"records": ["A non-empty list is required."]},
        )
    if len(records) > MAX_USAGE_RECORDS:
        raise Unprocessable(
            f"At most {MAX_USAGE_RECORDS} records per request.", code="invalid_usage",
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
    parsed: list[tuple[int, int, int, date, int]] = []
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
            try:
                if not isinstance(raw_day, str) or len(raw_day) != 10:
                    raise ValueError
                day = date.fromisoformat(raw_day)
            except ValueError:
                err(index, "day", "A day is a date such as 2026-01-31.")
        if day is not None and workspace is not None:
            zone = _zone(workspace.account.time_zone)
            if day > now.astimezone(zone).date():
                err(index, "day", "This day has not begun yet in the account's time zone.")
                day = None
            elif day < timezone.localtime(workspace.account.created_at, zone).date():
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
                parsed.append((workspace.account_id, workspace.pk, item.pk, day, quantity))
    if errors:
        raise Unprocessable(
            f"{len(errors)} of {len(records)} usage records are invalid; nothing was recorded.",
            code="invalid_usage",
            fields={"records": errors},
        )
    locked = sorted({w.pk for w in workspaces.values() if w.status == WorkspaceStatus.LOCKED})
    if locked:
        raise Locked(
            "Workspace(s) {} are locked for unpaid arrears: their usage is refused until the account's "
            "owner recharges to pay the arrears. Nothing was recorded.".format(", ".join(map(str, locked))),
            code="workspace_locked",
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
            [[p[i] for p in parsed] for i in range(5)],
        )
    return len(parsed)


# --- service tokens -----------------------------------------------------------------------------------------


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def service_token_create(*, name: str) -> tuple[ServiceToken, str]:
    """A new service token; the key is returned once and only its hash is stored."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ApplicationError("A token needs a name of 1 to 100 characters.", fields={"name": ["1 to 100."]})
    if ServiceToken.objects.filter(name=name).exists():
        raise ApplicationError(f"A token named {name!r} exists.", code="duplicate_token", fields={"name": ["Used."]})
    key = secrets.token_urlsafe(32)
    token = ServiceToken.objects.create(name=name, key_hash=hash_key(key))
    return token, key


# --- arrears -----------------------------------------------------------------------------------------------


def workspaces_unlock(*, account_id: int) -> int:
    """Arrears paid: every workspace of the account in countdown or locked is active again, at once."""
    from workspaces.models import Workspace, WorkspaceStatus

    return Workspace.objects.filter(
        account_id=account_id, status__in=[WorkspaceStatus.COUNTDOWN, WorkspaceStatus.LOCKED]
    ).update(status=WorkspaceStatus.ACTIVE, countdown_started_at=None, countdown_reminded_at=None, locked_at=None)


def arrears_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The daily arrears task: reminders N days before the end of the countdown, locks after it, and
    countdowns of accounts whose arrears are already paid are cleared. Set-based."""
    from core.models import FinanceSettings
    from workspaces.models import Workspace, WorkspaceStatus

    now = now or timezone.now()
    settings = FinanceSettings.load()
    length = timedelta(days=settings.arrears_countdown_days)
    remind_at = length - timedelta(days=settings.arrears_reminder_days_before)
    with transaction.atomic():
        cleared = Workspace.objects.filter(
            status__in=[WorkspaceStatus.COUNTDOWN, WorkspaceStatus.LOCKED], account__wallet__arrears__lte=0
        ).values_list("account_id", flat=True).distinct()
        unlocked = 0
        for account_id in list(cleared):
            unlocked += workspaces_unlock(account_id=account_id)
        to_lock = list(
            Workspace.objects.filter(status=WorkspaceStatus.COUNTDOWN, countdown_started_at__lte=now - length)
            .order_by("pk")
            .values_list("account_id", "pk")
        )
        if to_lock:
            Workspace.objects.filter(pk__in=[w for _a, w in to_lock]).update(
                status=WorkspaceStatus.LOCKED, locked_at=now
            )
            notifications.workspaces_locked(workspaces_by_account=_group(to_lock))
        to_remind = list(
            Workspace.objects.filter(
                status=WorkspaceStatus.COUNTDOWN,
                countdown_reminded_at__isnull=True,
                countdown_started_at__lte=now - remind_at,
            )
            .order_by("pk")
            .values_list("account_id", "pk")
        )
        if to_remind:
            Workspace.objects.filter(pk__in=[w for _a, w in to_remind]).update(countdown_reminded_at=now)
            notifications.countdown_reminder(workspaces_by_account=_group(to_remind))
    return {"unlocked": unlocked, "locked": len(to_lock), "reminded": len(to_remind)}


def _group(pairs: list[tuple[int, int]]) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    for account_id, workspace_id in pairs:
        grouped.setdefault(account_id, []).append(workspace_id)
    return grouped
