"""Fixtures for the tenant-isolation crawl: two accounts, A with one of everything, B's owner as the caller."""

from __future__ import annotations

import pytest

from tests.factories import AccountFactory, MembershipFactory, UserFactory, WorkspaceFactory
from tests.isolation.world import populate_account
from workspaces.models import Role


@pytest.fixture
def two_tenants(db):
    owner_a = UserFactory(username="owner-a")
    account_a = AccountFactory(name="Tenant A")
    MembershipFactory(account=account_a, user=owner_a, role=Role.OWNER)
    workspaces = [WorkspaceFactory(account=account_a, name=f"A-{n}") for n in range(2)]
    ids = populate_account(account=account_a, owner=owner_a, workspaces=workspaces)
    ids["account_id"] = [account_a.pk]

    owner_b = UserFactory(username="owner-b")
    account_b = AccountFactory(name="Tenant B")
    MembershipFactory(account=account_b, user=owner_b, role=Role.OWNER)
    WorkspaceFactory(account=account_b, name="B-0")
    return {"a": account_a, "b": account_b, "owner_a": owner_a, "owner_b": owner_b, "ids": ids}
