"""Test fixtures and tiers shared by the whole suite. Tests run on PostgreSQL (see README and docs/RULES-proof.md).

- Settings: billing_center/settings_test.py (MD5 password hashes, an in-memory cache).
- Tiers: tests under the paths in SLOW_TIERS get their marker here, so a new file there is marked without
  effort; `make check` deselects them, `make test` (and CI) runs everything.
- The cache is in memory and cleared before each test; a test marked `redis_cache` gets the run's real Redis
  under a key prefix of its own.
- Transactional tests that need the migrations' data ask for `seeded_data` (nothing re-runs migrations).
- Staff sign in from a test with tests.auth.login_staff (a verified second factor, public client API)."""

from __future__ import annotations

import os
import uuid

import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.test import Client
from rest_framework.test import APIClient

from billing_center.celery import app as celery_app
from core.finance import FINANCE_GROUP, sync_finance_group
from tests.auth import login_staff
from tests.factories import AccountFactory, MembershipFactory, UserFactory
from tests.seed import restore_seeded_data
from workspaces.models import Role

RUN_TOKEN = uuid.uuid4().hex[:12]  # keys of an earlier run (throttle counters, ...) never leak into this one

# Path fragment -> the marker of the slow tier every test below it belongs to.
SLOW_TIERS = {
    "tests/e2e/": "browser",
    "tests/production/": "production",
    "tests/faults/": "faults",
    "tests/fuzz/": "slow",
    "tests/test_bad_input_everywhere.py": "slow",  # garbage into every page's every field: the pages' fuzzing
    "tests/isolation/": "slow",  # the cross-tenant crawl: every route, every method, a world of real ids
}
# A test using one of these fixtures talks to a real Celery worker through Redis.
REAL_BROKER_FIXTURES = {"celery_worker_process"}


def pytest_collection_modifyitems(config, items):
    """Mark each test of a slow tier by its path (and real-broker tests by their fixtures)."""
    for item in items:
        path = str(item.path).replace(os.sep, "/")
        for fragment, marker in SLOW_TIERS.items():
            if fragment in path:
                item.add_marker(getattr(pytest.mark, marker))
        if REAL_BROKER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.real_broker)


@pytest.fixture(autouse=True)
def _isolated_cache(settings, request):
    """Each test starts with an empty in-memory cache. A `redis_cache` (or `real_broker`) test gets the run's
    Redis instead, under its own key prefix, so tests never see each other's keys."""
    if request.node.get_closest_marker("redis_cache") or request.node.get_closest_marker("real_broker"):
        test_id = uuid.uuid5(uuid.NAMESPACE_URL, request.node.nodeid).hex
        redis_cache = getattr(settings, "REDIS_CACHE", settings.CACHES["default"])
        settings.CACHES = {"default": {**redis_cache, "KEY_PREFIX": f"test-{RUN_TOKEN}-{test_id}"}}
    else:
        caches["default"].clear()
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _sandbox_gateway_on(settings):
    """The sandbox payment gateway is off unless enabled (payments/gateways/base.py); the suite turns it on.
    A test of the off state sets settings.FEE_CENTER again (payments/tests/test_gateway_config.py)."""
    settings.FEE_CENTER = {**settings.FEE_CENTER, "PAYMENT_SANDBOX_ENABLED": True}


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Tasks run in-process by default; tests marked `real_broker` go through Redis to a real worker."""
    eager = request.node.get_closest_marker("real_broker") is None
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Once per run: a database kept with --reuse-db may have ended on a transactional test's flush."""
    with django_db_blocker.unblock():
        restore_seeded_data()


@pytest.fixture
def seeded_data(transactional_db):
    """The catalogue and the card gift tiers the data migrations seed, for a transactional test: an earlier
    transactional test's flush removed them (tests/seed.py). Ordinary tests run first and never need it."""
    restore_seeded_data()


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
def admin_client(db, admin_user):
    """pytest-django's admin_client, signed in with the second factor finance staff need (tests.auth)."""
    return login_staff(Client(), admin_user)


@pytest.fixture
def user_factory():
    return UserFactory


@pytest.fixture
def finance_client(db):
    """A member of the vendor's finance group, signed in to admin with a verified second factor."""
    user = UserFactory(is_staff=True)
    sync_finance_group()
    user.groups.add(Group.objects.get(name=FINANCE_GROUP))
    return login_staff(Client(), user)
