"""Test fixtures shared by the whole suite. Tests run on PostgreSQL and Redis (see README)."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from tests.factories import AccountFactory, MembershipFactory, UserFactory
from workspaces.models import Role

RUN_TOKEN = uuid.uuid4().hex[:12]  # keys of an earlier run (throttle counters, ...) never leak into this one


@pytest.fixture(autouse=True)
def _isolated_cache(settings, request):
    """Each test gets its own cache namespace on the real Redis, so tests never see each other's keys."""
    test_id = uuid.uuid5(uuid.NAMESPACE_URL, request.node.nodeid).hex
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{RUN_TOKEN}-{test_id}"}}
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _sandbox_gateway_on(settings):
    """The sandbox payment gateway is off unless enabled (payments/gateways/base.py); the suite turns it on.
    A test of the off state sets settings.FEE_CENTER again (payments/tests/test_gateway_config.py)."""
    settings.FEE_CENTER = {**settings.FEE_CENTER, "PAYMENT_SANDBOX_ENABLED": True}


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Tasks run in-process by default; tests marked `real_broker` go through Redis to a real worker."""
    from billing_center.celery import app

    eager = request.node.get_closest_marker("real_broker") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _staff_sessions_pass_the_second_factor(monkeypatch):
    """Finance staff need a verified second factor in admin (workspaces/two_factor.py). A test client's
    force_login()/login() of a staff user stands for a full sign-in: the user gets a confirmed TOTP device and
    the session is verified with it. Signing in through the login forms is never shortcut (the 2FA tests)."""
    from django.test.client import ClientMixin
    from django_otp import DEVICE_ID_SESSION_KEY

    original = ClientMixin._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
            from tests.factories import confirmed_totp_device

            session = self.session
            session[DEVICE_ID_SESSION_KEY] = confirmed_totp_device(user).persistent_id
            session.save()

    monkeypatch.setattr(ClientMixin, "_login", _login)


@pytest.fixture
def account(db):
    return AccountFactory()


@pytest.fixture
def owner(account):
    return MembershipFactory(account=account, role=Role.OWNER).user


@pytest.fixture
def administrator(account):
    return MembershipFactory(account=account, role=Role.ADMINISTRATOR).user


@pytest.fixture
def member(account):
    return MembershipFactory(account=account, role=Role.MEMBER).user


@pytest.fixture
def other_account(db):
    return AccountFactory(name="Other Enterprise")


@pytest.fixture
def other_owner(other_account):
    return MembershipFactory(account=other_account, role=Role.OWNER).user


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def owner_api(owner):
    client = APIClient()
    client.force_authenticate(owner)
    return client


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def user_factory():
    return UserFactory


def _reseed_migration_data() -> None:
    """Re-run the data migrations of the project's apps (catalogue, gift tiers, beat schedules) and the
    post-migrate hooks, after a transactional test's flush emptied every table."""
    from django.apps import apps as global_apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations.special import RunPython

    project_apps = {"core", "workspaces", "plans", "payments", "orders", "quota", "statements", "notifications"}
    loader = MigrationLoader(connection)
    leaves = loader.graph.leaf_nodes()
    seen = set()
    plan = []
    for leaf in leaves:
        for node in loader.graph.forwards_plan(leaf):
            if node not in seen:
                seen.add(node)
                plan.append(node)
    with connection.schema_editor() as editor:
        for app_label, name in plan:
            if app_label not in project_apps:
                continue
            for operation in loader.graph.nodes[(app_label, name)].operations:
                if isinstance(operation, RunPython):
                    operation.code(global_apps, editor)


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return "live_server" in fixtures or "transactional_db" in fixtures or (
        marker is not None and bool(marker.kwargs.get("transaction"))
    )


@pytest.fixture(autouse=True)
def _catalogue_after_flush(request):
    """Transactional tests flush the database, data migrations included. The teardown hook below puts that
    data back right after each flush; this fixture is the safety net for the first test of a reused database."""
    if _is_transactional(request.node):
        request.getfixturevalue("transactional_db")
        from plans.models import BillingItem

        if not BillingItem.objects.exists():
            _reseed_migration_data()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test's flush (its fixtures are torn down by now), re-seed at once, so every later
    test, transactional or not, finds the catalogue, gift tiers and beat schedules the migrations created."""
    yield
    if not _is_transactional(item) or nextitem is None:
        # After the last test pytest-django has already destroyed the test database: re-seeding now would
        # reach the real database that DATABASE_URL names.
        return
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    if not connection.settings_dict["NAME"].startswith("test_"):
        return  # never touch anything but the test database

    with item.config.stash[blocking_manager_key].unblock():
        from plans.models import BillingItem

        if not BillingItem.objects.exists():
            _reseed_migration_data()
