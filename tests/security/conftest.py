"""Fixtures for the web security tests: a logged-in owner on a client that enforces CSRF like a browser."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import AccountFactory, MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.models import Role


@pytest.fixture
def sec_owner(db):
    user = UserFactory(username="sec-owner")
    account = AccountFactory(name="Secure Enterprise")
    MembershipFactory(account=account, user=user, role=Role.OWNER)
    workspace = WorkspaceFactory(account=account, name="sec-ws", free=True)
    return {"user": user, "account": account, "workspace": workspace}


@pytest.fixture
def csrf_client(sec_owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sec_owner["user"])
    return client
