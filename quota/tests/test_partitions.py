"""The usage table partitioned by month (quota/partitions.py): partitions ahead, rows moved out of the default
partition, the night's statements pruned to the day's partition (EXPLAIN), retention that drops old raw usage
while bills and lines stay, and the data migration that keeps every row."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django_celery_beat.models import PeriodicTask

from core.exceptions import Unprocessable
from core.models import FinanceSettings
from plans.models import BillingItem
from quota import engine, partitions, tasks
from quota.error_codes import QuotaErrorCode
from quota.models import Bill, BillLine, UsageRecord
from quota.night import bill_rerun, night_run_chunk
from quota.reconcile import check_bills
from quota.tests import factories as f
from tests.factories import AccountFactory, WorkspaceFactory

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 12, 1)
OLD_DAY = date(2025, 6, 10)  # 18 months back: dropped by a 13-month retention
RECENT_DAY = date(2026, 11, 20)


def _partition_of(record: UsageRecord) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM quota_usagerecord WHERE id = %s", [record.pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_usage_table_is_partitioned_by_month_with_a_default_partition():
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = 'quota_usagerecord'::regclass")
        assert cursor.fetchone()[0] == "p"
        cursor.execute("SELECT pg_get_partkeydef('quota_usagerecord'::regclass)")
        assert cursor.fetchone()[0] == "RANGE (day)"
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'quota_usagerecord'::regclass AND c.relpartbound IS NOT NULL"
            " AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'"
        )
        assert cursor.fetchone()[0] == partitions.DEFAULT_PARTITION
    assert partitions.partitions_list()  # the migration created the current months


@pytest.mark.django_db
def test_ensure_creates_the_months_ahead_and_moves_rows_out_of_the_default_partition(account):
    ws = WorkspaceFactory(account=account)
    far = date(2031, 3, 15)
    record = f.usage(ws, "log", far, 10)
    assert _partition_of(record) == partitions.DEFAULT_PARTITION
    before = UsageRecord.objects.count()

    created = partitions.usage_partitions_ensure(today=date(2031, 2, 20))
    assert created == ["quota_usagerecord_p2031_02", "quota_usagerecord_p2031_03", "quota_usagerecord_p2031_04"]
    assert _partition_of(record) == "quota_usagerecord_p2031_03"
    assert UsageRecord.objects.count() == before
    assert partitions.usage_partitions_ensure(today=date(2031, 2, 20)) == []  # idempotent
    # Upserts (the ingestion's ON CONFLICT) still find the row through the partitioned unique index.
    f.usage(ws, "log", far, 12)
    assert UsageRecord.objects.get(pk=record.pk).quantity == 12


@pytest.mark.django_db
def test_the_beat_task_creates_the_partitions_ahead(monkeypatch):
    monkeypatch.setattr(partitions.days, "vendor_today", lambda **kw: date(2032, 7, 4))
    assert tasks.ensure_usage_partitions.delay().get() == [
        "quota_usagerecord_p2032_07", "quota_usagerecord_p2032_08", "quota_usagerecord_p2032_09"]

    assert PeriodicTask.objects.filter(task="quota.ensure_usage_partitions", enabled=True).exists()


def _usage_relations(sql: str, params: dict) -> tuple[set[str], str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (COSTS OFF) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The relations scanned (an index scan names its index, which names its partition).
    return set(re.findall(r"\b(?:on|Scan using \w+ on) (quota_usagerecord\w*)", plan)), plan


@pytest.mark.django_db
def test_the_nights_statements_prune_to_the_days_partition(account):
    day = date(2030, 5, 17)
    partitions.usage_partitions_ensure(months=[date(2030, 4, 1), date(2030, 5, 1), date(2030, 6, 1)])
    ws = WorkspaceFactory(account=account)
    for d in (date(2030, 4, 30), day, date(2030, 6, 1)):
        f.usage(ws, "log", d, 1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE quota_usagerecord")
    params = {"day": day, "accounts": [account.pk]}
    plans = []
    for name in ("ALLOCATION_SELECT", "UPSERT_BILLS", "INSERT_LINES", "DELETE_STALE_LINES"):
        relations, plan = _usage_relations(getattr(engine, name), params)
        assert relations == {"quota_usagerecord_p2030_05"}, (name, plan)
        plans.append(f"-- engine.{name}, day {day}\n{plan}")
    artifact = ROOT / "artifacts" / "explain" / "usage_partition_pruning.txt"
    artifact.parent.mkdir(parents=True, exist_ok=True)
    artifact.write_text("\n\n".join(plans) + "\n")


@pytest.mark.django_db
def test_retention_drops_only_old_partitions_and_bills_and_lines_stay(account, monkeypatch):
    monkeypatch.setattr(partitions.days, "vendor_today", lambda **kw: TODAY)
    partitions.usage_partitions_ensure(months=[date(2025, 6, 1), date(2025, 11, 1), date(2026, 11, 1)])
    ws = WorkspaceFactory(account=account)
    f.fund_cash(account, "1000.00")
    f.usage(ws, "datakit", OLD_DAY, 2)
    f.usage(ws, "datakit", date(2025, 11, 3), 1)  # the first month kept by 13 months
    f.usage(ws, "datakit", RECENT_DAY, 3)
    f.usage(ws, "datakit", date(2024, 2, 2), 4)  # no month partition: in the default partition
    for day in (OLD_DAY, RECENT_DAY):
        night_run_chunk(day=day, account_ids=[account.pk])
    bills = list(Bill.objects.order_by("day").values_list("day", "total", "charged"))
    lines = list(BillLine.objects.order_by("bill__day").values_list("bill__day", "usage", "amount"))
    assert len(bills) == 2 and lines[0][1] == 2
    assert FinanceSettings.load().usage_retention_months == 13

    out = StringIO()
    call_command("usage_retention", "--dry-run", stdout=out)
    assert "would drop quota_usagerecord_p2025_06 (2 rows)" in out.getvalue()
    assert UsageRecord.objects.count() == 4 and partitions.usage_kept_from() is None

    call_command("usage_retention", stdout=out)
    assert "usage before 2025-11-01: dropped quota_usagerecord_p2025_06 (2 rows)" in out.getvalue()
    names = {p.name for p in partitions.partitions_list()}
    assert "quota_usagerecord_p2025_06" not in names
    assert {"quota_usagerecord_p2025_11", "quota_usagerecord_p2026_11"} <= names
    assert sorted(UsageRecord.objects.values_list("day", flat=True)) == [date(2025, 11, 3), RECENT_DAY]
    # Bills and lines stay as they were (lines keep their quantities); reconcile is clean.
    assert list(Bill.objects.order_by("day").values_list("day", "total", "charged")) == bills
    assert list(BillLine.objects.order_by("bill__day").values_list("bill__day", "usage", "amount")) == lines
    assert check_bills() == []
    out = StringIO()
    call_command("reconcile", stdout=out, stderr=out)
    # A night for a dropped day is refused (it would empty the bill); a kept day re-runs as before.
    with pytest.raises(Unprocessable) as refused:
        bill_rerun(account_id=account.pk, day=OLD_DAY)
    assert refused.value.code == QuotaErrorCode.USAGE_DROPPED
    assert bill_rerun(account_id=account.pk, day=RECENT_DAY).charged == Decimal("0")
    # Idempotent, and a smaller retention later moves the mark forward.
    assert partitions.usage_retention().dropped == []
    assert partitions.usage_retention(months=1).dropped == ["quota_usagerecord_p2025_11"]
    assert partitions.usage_kept_from() == date(2026, 11, 1)


@pytest.mark.django_db
def test_retention_refuses_to_drop_everything():
    with pytest.raises(Exception, match="at least 1"):
        call_command("usage_retention", "--months", "0")


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_keeps_every_row(catalogue, account):
    """Back to the plain table and forward again: every row, id and value survives both ways, and new ids
    continue after the old ones."""

    ws = WorkspaceFactory(account=account)
    for n, day in enumerate((date(2024, 1, 31), date(2026, 6, 15), date(2026, 12, 1), date(2040, 1, 1)), start=1):
        f.usage(ws, "log", day, n * 100)
        f.usage(ws, "apm", day, n)
    snapshot = sorted(UsageRecord.objects.values_list("id", "day", "quantity", "workspace_id", "billing_item_id"))
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()  # every app's latest, put back afterwards
    try:
        executor.migrate([("quota", "0004_bill_line_references")])
        with connection.cursor() as cursor:
            cursor.execute("SELECT relkind FROM pg_class WHERE oid = 'quota_usagerecord'::regclass")
            assert cursor.fetchone()[0] == "r"
        assert sorted(UsageRecord.objects.values_list("id", "day", "quantity", "workspace_id",
                                                      "billing_item_id")) == snapshot
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = 'quota_usagerecord'::regclass")
        assert cursor.fetchone()[0] == "p"
    assert sorted(UsageRecord.objects.values_list("id", "day", "quantity", "workspace_id",
                                                  "billing_item_id")) == snapshot
    assert {p.start for p in partitions.partitions_list()} >= {date(2024, 1, 1), date(2026, 6, 1), date(2040, 1, 1)}
    newer = f.usage(ws, "rum", date(2026, 6, 15), 5)
    assert newer.pk > max(row[0] for row in snapshot)


def _insert_and_check_now(**fields) -> None:
    """Insert a usage record and check the deferred constraints at once, in a savepoint."""
    with transaction.atomic():
        UsageRecord.objects.create(quantity=1, **fields)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
def test_a_usage_record_s_account_is_its_workspace_s_account(catalogue):
    """One composite foreign key (workspace_id, account_id) -> the workspace (migration 0008): a record whose
    account is not its workspace's account, or whose workspace does not exist, is refused by the database."""
    workspace = WorkspaceFactory()
    other = AccountFactory()
    item = BillingItem.objects.get(code="log")
    day = date.today()
    for account_id, workspace_id in ((other.pk, workspace.pk), (workspace.account_id, 2**40)):
        with pytest.raises(IntegrityError):
            _insert_and_check_now(account_id=account_id, workspace_id=workspace_id, billing_item=item, day=day)
    UsageRecord.objects.create(account_id=workspace.account_id, workspace=workspace, billing_item=item, day=day,
                               quantity=1)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert UsageRecord.objects.count() == 1
