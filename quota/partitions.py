"""Monthly partitions of the usage table and of the bill lines table (docs/RULES-quota.md "Partitions and
queues").

`quota_usagerecord` is partitioned by RANGE on `day` (PostgreSQL declarative partitioning, migration
0005_usage_partitioned_by_month): one partition per calendar month, `quota_usagerecord_pYYYY_MM` holding
[first day, first day of the next month), and `quota_usagerecord_default` catching any day no month partition
covers. Django sees one ordinary managed table; the primary key in the database is (id, day) and the unique
(workspace, billing_item, day) includes the partition key, as PostgreSQL requires.

- `usage_partitions_ensure` creates the partitions of the vendor's current month and the months ahead (the
  daily beat task `quota.ensure_usage_partitions`, and the migration). Rows the default partition already
  holds for a new month are moved into it, so creating a partition never fails on them.
- `usage_retention` drops whole month partitions older than FinanceSettings.usage_retention_months (and
  deletes the default partition's rows of those months). Bills, bill lines and monthly bills are never
  touched: lines keep their own quantities. The earliest day still kept is recorded (a comment on the table)
  and a night for an older day is refused, because a re-run without usage would empty its bill.
- `quota_billline` is partitioned the same way on its `day` (migration 0010_bill_lines_partitioned_by_month):
  `quota_billline_pYYYY_MM` and `quota_billline_default`, created ahead by `bill_line_partitions_ensure` (the
  daily beat task `quota.ensure_bill_line_partitions`). Bill lines are never dropped: every month stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction

from core import days
from core.models import FinanceSettings

PARENT = "quota_usagerecord"
DEFAULT_PARTITION = f"{PARENT}_default"
LINES = "quota_billline"
MONTHS_AHEAD = 2
_BOUND = re.compile(r"FROM \('(\d{4}-\d{2}-\d{2})'\) TO \('(\d{4}-\d{2}-\d{2})'\)")
_RETAINED = re.compile(r"usage kept from (\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True, slots=True)
class Partition:
    name: str
    start: date  # first day of the month
    end: date  # first day of the next month (exclusive)


@dataclass
class RetentionResult:
    cutoff: date  # usage before this day is dropped
    dropped: list[str] = field(default_factory=list)
    rows_dropped: int = 0  # rows of the dropped partitions and old rows of the default partition
    dry_run: bool = False


def partition_name(month: date, parent: str = PARENT) -> str:
    return f"{parent}_p{month:%Y_%m}"


def partitions_list(parent: str = PARENT) -> list[Partition]:
    """The month partitions of the usage table (or of `parent`), oldest first (the default partition is not
    listed)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [parent],
        )
        rows = cursor.fetchall()
    found = []
    for name, bound in rows:
        match = _BOUND.search(bound or "")
        if match:
            found.append(Partition(name, date.fromisoformat(match[1]), date.fromisoformat(match[2])))
    return sorted(found, key=lambda p: p.start)


def _month_partition_create(cursor, month: date, parent: str = PARENT) -> None:
    """One month's partition. If the default partition holds rows of that month, they move into it first
    (PostgreSQL refuses to add a partition whose rows sit in the default one)."""
    name, start, end = partition_name(month, parent), month, days.next_month(month)
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {parent}_default WHERE day >= %s AND day < %s)", [start, end])
    if not cursor.fetchone()[0]:
        cursor.execute(f"CREATE TABLE {name} PARTITION OF {parent} FOR VALUES FROM (%s) TO (%s)", [start, end])
        return
    cursor.execute(f"CREATE TABLE {name} (LIKE {parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    cursor.execute(
        f"WITH moved AS (DELETE FROM {parent}_default WHERE day >= %s AND day < %s RETURNING *)"
        f" INSERT INTO {name} SELECT * FROM moved",
        [start, end],
    )
    # The bound as a check constraint lets ATTACH skip scanning the new partition.
    cursor.execute(f"ALTER TABLE {name} ADD CONSTRAINT {name}_bound CHECK (day >= %s AND day < %s)", [start, end])
    cursor.execute(f"ALTER TABLE {parent} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)", [start, end])
    cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {name}_bound")


