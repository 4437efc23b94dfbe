"""The trail's index (audit.TrailEntry): one row per event of every event table, written by the database, the
same data and change as pghistory's aggregate computes, append-only, and read without any union."""

import importlib
from decimal import Decimal

import pghistory
import pytest
from django.db import connection, transaction
from django.db.utils import InternalError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pghistory.models import Events

from audit import selectors
from audit.kinds import Kind, event_models
from audit.models import TrailEntry
from notifications.models import AlertRule
from orders.packages import package_reorder_workspaces
from orders.tests.factories import paid_package
from payments.maintenance import wallet_adjust
from tests.factories import AccountFactory, MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.models import Membership, Role

pytestmark = pytest.mark.django_db


def _history(account, owner):
    """Changes of several kinds, by the ORM, by raw SQL and by a request context."""
    workspace = WorkspaceFactory(account=account)
    rule = AlertRule.objects.create(account=account, workspace=workspace, threshold=Decimal("10"),
                                    created_by=owner)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE notifications_alertrule SET is_active = false WHERE id = %s", [rule.pk])
        cursor.execute("UPDATE notifications_alertrule SET threshold = 25 WHERE id = %s", [rule.pk])
    person = MembershipFactory(account=account, role=Role.MEMBER)
    with pghistory.context(user=owner.pk, url="/a/role"):
        Membership.objects.filter(pk=person.pk).update(role=Role.ADMINISTRATOR)
    rule.recipients.add(person)
    rule.recipients.remove(person)
    first, second = WorkspaceFactory(account=account), WorkspaceFactory(account=account)
    package = paid_package(account, owner, workspaces=[first, second])
    package_reorder_workspaces(package=package, workspaces=[second, first], actor=owner)
    wallet_adjust(account=account, amount="5.00", reason="goodwill", actor=UserFactory(is_staff=True))
    Membership.objects.filter(pk=person.pk).delete()


def _aggregate():
    """pghistory's own aggregate over every event table (the union the pages no longer read)."""
    return {(e.pgh_model, e.pgh_id): e for e in Events.objects.across(*event_models(list(Kind)))}


def _entries():
    return {(e.event_model, e.event_id): e for e in TrailEntry.objects.all()}


def _same(entry, event):
    return (entry.data, entry.diff, entry.label, entry.obj_model, entry.obj_id, entry.created_at,
            entry.context_id) == (event.pgh_data, event.pgh_diff, event.pgh_label, event.pgh_obj_model,
                                  event.pgh_obj_id, event.pgh_created_at, event.pgh_context_id)


def test_every_event_has_one_index_row_with_the_aggregates_data_and_change(account, owner):
    _history(account, owner)
    events, entries = _aggregate(), _entries()
    assert len(events) > 10 and entries.keys() == events.keys()
    for key, event in events.items():
        assert _same(entries[key], event), key
        assert entries[key].scope_account_id == event.pgh_data.get("scope_account_id")
    changed = [e for e in entries.values() if e.obj_model == "notifications.AlertRule" and e.diff]
    assert {tuple(sorted(e.diff)) for e in changed} == {("is_active",), ("threshold",)}


def test_the_migration_indexes_the_events_recorded_before_it(account, owner):
    """The data migration rebuilds the index from the event tables: the same rows the triggers wrote."""
    _history(account, owner)
    written = {key: (e.data, e.diff, e.label, e.obj_id, e.created_at) for key, e in _entries().items()}
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_trailentry")
    migration = importlib.import_module("audit.migrations.0003_trail_index")
    migration.index_existing_events(None, type("Editor", (), {"connection": connection})())
    rebuilt = {key: (e.data, e.diff, e.label, e.obj_id, e.created_at) for key, e in _entries().items()}
    assert rebuilt == written and len(rebuilt) > 10


def test_the_index_is_append_only(account, owner):
    _history(account, owner)
    entry = TrailEntry.objects.first()
    for statement in ("UPDATE audit_trailentry SET label = 'x' WHERE id = %s",
                      "DELETE FROM audit_trailentry WHERE id = %s"):
        with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])
    assert TrailEntry.objects.filter(pk=entry.pk, label=entry.label).exists()


