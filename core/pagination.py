"""Paging over big tables (docs/RULES-quota.md "History at scale"): the one paginator of admin changelists and
of the Fee Center's long lists (bills, ledger, orders, audit trail). It never counts a whole table."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db import DatabaseError, models, transaction
from django.utils.functional import cached_property


class EstimatedCountPaginator(Paginator):
    """Counts exactly up to EXACT_UP_TO rows (a bounded count: it stops there), beyond that takes PostgreSQL's
    estimate of the filtered query's rows: a list over a table of billions never counts it. The number of
    queries is the same as Django's paginator (one count, one page), whatever the number of rows."""

    EXACT_UP_TO = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, models.QuerySet):
            return super().count
        bounded = queryset.order_by()[: self.EXACT_UP_TO + 1].count()
        if bounded <= self.EXACT_UP_TO:
            return bounded
        try:
            with transaction.atomic():  # a savepoint: a query EXPLAIN cannot wrap leaves the request usable
                plan = json.loads(queryset.order_by().explain(format="json"))
        except DatabaseError:
            # e.g. the audit trail's aggregate over every event table (its SQL starts with a CTE of its own):
            # "more than EXACT_UP_TO rows" is all it shows
            return bounded
        return max(bounded, int(plan[0]["Plan"]["Plan Rows"]))
