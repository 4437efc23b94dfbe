"""An invitation is bound to the address it was sent to, one is open per address (even under concurrent
invitations), finance sees who accepted it as whom, and the audit trail credits the person who accepted."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pghistory.models import Context

from audit import selectors as audit_selectors
from core.exceptions import Conflict
from tests.concurrency import run_parallel
from tests.factories import AccountFactory, MembershipFactory, UserFactory
from workspaces import people
from workspaces.models import Membership, Role
from workspaces.people_models import Invitation

pytestmark = pytest.mark.django_db


def _invite(account, owner, email="li@example.com", django_capture_on_commit_callbacks=None) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        people.invitation_create(account=account, email=email, role=Role.MEMBER, invited_by=owner)
    return re.search(r"/invitations/([A-Za-z0-9_\-]+)/", mail.outbox[-1].body).group(1)


def test_another_address_must_confirm_and_finance_sees_as_whom(account, owner, django_capture_on_commit_callbacks):
    token = _invite(account, owner, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    stranger = UserFactory(email="someone.else@example.com")
    with pytest.raises(Conflict) as refused:
        people.invitation_accept(token=token, user=stranger)
    assert refused.value.code == "invitation_email_mismatch"
    assert "li@example.com" in refused.value.message and "someone.else@example.com" in refused.value.message
    assert not Membership.objects.filter(account=account, user=stranger).exists()

    membership = people.invitation_accept(token=token, user=stranger, confirm_other_email=True)
    assert membership.user == stranger
    invitation = Invitation.objects.get(account=account, email="li@example.com")
    assert (invitation.accepted_by, invitation.accepted_as_email) == (stranger, "someone.else@example.com")


def test_the_invited_address_accepts_without_confirming(account, owner, django_capture_on_commit_callbacks):
    token = _invite(account, owner, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    li = UserFactory(email="Li@Example.com")
    membership = people.invitation_accept(token=token, user=li)
    assert membership.role == Role.MEMBER
    assert Invitation.objects.get(account=account).accepted_as_email == "li@example.com"


def test_the_page_warns_of_the_mismatch_and_needs_the_box(client, account, owner,
                                                         django_capture_on_commit_callbacks):
    token = _invite(account, owner, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    url = reverse("invitation-accept", args=[token])
    stranger = UserFactory(email="someone.else@example.com")
    client.force_login(stranger)
    page = client.get(url).content.decode()
    assert 'id="invitation-email-mismatch"' in page and 'id="confirm-other-email"' in page
    unconfirmed = client.post(url)
    assert unconfirmed.status_code == 400
    assert "请勾选此项" in unconfirmed.content.decode()  # the default language
    assert not Membership.objects.filter(account=account, user=stranger).exists()
    confirmed = client.post(url, {"confirm_other_email": "1"})
    assert confirmed.status_code == 302 and confirmed.url == reverse("account-home", args=[account.pk])
    assert Membership.objects.get(account=account, user=stranger).role == Role.MEMBER


def test_a_member_opening_the_link_gets_no_accept_button(client, account, owner,
                                                         django_capture_on_commit_callbacks):
    token = _invite(account, owner, "member@example.com",
                    django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    existing = MembershipFactory(account=account, role=Role.MEMBER, user=UserFactory(email="member2@example.com"))
    client.force_login(existing.user)
    page = client.get(reverse("invitation-accept", args=[token])).content.decode()
    assert 'id="invitation-already-member"' in page
    assert 'id="accept-invitation"' not in page


def test_the_api_refuses_the_mismatch_unless_confirmed(api_client, account, owner,
                                                       django_capture_on_commit_callbacks):
    token = _invite(account, owner, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    stranger = UserFactory(email="someone.else@example.com")
    api_client.force_authenticate(stranger)
    refused = api_client.post("/api/v1/invitations/accept/", {"token": token}, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "invitation_email_mismatch"
    accepted = api_client.post("/api/v1/invitations/accept/", {"token": token, "confirm_other_email": True},
                               format="json")
    assert accepted.status_code == 201 and accepted.json()["account_id"] == account.pk


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_invitations_to_one_address_make_one():
    account = AccountFactory()
    owner = MembershipFactory(account=account, role=Role.OWNER).user

    def invite(_: int):
        return people.invitation_create(account=account, email="race@example.com", role=Role.MEMBER, invited_by=owner)

    results = run_parallel(4, invite)
    made = [r for r in results if isinstance(r, Invitation)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert (len(made), len(refused)) == (1, 3)
    assert {r.code for r in refused} == {"invitation_pending"}
    assert Invitation.objects.filter(account=account, email="race@example.com").count() == 1


def test_an_expired_invitation_makes_room_for_a_new_one_and_stays_expired(account, owner):
    old = people.invitation_create(account=account, email="late@example.com", role=Role.MEMBER, invited_by=owner)
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    new = people.invitation_create(account=account, email="late@example.com", role=Role.MEMBER, invited_by=owner)
    old.refresh_from_db()
    assert (old.status, new.status) == ("expired", "pending")
    people.invitation_revoke(invitation=new)
    new.refresh_from_db()
    assert new.status == "revoked"


def test_finance_sees_who_accepted_which_invitation(admin_client, account, owner,
                                                    django_capture_on_commit_callbacks):
    token = _invite(account, owner, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    stranger = UserFactory(username="stranger", email="someone.else@example.com")
    people.invitation_accept(token=token, user=stranger, confirm_other_email=True)
    page = admin_client.get(reverse("admin:workspaces_invitation_changelist")).content.decode()
    assert "li@example.com" in page and "someone.else@example.com" in page and "stranger" in page
    invitation = Invitation.objects.get(account=account)
    detail = admin_client.get(reverse("admin:workspaces_invitation_change", args=[invitation.pk]))
    assert detail.status_code == 200 and invitation.token_hash not in detail.content.decode()


def test_the_trail_credits_the_person_who_accepted_and_keeps_no_token(client, account, owner,
                                                                      django_capture_on_commit_callbacks):
    token = _invite(account, owner, "new@example.com",
                    django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    response = client.post(reverse("invitation-accept", args=[token]),
                           {"username": "newbie", "password": "Sturdy-pass-42", "password_again": "Sturdy-pass-42"})
    assert response.status_code == 302
    newbie = Membership.objects.get(account=account, user__username="newbie").user
    rows = audit_selectors.rows(audit_selectors.audit_event_list(account=account, kind="people"))
    joined = [row for row in rows if row.action == "insert" and "membership" in row.model.lower()
              and row.after.get("role") == Role.MEMBER]
    assert [row.user_id for row in joined] == [newbie.pk]
    assert all(token not in row.url for row in rows)
    assert not [c for c in Context.objects.all() if token in str(c.metadata)]


def test_a_role_change_names_the_new_role_and_asks_first(owner_client, account):
    person = MembershipFactory(account=account, role=Role.MEMBER, user=UserFactory(username="mei"))
    page = owner_client.get(reverse("people", args=[account.pk])).content.decode()
    assert "确定更改 mei 的角色吗" in page  # the confirmation the button asks first (default language)
    response = owner_client.post(reverse("membership-role", args=[account.pk, person.pk]),
                                 {"role": Role.ADMINISTRATOR}, follow=True)
    assert "mei 现在是管理员。" in response.content.decode()
    person.refresh_from_db()
    assert person.role == Role.ADMINISTRATOR
