"""What `manage.py seed_demo` needs from core: the demo's clock and the reset's tools. Demo only: nothing in
the product imports this module.

- `DemoClock` lets the demo's story happen on the days it tells (README.md "The demo's story"): inside
  `clock.at(day, hour)`, `django.utils.timezone.now()` starts at that local moment of the account's time zone
  and runs on from there, so every service (orders, recharges, the ledger, the night) stamps its rows on that
  day, as it would have then. Columns the database stamps itself with SQL `now()` are set afterwards by the
  app that owns them (its demo.py).
- `purge(queryset)` deletes rows and, first, every row referencing them through a foreign key (the models
  protect accounts from deletion on purpose). `triggers_off()` lets it run although the ledger and final
  monthly bills refuse DELETE (append-only triggers): the session replication role "replica" skips those
  triggers (foreign-key checks included) for the reset's transaction only. It needs a PostgreSQL superuser,
  as `make demo`'s local database is.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet

from core import days


class DemoClock:
    """Days counted back from today in the demo account's time zone."""

    def __init__(self, zone_name: str, *, today: datetime.date | None = None) -> None:
        self.zone = days.zone(zone_name)
        self.today = today or days.local_today(zone_name)

    def day(self, days_ago: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days_ago)

    def moment(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        local = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.zone)
        return local.astimezone(datetime.UTC)

    @contextmanager
    def at(self, day: datetime.date, hour: int, minute: int = 0) -> Iterator[datetime.datetime]:
        start = self.moment(day, hour, minute)
        began = time.monotonic()

        def now() -> datetime.datetime:
            return start + datetime.timedelta(seconds=time.monotonic() - began)

        with mock.patch("django.utils.timezone.now", now):
            yield start


# Every foreign key referencing a table, by its first column pair. A composite key (the usage record's
# (workspace_id, account_id)) is followed through its first column, which references the parent's id.
# Only the partitioned parent of a partitioned table is listed: its partitions' copies of the key are
# deleted through it.
_REFERENCES = """
SELECT c.conrelid::regclass::text, a.attname, pa.attname
FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1]
WHERE c.contype = 'f' AND c.confrelid = %s::regclass AND c.conparentid = 0
"""


def purge(queryset: QuerySet[Any]) -> None:
    """Delete the rows of `queryset` and, first, every row that references them through a foreign key, at any
    depth (demo reset only, inside `triggers_off()`: the product's models protect accounts from deletion)."""
    model = queryset.model
    sql, params = queryset.values_list("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        _purge(cursor, model._meta.db_table, model._meta.pk.column, sql, list(params), depth=0)


def _purge(cursor: CursorWrapper, table: str, column: str, subquery: str, params: list[Any], depth: int) -> None:
    quote = connection.ops.quote_name
    if depth < 8:
        cursor.execute(_REFERENCES, [table])
        for child, child_column, parent_column in cursor.fetchall():
            if child.strip('"') == table:
                continue
            rows = f"SELECT {quote(parent_column)} FROM {quote(table)} WHERE {quote(column)} IN ({subquery})"
            _purge(cursor, child.strip('"'), child_column, rows, params, depth + 1)
    cursor.execute(f"DELETE FROM {quote(table)} WHERE {quote(column)} IN ({subquery})", params)


@contextmanager
def triggers_off() -> Iterator[None]:
    """Inside a transaction: skip the database's ordinary triggers (demo reset only)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")
