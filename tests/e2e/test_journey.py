"""The seeds' journey, clicked through in headless Chromium against a live server.

Each test is one person's path; every step leaves a screenshot under artifacts/e2e/<test>/. The journey grows
as features land: the steps that need a feature not built yet are guarded by `_has_url(...)` and say so.
"""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from tests.e2e.conftest import login
from tests.factories import AccountFactory, MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.models import Role, Workspace, WorkspacePlan

# live_server needs committed data; serialized_rollback restores the catalogue that migrations seed.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _has_url(name: str, *args) -> bool:
    try:
        reverse(name, args=args)
    except NoReverseMatch:
        return False
    return True


@pytest.fixture
def tenant():
    owner = UserFactory(username="new-owner")
    account = AccountFactory(name="Acme Observability")
    MembershipFactory(account=account, user=owner, role=Role.OWNER)
    second = AccountFactory(name="Acme Labs")
    MembershipFactory(account=second, user=owner, role=Role.ADMINISTRATOR)
    ws_a = WorkspaceFactory(account=account, name="Workspace A", free=True)
    ws_b = WorkspaceFactory(account=account, name="Workspace B", free=True)
    WorkspaceFactory(account=account, name="Sandbox", free=True)
    admin_user = UserFactory(username="administrator")
    MembershipFactory(account=account, user=admin_user, role=Role.ADMINISTRATOR)
    return {"owner": owner, "account": account, "second": second, "a": ws_a, "b": ws_b, "admin": admin_user}


def test_owner_journey(page, shot, tenant):
    account = tenant["account"]
    login(page, "new-owner")
    shot(page, "home")
    assert page.locator("h1").first.inner_text() == "Acme Observability"

    # The account switcher lists both accounts with the role in each, and switches.
    page.click("#account-switcher summary")
    shot(page, "account-switcher")
    page.click("#account-switcher a:has-text('Acme Labs')")
    page.wait_for_url(f"**/a/{tenant['second'].pk}/")
    assert "Administrator" in page.inner_text("#account-switcher summary")
    page.goto(f"/a/{account.pk}/")
    assert "Owner" in page.inner_text("#account-switcher summary")

    # Upgrade A and B to Commercial in the workspaces page.
    page.goto(f"/a/{account.pk}/workspaces/")
    shot(page, "workspaces-free")
    for ws in (tenant["a"], tenant["b"]):
        page.click(f"#workspace-{ws.pk} button:has-text('Upgrade to Commercial')")
        page.wait_for_load_state("domcontentloaded")
        assert f"{ws.name} is now on the Commercial plan." in page.inner_text("main")
    shot(page, "workspaces-upgraded")
    plans = dict(Workspace.objects.filter(account=account).values_list("name", "plan"))
    assert plans == {"Workspace A": WorkspacePlan.COMMERCIAL, "Workspace B": WorkspacePlan.COMMERCIAL,
                     "Sandbox": WorkspacePlan.FREE}
    assert page.locator(f"#workspace-{tenant['a'].pk} button").count() == 0

    # The public catalogue compares the three annual packages.
    page.goto("/catalogue/")
    shot(page, "catalogue")
    text = page.inner_text("main")
    for name in ("Startup Acceleration", "Growth Development", "Enterprise Standard"):
        assert name in text


def test_administrator_sees_pages_without_pay_buttons(page, shot, tenant):
    account = tenant["account"]
    login(page, "administrator")
    shot(page, "home")
    assert page.locator("h1").first.inner_text() == "Acme Observability"
    page.goto(f"/a/{account.pk}/workspaces/")
    shot(page, "workspaces")
    assert page.locator("button:has-text('Upgrade to Commercial')").count() == 0
    assert page.locator("form[action*='/upgrade/']").count() == 0


def test_member_and_stranger_are_refused(page, shot, tenant):
    member = UserFactory(username="member")
    MembershipFactory(account=tenant["account"], user=member, role=Role.MEMBER)
    login(page, "member")
    response = page.goto(f"/a/{tenant['account'].pk}/")
    shot(page, "member-home")
    assert response.status == 403
    stranger = UserFactory(username="stranger")
    MembershipFactory(account=AccountFactory(), user=stranger, role=Role.OWNER)
    page.context.clear_cookies()
    login(page, "stranger")
    response = page.goto(f"/a/{tenant['account'].pk}/workspaces/")
    shot(page, "stranger-404")
    assert response.status == 404


def test_bad_login_shows_a_message(page, shot, tenant):
    login(page, "new-owner", "wrong-password")
    shot(page, "bad-login")
    assert page.locator("p.message.error").count() == 1
