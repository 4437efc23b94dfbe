"""Test fixtures shared by the whole suite. Tests run on PostgreSQL and Redis (see README)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import AccountFactory, MembershipFactory, UserFactory
from workspaces.models import Role


@pytest.fixture(autouse=True)
def _isolated_cache(settings, request):
    """Each test gets its own cache namespace on the real Redis, so tests never see each other's keys."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{request.node.nodeid}"}
    }
    settings.AXES_ENABLED = False


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
