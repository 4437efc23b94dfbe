"""People in the browser: the owner invites by email, the invited person signs up on the link, the owner
changes their role; the new member first lands on the member page."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.e2e.conftest import login
from tests.factories import AccountFactory, MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.models import Membership, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_invite_accept_role_change(page, shot, new_context, seeded_data, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner = UserFactory(username="people-owner")
    account = AccountFactory(name="Acme People")
    MembershipFactory(account=account, user=owner, role=Role.OWNER)
    WorkspaceFactory(account=account, name="Checkout")

    login(page, "people-owner")
    page.goto(f"/a/{account.pk}/people/")
    shot(page, "people")
    page.fill("#invite-email", "mei@example.com")
    page.select_option("#invite-role", "member")
    page.click("#invite-form button[type=submit]")
    page.wait_for_selector("#invitations")
    assert "mei@example.com" in page.inner_text("#invitations")
    shot(page, "invited")

    link = re.search(r"https?://[^/\s]+(/invitations/[^\s/]+/)", mail.outbox[-1].body).group(1)
    guest = new_context().new_page()
    guest.goto(link)
    shot(guest, "accept-page")
    guest.fill("#su-username", "mei")
    guest.fill("#su-password", "Sturdy-pass-42")
    guest.fill("#su-password2", "Sturdy-pass-42")
    guest.click("#signup-form button[type=submit]")
    guest.wait_for_selector("#member-home")
    assert "Checkout" in guest.inner_text("#member-workspaces")
    assert "people-owner" in guest.inner_text("#member-owners") or owner.email in guest.inner_text("#member-owners")
    shot(guest, "member-home")

    page.goto(f"/a/{account.pk}/people/")
    row = page.locator("tr[data-member='mei']")
    row.locator("select[name=role]").select_option("administrator")
    row.locator("button", has_text="Change role").click()
    page.wait_for_selector("#confirm-modal.show #confirm-modal-ok")  # a role change asks first
    with page.expect_navigation():
        page.click("#confirm-modal-ok")
    page.wait_for_selector("tr[data-member='mei']")
    assert "Administrator" in page.inner_text("tr[data-member='mei'] .role")
    shot(page, "role-changed")
    assert Membership.objects.get(account=account, user__username="mei").role == Role.ADMINISTRATOR

    guest.goto(f"/a/{account.pk}/")
    assert guest.locator("#member-home").count() == 0  # an administrator sees the billing home now
    shot(guest, "administrator-home")
    # the used link now shows the clear page
    other = new_context().new_page()
    other.goto(link)
    other.wait_for_selector("#invitation-invalid")
