"""Every registered admin is built for big tables (docs/RULES-quota.md "History at scale"): its changelist and
its change page send the same number of queries whatever the number of rows, no changelist counts the whole
table beside the filtered rows, and the pages count with a bounded or estimated count."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, ForeignKeyRawIdWidget, RelatedFieldWidgetWrapper
from django.db import connection
from django.forms import ModelChoiceField
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.selectors import all_events
from core.admin import FinanceModelAdmin
from core.pagination import EstimatedCountPaginator
from payments.models import LedgerEntry
from quota import night
from quota.models import Bill, BillLine, UsageRecord
from quota.tests import factories as f
from tests.factories import AccountFactory, MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.models import Role

pytestmark = pytest.mark.django_db
DAYS = (date(2026, 9, 1), date(2026, 9, 2))


def _a_tenant_with_history() -> None:
    account = AccountFactory()
    f.fund_cash(account, "5000.00")
    for ws in (WorkspaceFactory(account=account), WorkspaceFactory(account=account)):
        for day in DAYS:
            f.usage(ws, "log", day, 3_000_000)
            f.usage(ws, "apm", day, 10)
    for day in DAYS:
        night.night_run_chunk(day=day, account_ids=[account.pk])


def _urls() -> list[str]:
    urls = []
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        urls.append(changelist)
        if model_admin.search_fields:
            urls.append(f"{changelist}?q=1")
        obj = model._default_manager.order_by("pk").first()  # the same (first) row in both worlds
        if obj is not None:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
    return urls


def _counts(client, urls) -> dict[str, tuple[int, int]]:
    """Status and number of queries per page (a change page of a list-only admin redirects, in both worlds)."""
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        counts[url] = (response.status_code, len(ctx.captured_queries))
    return counts


def test_every_admin_page_sends_a_constant_number_of_queries(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    _a_tenant_with_history()
    urls = _urls()
    _counts(client, urls)  # warms the caches a first request fills (content types, permissions, site)
    one = _counts(client, urls)
    for _ in range(4):
        _a_tenant_with_history()
    five = _counts(client, urls)
    assert BillLine.objects.count() == 5 * len(DAYS) * 4
    assert [url for url, (status, _n) in one.items() if status >= 400] == []
    assert {url: (one[url], n) for url, n in five.items() if n != one[url]} == {}


def test_no_changelist_counts_the_whole_table_and_big_ones_estimate():
    finance = {model: model_admin for model, model_admin in admin.site._registry.items()
               if isinstance(model_admin, FinanceModelAdmin)}  # third-party admins (auth, beat, tokens) aside
    assert {Bill, UsageRecord, LedgerEntry} <= set(finance)
    assert [m for m, a in finance.items() if a.show_full_result_count is not False] == []
    assert [m for m, a in finance.items() if not issubclass(a.paginator, EstimatedCountPaginator)] == []
    assert finance[Bill].date_hierarchy == "day" and finance[LedgerEntry].date_hierarchy == "created_at"


def test_the_paginator_counts_exactly_up_to_its_bound_then_estimates(monkeypatch):
    _a_tenant_with_history()
    lines = BillLine.objects.order_by("pk")
    assert EstimatedCountPaginator(lines, 50).count == 8
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_UP_TO", 3)
    with CaptureQueriesContext(connection) as ctx:
        estimated = EstimatedCountPaginator(lines, 50).count
    assert estimated >= 4  # more than the bound: the planner's estimate, never a full count
    assert any(q["sql"].startswith("EXPLAIN") for q in ctx.captured_queries)


def test_big_tables_search_by_exact_id_through_their_indexes(admin_client):
    _a_tenant_with_history()
    bill = Bill.objects.order_by("pk").first()
    model_admin = admin.site._registry[UsageRecord]
    found, _dup = model_admin.get_search_results(None, UsageRecord.objects.all(), str(bill.account_id))
    assert found.count() == UsageRecord.objects.filter(account_id=bill.account_id).count() > 0
    assert "::text" not in str(found.query) and "UPPER" not in str(found.query)
    nothing, _dup = model_admin.get_search_results(None, UsageRecord.objects.all(), "bench")
    assert nothing.count() == 0
    response = admin_client.get(reverse("admin:quota_bill_changelist"), {"q": str(bill.account_id)})
    assert response.status_code == 200 and len(response.context["cl"].result_list) == len(DAYS)


def test_the_audit_trail_pages_past_the_bound_with_an_estimate(monkeypatch):
    """The trail is one table (its index): past the bound, its count is PostgreSQL's estimate, never a full count."""
    account = AccountFactory()
    for n in range(5):  # five role changes: five events
        MembershipFactory(account=account, role=Role.MEMBER if n % 2 else Role.ADMINISTRATOR)
    events = all_events()
    assert events.count() >= 5
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_UP_TO", 3)
    with CaptureQueriesContext(connection) as queries:
        count = EstimatedCountPaginator(events, 50).count
    assert count >= 4
    assert any(q["sql"].startswith("EXPLAIN") for q in queries.captured_queries)
    assert not any("count(*)" in q["sql"].lower() and "limit" not in q["sql"].lower()
                   for q in queries.captured_queries)