def usage_partitions_ensure(*, months: list[date] | None = None, today: date | None = None,
                            ahead: int = MONTHS_AHEAD) -> list[str]:
    """Create the missing month partitions: by default the vendor's current month and `ahead` months after
    it (a tenant's day can be a day ahead of the vendor's). Returns the names created. Idempotent."""
    return _partitions_ensure(PARENT, months=months, today=today, ahead=ahead)


def bill_line_partitions_ensure(*, months: list[date] | None = None, today: date | None = None,
                                ahead: int = MONTHS_AHEAD) -> list[str]:
    """The same for the bill lines table (a night bills a day at most one day after the vendor's)."""
    return _partitions_ensure(LINES, months=months, today=today, ahead=ahead)


def _partitions_ensure(parent: str, *, months: list[date] | None, today: date | None, ahead: int) -> list[str]:
    if months is None:
        month = days.month_start(today or days.vendor_today())
        months = [month]
        for _ in range(ahead):
            month = days.next_month(month)
            months.append(month)
    with transaction.atomic(), connection.cursor() as cursor:
        # Waits for running nights and ingestion at most this long; the next beat tries again. Deferred
        # foreign-key checks of this transaction's own rows run now (a partition with pending ones cannot move).
        cursor.execute("SET LOCAL lock_timeout = '10s'; SET CONSTRAINTS ALL IMMEDIATE")
        existing = {p.start for p in partitions_list(parent)}
        created = []
        for month in sorted({days.month_start(m) for m in months} - existing):
            _month_partition_create(cursor, month, parent)
            created.append(partition_name(month, parent))
    return created


def retention_cutoff(*, months: int, today: date | None = None) -> date:
    """The first day kept when `months` whole months before the current one are kept."""
    month = days.month_start(today or days.vendor_today())
    for _ in range(months):
        month = days.previous_month(month)
    return month


def usage_kept_from() -> date | None:
    """The earliest usage day retention has kept (None: retention never dropped anything)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT obj_description(%s::regclass, 'pg_class')", [PARENT])
        match = _RETAINED.search(cursor.fetchone()[0] or "")
    return date.fromisoformat(match[1]) if match else None


def usage_retention(*, months: int | None = None, today: date | None = None, dry_run: bool = False) -> RetentionResult:
    """Drop the raw usage older than `months` whole months (default FinanceSettings.usage_retention_months):
    every month partition that ends on or before the cutoff, and the default partition's rows before it.
    Bills and their lines stay. With dry_run nothing changes (what would be dropped is returned)."""
    if months is None:
        months = FinanceSettings.load().usage_retention_months
    if months < 1:
        raise ValueError("usage retention must keep at least one month before the current one")
    cutoff = retention_cutoff(months=months, today=today)
    result = RetentionResult(cutoff=cutoff, dry_run=dry_run)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '10s'; SET CONSTRAINTS ALL IMMEDIATE")
        for partition in partitions_list():
            if partition.end <= cutoff:
                cursor.execute(f"SELECT count(*) FROM {partition.name}")
                result.rows_dropped += cursor.fetchone()[0]
                result.dropped.append(partition.name)
        cursor.execute(f"SELECT count(*) FROM {DEFAULT_PARTITION} WHERE day < %s", [cutoff])
        old_default_rows = cursor.fetchone()[0]
        result.rows_dropped += old_default_rows
        if dry_run:
            return result
        for name in result.dropped:
            cursor.execute(f"ALTER TABLE {PARENT} DETACH PARTITION {name}")
            cursor.execute(f"DROP TABLE {name}")
        if old_default_rows:
            cursor.execute(f"DELETE FROM {DEFAULT_PARTITION} WHERE day < %s", [cutoff])
        kept = usage_kept_from()
        if kept is None or cutoff > kept:
            cursor.execute(f"COMMENT ON TABLE {PARENT} IS 'usage kept from {cutoff.isoformat()} (usage_retention)'")
    return result


def day_was_dropped(day: date) -> bool:
    """Whether retention dropped the raw usage of this day (a night for it must not run: it would empty the
    bill)."""
    kept = usage_kept_from()
    return kept is not None and day < kept
