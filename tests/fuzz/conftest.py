"""Fixtures for the API fuzzing: an owner with a token, an account with data, and the ids to aim at."""

from __future__ import annotations

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from quota.ingest import service_token_create
from tests.factories import AccountFactory, MembershipFactory, UserFactory, WorkspaceFactory, api_token_key
from tests.isolation.world import populate_account
from workspaces.models import Role


@pytest.fixture
def fuzz_world(db):
    """An account owned by the fuzzing user, with a Free and a Commercial workspace; the ids that path
    parameters should sometimes point at (so the fuzzer reaches past the 404s)."""
    owner = UserFactory(username="fuzz-owner")
    account = AccountFactory(name="Fuzz Enterprise")
    MembershipFactory(account=account, user=owner, role=Role.OWNER)
    free = WorkspaceFactory(account=account, name="fuzz-free", free=True)
    commercial = WorkspaceFactory(account=account, name="fuzz-commercial")
    token = api_token_key(owner)
    ids = {"account_id": [account.pk], "workspace_id": [free.pk, commercial.pk]}
    _add_feature_ids(ids, account=account, owner=owner, workspaces=[commercial])
    world = {"owner": owner, "account": account, "token": token, "ids": ids}
    try:
        pass
    except ImportError:
        return world
    world["service_token"] = service_token_create(name="fuzz-metering")[1]
    return world


def _add_feature_ids(ids: dict, *, account, owner, workspaces) -> None:
    """Real objects of the apps that exist, so their detail/action endpoints are exercised too."""

    created = populate_account(account=account, owner=owner, workspaces=workspaces)
    for name, values in created.items():
        ids.setdefault(name, []).extend(values)


@pytest.fixture
def wsgi_requests():
    """Requests through the WSGI app inside the test's transaction: like Django's test client, keep the
    connection open across request_started/request_finished (it would otherwise be closed after each call)."""

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