def test_usage_search_by_account_reads_the_account_day_index(admin_client):
    """The usage admin searches an exact account id only, newest day first: its page is a range of the
    (account, day) index in every month partition (migration quota 0012), merged in the day order."""
    _a_tenant_with_history()
    _a_tenant_with_history()
    account_id = UsageRecord.objects.order_by("pk").values_list("account_id", flat=True).first()
    url = reverse("admin:quota_usagerecord_changelist")
    response = admin_client.get(url, {"q": str(account_id)})
    assert response.status_code == 200
    cl = response.context["cl"]
    rows = list(cl.result_list)
    assert rows and {row.account_id for row in rows} == {account_id}
    assert len(rows) == UsageRecord.objects.filter(account_id=account_id).count()
    assert [row.day for row in rows] == sorted((row.day for row in rows), reverse=True)
    number = UsageRecord.objects.exclude(account_id=account_id).values_list("workspace_id", flat=True).first()
    found = admin_client.get(url, {"q": str(number)}).context["cl"].result_list
    assert all(row.account_id == number for row in found)  # a number is an account id, never a workspace's
    with connection.cursor() as cursor:
        # A tiny table: the planner would rather scan it (or bitmap it and sort); show the plan a big one gets.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        sql, params = cl.queryset[:50].query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    usage_scans = [line for line in plan.splitlines() if "Scan" in line and " on quota_usagerecord" in line]
    assert usage_scans and all("account_id_day_idx" in line for line in usage_scans), plan
    assert "Seq Scan on quota_usagerecord" not in plan


@pytest.mark.parametrize("model", [Bill, LedgerEntry])
def test_the_date_drill_down_never_scans_for_its_choices(admin_client, model):
    """Django lists a date hierarchy's years (months, days) with a SELECT DISTINCT over every row; here they are
    the periods between the first and the last row, each level a link that narrows the list."""
    _a_tenant_with_history()
    field = admin.site._registry[model].date_hierarchy
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    latest = model.objects.order_by(f"-{field}").values_list(field, flat=True).first()
    latest = timezone.localtime(latest).date() if model is LedgerEntry else latest
    year, month = str(latest.year), str(latest.month)
    for query, expect in (({}, year), ({f"{field}__year": year}, f"{field}__month="),
                          ({f"{field}__year": year, f"{field}__month": month}, f"{field}__day=")):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(url, query)
        assert response.status_code == 200
        assert not [q for q in queries.captured_queries if "DISTINCT" in q["sql"]], query
        assert expect in response.content.decode(), query
    if model is Bill:
        days = admin_client.get(url, {"day__year": "2026", "day__month": "9"}).content.decode()
        assert "day__day=1" in days and "day__day=2" in days and "day__day=3" not in days
        assert len(admin_client.get(url, {"day__year": "2026", "day__month": "9", "day__day": "2"})
                   .context["cl"].result_list) == 1


def test_no_change_form_lists_a_big_table_in_a_select(admin_client):
    """Autocomplete (or a raw id) for every editable foreign key to a table that grows with the tenants; only the
    catalogue's own tables (a handful of plans, items and policies) may be plain selects."""
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    offenders = []
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, FinanceModelAdmin) or not (
                model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
            continue
        form = model_admin.get_form(request, obj=None, change=False)
        for name, field in form.base_fields.items():
            if not isinstance(field, ModelChoiceField) or field.queryset.model._meta.app_label == "plans":
                continue
            widget = field.widget.widget if isinstance(field.widget, RelatedFieldWidgetWrapper) else field.widget
            if not isinstance(widget, (AutocompleteSelect, ForeignKeyRawIdWidget)) and not field.disabled:
                offenders.append(f"{model._meta.label}.{name}")
    assert offenders == []


def test_the_unfiltered_usage_list_reads_the_day_index_in_its_order(admin_client):
    """Finance's usage list, newest day first, is a backward range of the (day, account) index with a sort of an
    account's few rows of a day: its order is total without the id (Django adds no "-pk"), which would sort the
    whole newest day (80,000 rows at 1,000 accounts)."""
    _a_tenant_with_history()
    _a_tenant_with_history()
    response = admin_client.get(reverse("admin:quota_usagerecord_changelist"))
    assert response.status_code == 200
    cl = response.context["cl"]
    rows = list(cl.result_list)
    assert [(r.day, r.account_id) for r in rows] == sorted(((r.day, r.account_id) for r in rows), reverse=True)
    sql, params = cl.queryset[:50].query.sql_with_params()
    assert '"quota_usagerecord"."id"' not in sql.split("ORDER BY")[1]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    scans = [line for line in plan.splitlines() if "Scan" in line and " on quota_usagerecord" in line]
    assert scans and all("day_account_id_idx" in line for line in scans), plan
    assert "Presorted Key: quota_usagerecord.day, quota_usagerecord.account_id" in plan, plan
