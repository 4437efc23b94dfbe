"""The night (docs/RULES-quota.md "The night"): bill lines and bills of a day (the SQL of `quota.engine`), the
settlement of each bill's difference from what was already charged, the settlement records, the night marks,
and the arrears countdowns (`quota.arrears`). Also which nights are due (the hourly beat), re-runs of late
usage, and the admin's re-run of one account's day.

A chunk of accounts is one transaction. The steps pass typed, immutable rows to each other (`BillTotals` ->
`BillCharge` / `BillCredit` -> `BillSettled`), never anonymous tuples.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from core import days
from core.exceptions import Unprocessable
from core.money import ZERO
from payments.locks import lock_wallets
from payments.settlement import SettlementDemand, settle_demands
from payments.tenders import settle_credit
from quota import arrears, engine, partitions
from quota.error_codes import QuotaErrorCode
from quota.models import NightMark
from quota.signals import night_settled
from workspaces.models import Account

CHUNK_SIZE = 1000  # accounts per chunk, measured (BENCHMARKS.md "Chunk size"; docs/RULES-quota.md)
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


# --- the rows passed between the night's steps -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BillTotals:
    """One bill after `engine.TOTAL_BILLS`: its new totals and what earlier runs already charged."""

    bill_id: int
    account_id: int
    total: Decimal
    voucher_payable_total: Decimal
    charged: Decimal
    voucher_payable_charged: Decimal

    @property
    def difference(self) -> Decimal:
        return self.total - self.charged


@dataclass(frozen=True, slots=True)
class BillCharge:
    """A bill whose total rose: `amount` is taken from the wallet, of which at most `voucher_payable_amount`
    from vouchers; afterwards the bill has `voucher_payable_charged` charged to vouchers-payable items."""

    bill_id: int
    account_id: int
    amount: Decimal
    voucher_payable_amount: Decimal
    voucher_payable_charged: Decimal


@dataclass(frozen=True, slots=True)
class BillCredit:
    """A bill whose total fell (a re-run): `amount` goes back to the wallet."""

    bill_id: int
    account_id: int
    amount: Decimal
    voucher_payable_charged: Decimal


@dataclass(frozen=True, slots=True)
class BillSettled:
    """One settlement row to record: signed `amount` (credit negative) and the payment that moved it."""

    bill_id: int
    amount: Decimal
    payment_id: int | None
    voucher_payable_charged: Decimal


def charge_or_credit(bill: BillTotals) -> BillCharge | BillCredit | None:
    """What settling a bill's difference means: a charge (voucher-payable part capped by what is still
    voucher-payable), a credit, or nothing."""
    difference = bill.difference
    if difference > 0:
        vp_amount = min(difference, max(ZERO, bill.voucher_payable_total - bill.voucher_payable_charged))
        return BillCharge(
            bill_id=bill.bill_id,
            account_id=bill.account_id,
            amount=difference,
            voucher_payable_amount=vp_amount,
            voucher_payable_charged=bill.voucher_payable_charged + vp_amount,
        )
    if difference < 0:
        return BillCredit(
            bill_id=bill.bill_id,
            account_id=bill.account_id,
            amount=-difference,
            voucher_payable_charged=min(bill.voucher_payable_charged, bill.voucher_payable_total),
        )
    return None


# --- one chunk -----------------------------------------------------------------------------------------------


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
    # A bound, not an account's day: no time zone is two days ahead of UTC.
    if day >= timezone.now().date() + timedelta(days=2):
        raise Unprocessable("A night can only be run for a day that has begun.", code=QuotaErrorCode.DAY_IN_FUTURE)
    if partitions.day_was_dropped(day):  # a re-run without its usage would empty the bill
        raise Unprocessable("The raw usage of this day is no longer kept.", code=QuotaErrorCode.USAGE_DROPPED)
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


def _day_is_over(day: date, zone_name: str | None, now: datetime) -> bool:
    return days.local_today(zone_name, now=now) > day


def _run_chunk(*, day: date, ids: list[int], dry_run: bool, actor: Any, result: NightResult) -> None:
    t = time.perf_counter()
    # Only accounts whose local day `day` is over: a night run early (run_deduction --date today) must not
    # bill half a day nor mark the night done, or the real night would be skipped.
    now = timezone.now()
    ids[:] = [
        pk
        for pk, zone_name in Account.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "time_zone")
        if _day_is_over(day, zone_name, now)
    ]
    result.accounts = len(ids)
    if not ids:
        return
    params: dict[str, Any] = {"day": day, "accounts": ids}
    with connection.cursor() as cursor:
        # JIT compilation costs seconds per statement under load and never pays back on a chunk's few
        # thousand rows (BENCHMARKS.md "Where the night's time goes"): off for this transaction only.
        cursor.execute(
            "SET LOCAL jit = off; SELECT pg_advisory_xact_lock(%s, %s)",
            [ADVISORY_NAMESPACE, _chunk_lock_key(day, ids)],
        )
    # Lock order: wallets (by account id) first, then the documents (bills): a chunk and any other money
    # movement of the same accounts serialise here.
    lock_wallets(ids)
    t = result.tick("lock", t)
    with connection.cursor() as cursor:
        # The bills upserted and "was this chunk's day computed before?" in one round-trip.
        cursor.execute(engine.UPSERT_BILLS + ";" + engine.HAS_LINES, params)
        rerun = cursor.fetchone()[0]
        t = result.tick("bills", t)
        if rerun:  # a re-run: drop stale lines, upsert the rest; the first run is a plain INSERT ... SELECT
            cursor.execute(engine.DELETE_STALE_LINES, params)
        cursor.execute(engine.UPSERT_LINES if rerun else engine.INSERT_LINES, params)
        result.lines = cursor.rowcount
        t = result.tick("lines", t)
        cursor.execute(engine.TOTAL_BILLS, params)
        bills = [BillTotals(*row) for row in cursor.fetchall()]
        t = result.tick("totals", t)
    result.bills = len(bills)
    charges: list[BillCharge] = []
    credits: list[BillCredit] = []
    for bill in bills:
        if bill.difference:
            result.outcomes.append(
                BillOutcome(bill.bill_id, bill.account_id, bill.total, bill.charged, bill.difference)
            )
        settlement = charge_or_credit(bill)
        if isinstance(settlement, BillCharge):
            charges.append(settlement)
        elif isinstance(settlement, BillCredit):
            credits.append(settlement)
    result.charged = sum((c.amount for c in charges), ZERO)
    result.credited = sum((c.amount for c in credits), ZERO)
    if dry_run:
        return
    t = result.tick("demands", t)
    payments = _settle(charges=charges, credits=credits, actor=actor)
    t = result.tick("settle", t)
    settled = [BillSettled(c.bill_id, c.amount, payments.get(c.bill_id), c.voucher_payable_charged) for c in charges]
    settled += [BillSettled(c.bill_id, -c.amount, payments.get(c.bill_id), c.voucher_payable_charged) for c in credits]
    with connection.cursor() as cursor:  # one round-trip: settlement records, bills charged, night marks
        statements = [engine.MARK_NIGHTS]
        if settled:
            statements = [engine.INSERT_SETTLEMENTS, engine.MARK_CHARGED, engine.MARK_NIGHTS]
        cursor.execute(";".join(statements), {
            **params,
            "bills": [s.bill_id for s in settled],
            "amounts": [s.amount for s in settled],
            "payments": [s.payment_id for s in settled],
            "vpc": [s.voucher_payable_charged for s in settled],
        })
        result.settlements = len(settled)
    result.countdowns_started = arrears.countdowns_start(account_ids=ids)
    result.tick("record", t)


def _settle(*, charges: list[BillCharge], credits: list[BillCredit], actor: Any) -> dict[int, int | None]:
    """bill id -> payment id of its settlement (set-based for charges: one settle_demands for the chunk)."""
    payments: dict[int, int | None] = {}
    if charges:
        demands = [
            SettlementDemand(
                account_id=c.account_id,
                amount=c.amount,
                voucher_payable_amount=c.voucher_payable_amount,
                source_type="bill",
                source_id=c.bill_id,
            )
            for c in charges
        ]
        paid = settle_demands(demands=demands, actor=actor)
        for c in charges:
            payments[c.bill_id] = paid.get(("bill", c.bill_id))
    if credits:  # a re-run that lowered a bill: rare, one call per bill
        accounts = Account.objects.in_bulk([credit.account_id for credit in credits])
        for credit in credits:
            settle_credit(
                account=accounts[credit.account_id], amount=credit.amount, source_type="bill", source_id=credit.bill_id
            )
            payments[credit.bill_id] = None  # a credit goes to cash (settle_credit returns nothing): no Payment
    return payments


# --- many chunks ---------------------------------------------------------------------------------------------


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

# THE usage window (docs/RULES-quota.md "The usage window"): usage is accepted for the account's today and the
# USAGE_WINDOW_DAYS days before it, and the hourly beat catches up missed nights and re-runs late usage over
# the same days, so every record accepted is billed. quota.ingest refuses any other day.
USAGE_WINDOW_DAYS = 7


def nights_due(*, now: datetime | None = None, catch_up_days: int = USAGE_WINDOW_DAYS) -> dict[date, list[int]]:
    """day -> account ids whose local day `day` is over and whose night has not run yet (up to
    `catch_up_days` back, never before the account existed). Days are the accounts' own (core.days)."""
    now = now or timezone.now()
    rows = Account.objects.values_list("pk", "time_zone", "created_at")
    marks = dict(NightMark.objects.values_list("account_id", "last_day"))
    due: dict[date, list[int]] = {}
    todays: dict[str, date] = {}
    for account_id, zone_name, created_at in rows:
        if zone_name not in todays:
            todays[zone_name] = days.local_today(zone_name, now=now)
        yesterday = todays[zone_name] - timedelta(days=1)
        created_day = created_at.astimezone(days.zone(zone_name)).date()
        first = max(created_day, yesterday - timedelta(days=catch_up_days - 1))
        last_done = marks.get(account_id)
        if last_done is not None:
            first = max(first, last_done + timedelta(days=1))
        day = first
        while day <= yesterday:
            due.setdefault(day, []).append(account_id)
            day += timedelta(days=1)
    return due


def late_usage_reruns(*, now: datetime | None = None, days_back: int = USAGE_WINDOW_DAYS) -> dict[date, list[int]]:
    """day -> accounts whose usage changed after their bill of that day was computed, or arrived for a day
    whose night already ran without a bill (late usage): the hourly beat re-runs them, which settles only
    the difference. Timestamps are transaction start times, not commit order: a report whose transaction
    started up to 10 minutes before the bill was computed counts as possibly unseen (at most one extra
    re-run, which charges nothing if nothing changed)."""
    now = now or timezone.now()
    since = now.date() - timedelta(days=days_back + 1)  # a window bound (one day of slack), not an account day
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
