"""Bill lines partitioned by month on their bill's day (migration 0009, quota/partitions.py): the day kept equal
to the bill's by the database, partitions ahead, the data migration that keeps every row both ways, and every
page's and export's read of lines pruned to the months it needs (EXPLAIN)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django_celery_beat.models import PeriodicTask

from core.days import month_end
from quota import engine, night, partitions, selectors, tasks
from quota.models import Bill, BillLine
from quota.tests import factories as f
from tests.factories import WorkspaceFactory

MONTHS = [date(2026, m, 1) for m in range(1, 13)]
SEPT = date(2026, 9, 1)
DAYS = (date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 17), date(2026, 9, 30), date(2026, 10, 1))


def _partitions_read(plan: str) -> set[str]:
    return set(re.findall(r"\b(quota_billline_(?:p\d{4}_\d{2}|default))\b", plan))


def _bill_a_few_days(account) -> list:
    f.fund_cash(account, "100000.00")
    workspaces = [WorkspaceFactory(account=account), WorkspaceFactory(account=account)]
    for day in DAYS:
        for ws in workspaces:
            f.usage(ws, "log", day, 5_000_000)
            f.usage(ws, "apm", day, 20)
        night.night_run_chunk(day=day, account_ids=[account.pk])
    return workspaces


@pytest.fixture
def billed(account):
    partitions.bill_line_partitions_ensure(months=MONTHS)
    partitions.usage_partitions_ensure(months=MONTHS)
    _bill_a_few_days(account)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE quota_billline; ANALYZE quota_bill")
    return account


@pytest.mark.django_db
def test_lines_are_partitioned_by_day_and_carry_their_bill_s_day(billed):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_partkeydef('quota_billline'::regclass)")
        assert cursor.fetchone()[0] == "RANGE (day)"
        cursor.execute("SELECT DISTINCT tableoid::regclass::text FROM quota_billline WHERE day = %s", [DAYS[2]])
        assert cursor.fetchall() == [("quota_billline_p2026_09",)]
    lines = BillLine.objects.filter(bill__account=billed).select_related("bill")
    assert lines.count() == len(DAYS) * 4
    assert all(line.day == line.bill.day for line in lines)


@pytest.mark.django_db
def test_the_database_refuses_a_line_whose_day_is_not_its_bill_s(billed):
    line = BillLine.objects.filter(bill__account=billed, day=DAYS[2]).first()
    with pytest.raises(IntegrityError, match="its bill's day"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE quota_billline SET day = %s WHERE id = %s", [DAYS[3], line.pk])
    with pytest.raises(IntegrityError, match="its bill's day"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO quota_billline (bill_id, day, workspace_id, billing_item_id, storage_policy_id, usage,"
            " factor, converted, covered_by_package, covered_by_traffic, overage, unit_price, amount)"
            " SELECT bill_id, %s, workspace_id, billing_item_id, storage_policy_id, usage, factor, converted,"
            " 0, 0, 0, 0, 0 FROM quota_billline WHERE id = %s",
            [date(2026, 9, 2), line.pk],
        )
    with pytest.raises(IntegrityError, match="keeps its day"), transaction.atomic():
        Bill.objects.filter(pk=line.bill_id).update(day=date(2026, 9, 2))
    assert BillLine.objects.get(pk=line.pk).day == DAYS[2]


@pytest.mark.django_db
def test_ensure_creates_bill_line_partitions_ahead_and_the_beat_runs_it(monkeypatch):
    monkeypatch.setattr(partitions.days, "vendor_today", lambda **kw: date(2033, 11, 4))
    assert tasks.ensure_bill_line_partitions.delay().get() == [
        "quota_billline_p2033_11", "quota_billline_p2033_12", "quota_billline_p2034_01"]
    assert partitions.bill_line_partitions_ensure(today=date(2033, 11, 4)) == []
    assert PeriodicTask.objects.get(task="quota.ensure_bill_line_partitions").enabled


def _explain(queryset) -> str:
    return queryset.explain()


@pytest.mark.django_db
def test_every_page_and_export_reads_only_the_months_it_needs(billed):
    """EXPLAIN of each read of lines names only the partitions of its days."""
    sept_end = month_end(SEPT)
    plans = {}
    # the bills list's lines (prefetched with the same range as the bills) and the CSV export of a month
    bills = list(selectors.bills_daily(account=billed, date_from=SEPT, date_to=sept_end))
    prefetch = BillLine.objects.filter(bill__in=bills, day__gte=SEPT, day__lte=sept_end)
    plans["bills_daily lines"] = (_explain(prefetch), {"quota_billline_p2026_09"})
    (month,) = selectors.bill_lines_export_months(account=billed, date_from=SEPT, date_to=sept_end)
    plans["export of a month"] = (_explain(month), {"quota_billline_p2026_09"})
    year = list(selectors.bill_lines_export_months(account=billed, date_from=date(2026, 1, 1),
                                                   date_to=date(2026, 12, 31)))
    assert len(year) == 3  # one query per month that has bills, newest first, each on its own partition
    for number, queryset in zip((10, 9, 8), year, strict=True):
        plans[f"export of a year, month {number}"] = (_explain(queryset), {f"quota_billline_p2026_{number:02d}"})
    assert len(list(selectors.bill_lines_export(account=billed, date_from=date(2026, 1, 1),
                                                date_to=date(2026, 12, 31)))) == len(DAYS) * 4
    assert month.count() == 3 * 4
    # a bill's page: its day only
    bill = Bill.objects.get(account=billed, day=DAYS[2])
    detail = selectors.bill_detail(account=billed, bill_id=bill.pk)
    assert len(detail.lines.all()) == 4
    lines = BillLine.objects.filter(bill_id=bill.pk, day=bill.day)
    plans["bill detail"] = (_explain(lines), {"quota_billline_p2026_09"})
    # usage against quota (a range) and the monthly bill's sums
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + selectors.QUOTA_BY_DAY,
                       {"account": billed.pk, "start": date(2026, 9, 10), "end": date(2026, 9, 20)})
        plans["usage page"] = ("\n".join(r[0] for r in cursor.fetchall()), {"quota_billline_p2026_09"})
        cursor.execute("EXPLAIN " + engine.TOTAL_BILLS, {"day": DAYS[2], "accounts": [billed.pk]})
        plans["night totals"] = ("\n".join(r[0] for r in cursor.fetchall()), {"quota_billline_p2026_09"})
    monthly = BillLine.objects.filter(bill__account=billed, bill__day__gte=SEPT, bill__day__lte=sept_end,
                                      day__gte=SEPT, day__lte=sept_end)
    plans["monthly bill"] = (_explain(monthly), {"quota_billline_p2026_09"})
    for name, (plan, expected) in plans.items():
        assert _partitions_read(plan) == expected, (name, plan)


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_keeps_every_line_both_ways(catalogue, account):
    _bill_a_few_days(account)
    columns = ("id", "bill_id", "day", "workspace_id", "billing_item_id", "usage", "overage", "amount")
    snapshot = sorted(BillLine.objects.values_list(*columns))
    assert len(snapshot) == len(DAYS) * 4
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([("quota", "0009_admin_verbose_names_zh")])
        with connection.cursor() as cursor:
            cursor.execute("SELECT relkind FROM pg_class WHERE oid = 'quota_billline'::regclass")
            assert cursor.fetchone()[0] == "r"
            cursor.execute("SELECT l.id, l.bill_id, b.day, l.workspace_id, l.billing_item_id, l.usage, l.overage,"
                           " l.amount FROM quota_billline l JOIN quota_bill b ON b.id = l.bill_id ORDER BY 1")
            assert sorted(cursor.fetchall()) == snapshot
    finally:
        MigrationExecutor(connection).migrate(latest)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = 'quota_billline'::regclass")
        assert cursor.fetchone()[0] == "p"
    assert sorted(BillLine.objects.values_list(*columns)) == snapshot
    # a re-run of a billed day upserts through the partitioned unique index, new ids after the old ones
    ws = WorkspaceFactory(account=account)
    f.usage(ws, "log", DAYS[0], 1_000_000)
    night.night_run_chunk(day=DAYS[0], account_ids=[account.pk])
    assert BillLine.objects.filter(workspace=ws).get().pk > max(row[0] for row in snapshot)
