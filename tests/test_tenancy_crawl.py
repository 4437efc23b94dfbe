"""Every URL pattern that takes an `account_id` must go through workspaces.tenancy (one mechanism), and answer
404 to a user who is not a member of that account, for every method it accepts."""

import re

import pytest

from tests.factories import AccountFactory, MembershipFactory
from tests.urls import walk_patterns
from workspaces.models import Role
from workspaces.tenancy import TenantScoped

pytestmark = pytest.mark.django_db


def account_patterns():
    return [(route, p) for route, p in walk_patterns() if "<id:account_id>" in route]


def _fill(route: str, account_id: int) -> str:
    path = route.replace("<id:account_id>", str(account_id))
    path = re.sub(r"<id:[a-z_]+>", "1", path)
    path = re.sub(r"<(int|str|slug):[a-z_]+>", "1", path)
    path = re.sub(r"<[a-z_]+>", "1", path)
    return "/" + path.lstrip("^").rstrip("$")


def test_there_are_account_patterns():
    assert len(account_patterns()) >= 4


@pytest.mark.parametrize(("route", "pattern"), account_patterns(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_account_view_uses_the_tenancy_mechanism(route, pattern):
    view_class = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
    assert view_class is not None, f"{route}: account views are class-based views using workspaces.tenancy"
    assert issubclass(view_class, TenantScoped), route


@pytest.mark.parametrize(("route", "pattern"), account_patterns(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_account_url_is_404_for_a_non_member(client, route, pattern):
    victim = AccountFactory()
    intruder = MembershipFactory(account=AccountFactory(), role=Role.OWNER).user
    client.force_login(intruder)
    path = _fill(route, victim.id)
    for method in ("get", "post", "put", "patch", "delete"):
        response = getattr(client, method)(path)
        assert response.status_code in (404, 405), f"{method.upper()} {path}: {response.status_code}"