def test_the_page_and_the_api_read_the_index_only(owner_client, account, owner):
    _history(account, owner)
    for url in (reverse("audit-trail", args=[account.pk]),
                reverse("audit-trail", args=[account.pk]) + "?kind=people",
                f"/api/v1/accounts/{account.pk}/audit/?user={owner.pk}"):
        with CaptureQueriesContext(connection) as queries:
            response = owner_client.get(url)
        assert response.status_code == 200
        trail_sql = [q["sql"] for q in queries.captured_queries if "audit_" in q["sql"]]
        assert trail_sql and all("UNION" not in sql for sql in trail_sql), url
        assert all("audit_trailentry" in sql for sql in trail_sql), url


def test_the_accounts_trail_is_an_index_range(account, owner):
    """EXPLAIN of the page's query: the index leading with the account, in the page's order, no sort."""
    _history(account, owner)
    with connection.cursor() as cursor:
        # A tiny table: the planner would rather scan it (or bitmap it and sort); show the plan the big one gets.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        sql, params = selectors.audit_event_list(account=account)[:50].query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "audit_entry_account" in plan and "Sort" not in plan


def test_another_accounts_events_never_show(account, owner):
    _history(account, owner)
    other = AccountFactory()
    MembershipFactory(account=other, role=Role.MEMBER)
    mine = selectors.audit_event_list(account=account)
    assert mine.exists() and all(e.scope_account_id == account.pk for e in mine)
    assert all(e.scope_account_id == other.pk for e in selectors.audit_event_list(account=other))


def test_the_finance_list_writes_each_sentence_with_a_constant_number_of_queries(finance_client, account, owner):
    url = reverse("admin:audit_trailentry_changelist")
    _history(account, owner)
    with CaptureQueriesContext(connection) as few:
        assert finance_client.get(url).status_code == 200
    other = AccountFactory()
    _history(other, MembershipFactory(account=other, role=Role.OWNER).user)
    _history(account, owner)
    with CaptureQueriesContext(connection) as more:
        response = finance_client.get(url)
    assert response.status_code == 200 and len(more) == len(few)
    assert "demo" not in response.content.decode() and "{" not in response.context["cl"].result_list[0].sentence
    searched = finance_client.get(url, {"q": str(account.pk)})
    assert {e.scope_account_id for e in searched.context["cl"].result_list} == {account.pk}


def test_the_lookup_of_an_objects_previous_event_is_one_probe_even_when_planned_on_an_empty_table():
    """The function's plans are cached per session: planned on an empty table, the lookup must still be the object
    index's probe, never a scan of every event of the model (which made building 77,000 events 17x slower)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT proconfig FROM pg_proc WHERE proname = 'audit_index_event'")
        (config,) = cursor.fetchone()
        cursor.execute("TRUNCATE audit_trailentry")  # rolled back with the test
        cursor.execute("SET LOCAL enable_seqscan = off")  # as the function runs (its SET clause)
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("PREPARE previous_event(text, text) AS SELECT data FROM audit_trailentry"
                       " WHERE event_model = $1 AND obj_id = $2 ORDER BY event_id DESC LIMIT 1")
        cursor.execute("EXPLAIN EXECUTE previous_event('audit.MembershipEvent', '1')")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE previous_event")
    assert config == ["enable_seqscan=off"]
    assert "audit_entry_object" in plan and "obj_id = $2" in plan.split("Index Cond")[1], plan


def test_finance_filters_by_action_from_a_fixed_list_through_its_index(finance_client, account, owner):
    """The filter's choices are the trail's actions, not a DISTINCT over every entry; a rare action is a range of
    the action index."""
    _history(account, owner)
    url = reverse("admin:audit_trailentry_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = finance_client.get(url, {"label": "update"})
    assert response.status_code == 200
    assert response.context["cl"].result_list and {e.label for e in response.context["cl"].result_list} == {"update"}
    assert not any("DISTINCT" in q["sql"] and "audit_trailentry" in q["sql"] for q in queries.captured_queries)
    assert finance_client.get(url, {"label": "nonsense"}).status_code == 200  # an unknown action filters nothing
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        sql, params = selectors.all_events().filter(label="refund").order_by("-created_at", "-id")[:50].query \
            .sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "audit_entry_action" in plan and "Sort" not in plan, plan
