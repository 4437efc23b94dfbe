"""The people and access pages speak Simplified Chinese (no English left)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from statements.tests.test_i18n import english_left
from workspaces import people, two_factor
from workspaces.models import Role

pytestmark = pytest.mark.django_db
ALLOWED_CODES = {"QR", "otpauth", "totp", "Fee", "Center", "secret", "issuer", "algorithm", "SHA1", "digits",
                 "period", "Authorization: Token fc_…",
                 "UTC"}  # the footer's zone offset (Beijing time, UTC+8)


def check_page(client, path, allowed, status=200):
    response = client.get(path)
    assert response.status_code == status, path
    left = [c for c in english_left(response.content.decode(), allowed) if not c.startswith("otpauth://")]
    assert left == [], (path, left)


def test_people_pages_in_chinese(client, account, owner, administrator, member):
    account.name = "示例企业"
    account.save()
    invitation = people.invitation_create(account=account, email="new@example.com", role=Role.MEMBER,
                                          invited_by=owner)
    allowed = {owner.username, administrator.username, member.username, owner.email, administrator.email,
               member.email, invitation.email, "示例企业", *ALLOWED_CODES}
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    client.force_login(owner)
    check_page(client, reverse("people", args=[account.pk]), allowed)
    secret = two_factor.totp_secret_base32(two_factor.totp_enrol_start(user=owner))
    check_page(client, reverse("security"), allowed | {secret})
    check_page(client, reverse("password_change"), allowed)
    client.force_login(member)
    check_page(client, reverse("account-home", args=[account.pk]), allowed)
    client.logout()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    check_page(client, reverse("password_reset"), allowed)
    check_page(client, reverse("password_reset_done"), allowed)
    check_page(client, reverse("login"), allowed)
    check_page(client, reverse("invitation-accept", args=["unknown"]), allowed, status=410)
