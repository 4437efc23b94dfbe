"""People and access: invitations, roles, removal, ownership transfer, the Member's landing page, isolation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.factories import AccountFactory, MembershipFactory, UserFactory, WorkspaceFactory
from workspaces import people
from workspaces.models import Membership, Role
from workspaces.people_models import Invitation, OwnershipTransfer

pytestmark = pytest.mark.django_db


def _invite(owner_api, account, email="new@example.com", role="member", django_capture_on_commit_callbacks=None):
    return owner_api.post(f"/api/v1/accounts/{account.id}/invitations/", {"email": email, "role": role},
                          format="json")


def _token_from_mail() -> str:
    body = mail.outbox[-1].body
    return re.search(r"/invitations/([A-Za-z0-9_\-]+)/", body).group(1)


def test_invite_accept_role_change_remove_through_the_api(owner_api, account, owner, api_client,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(owner_api, account, "Li@Example.com", "member")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending" and response.json()["email"] == "li@example.com"
    assert mail.outbox[-1].to == ["li@example.com"]
    token = _token_from_mail()
    assert not Invitation.objects.filter(token_hash=token).exists()  # stored hashed only

    li = UserFactory(username="li", email="li@example.com")
    membership = people.invitation_accept(token=token, user=li)
    assert membership.role == Role.MEMBER and membership.account_id == account.id

    members = owner_api.get(f"/api/v1/accounts/{account.id}/members/").json()["results"]
    assert {m["username"]: m["role"] for m in members}[li.username] == "member"

    response = owner_api.patch(f"/api/v1/accounts/{account.id}/members/{membership.id}/",
                               {"role": "administrator"}, format="json")
    assert response.status_code == 200 and response.json()["role"] == "administrator"

    response = owner_api.delete(f"/api/v1/accounts/{account.id}/members/{membership.id}/")
    assert response.status_code == 204
    assert not Membership.objects.filter(pk=membership.id).exists()


def test_invitation_is_single_use(account, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        people.invitation_create(account=account, email="a@example.com", role="administrator", invited_by=owner)
    token = _token_from_mail()
    people.invitation_accept(token=token, user=UserFactory(email="a@example.com"))
    with pytest.raises(people.Conflict) as error:
        people.invitation_accept(token=token, user=UserFactory())
    assert error.value.code == "invitation_invalid"
    assert Membership.objects.filter(account=account).count() == 2


def test_expired_and_revoked_invitations_do_nothing(client, account, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        expired = people.invitation_create(account=account, email="e@example.com", role="member", invited_by=owner)
    expired_token = _token_from_mail()
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        revoked = people.invitation_create(account=account, email="r@example.com", role="member", invited_by=owner)
    revoked_token = _token_from_mail()
    people.invitation_revoke(invitation=revoked)
    for token in (expired_token, revoked_token, "not-a-token"):
        page = client.get(reverse("invitation-accept", args=[token]))
        assert page.status_code == 410 and 'id="invitation-invalid"' in page.content.decode()
        client.force_login(UserFactory())
        assert client.post(reverse("invitation-accept", args=[token])).status_code == 410
        client.logout()
    assert Membership.objects.filter(account=account).count() == 1


def test_new_person_signs_up_on_the_accept_page(client, account, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        people.invitation_create(account=account, email="new@example.com", role="member", invited_by=owner)
    url = reverse("invitation-accept", args=[_token_from_mail()])
    bad = client.post(url, {"username": "newbie", "password": "Sturdy-pass-42", "password_again": "other"})
    assert bad.status_code == 400 and "newbie" in bad.content.decode()  # input kept, error by the field
    response = client.post(url, {"username": "newbie", "password": "Sturdy-pass-42",
                                 "password_again": "Sturdy-pass-42"})
    assert response.status_code == 302 and response.url == reverse("account-home", args=[account.id])
    membership = Membership.objects.get(account=account, user__username="newbie")
    assert membership.role == Role.MEMBER and membership.user.email == "new@example.com"
    home = client.get(response.url)
    assert home.status_code == 200 and 'id="member-home"' in home.content.decode()


def test_invitation_validation_and_duplicates(owner_api, account, owner):
    assert _invite(owner_api, account, "not-an-email").json()["error"]["code"] == "invalid_email"
    assert _invite(owner_api, account, "x@example.com", "owner").json()["error"]["code"] == "invalid_role"
    assert _invite(owner_api, account, owner.email).json()["error"]["code"] == "already_member"
    assert _invite(owner_api, account, "x@example.com").status_code == 201
    response = _invite(owner_api, account, "x@example.com")
    assert response.status_code == 409 and response.json()["error"]["code"] == "invitation_pending"


def test_owner_revokes_through_api_and_wrong_account_is_404(owner_api, account, owner, other_account):
    invitation_id = _invite(owner_api, account, "v@example.com").json()["id"]
    foreign = people.invitation_create(account=other_account, email="f@example.com", role="member",
                                       invited_by=UserFactory())
    assert owner_api.delete(f"/api/v1/accounts/{account.id}/invitations/{foreign.id}/").status_code == 404
    response = owner_api.delete(f"/api/v1/accounts/{account.id}/invitations/{invitation_id}/")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert owner_api.delete(f"/api/v1/accounts/{account.id}/invitations/{invitation_id}/").status_code == 409
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_last_owner_is_protected(owner_api, account, owner):
    own = Membership.objects.get(account=account, user=owner)
    response = owner_api.patch(f"/api/v1/accounts/{account.id}/members/{own.id}/", {"role": "member"},
                               format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "last_owner"
    assert owner_api.delete(f"/api/v1/accounts/{account.id}/members/{own.id}/").status_code == 409
    other = MembershipFactory(account=account, role=Role.MEMBER)
    response = owner_api.patch(f"/api/v1/accounts/{account.id}/members/{other.id}/", {"role": "owner"},
                               format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "owner_role_by_transfer"
    own.refresh_from_db()
    assert own.role == Role.OWNER


def test_owner_cannot_demote_self_even_with_a_second_owner(account, owner):
    MembershipFactory(account=account, role=Role.OWNER)
    own = Membership.objects.get(account=account, user=owner)
    with pytest.raises(people.Conflict):
        people.membership_change_role(account=account, membership=own, role="administrator", by=owner)


def test_transfer_needs_both(client, account, owner, administrator):
    admin_membership = Membership.objects.get(account=account, user=administrator)
    client.force_login(owner)
    client.post(reverse("ownership-transfer", args=[account.id]), {"membership": admin_membership.id})
    transfer = OwnershipTransfer.objects.get(account=account)
    assert Membership.objects.get(account=account, user=owner).role == Role.OWNER  # nothing moved yet
    # the owner cannot accept in the administrator's place
    client.post(reverse("ownership-transfer-accept", args=[account.id, transfer.id]))
    assert Membership.objects.get(account=account, user=owner).role == Role.OWNER
    client.force_login(administrator)
    page = client.get(reverse("people", args=[account.id])).content.decode()
    assert reverse("ownership-transfer-accept", args=[account.id, transfer.id]) in page
    client.post(reverse("ownership-transfer-accept", args=[account.id, transfer.id]))
    assert Membership.objects.get(account=account, user=administrator).role == Role.OWNER
    assert Membership.objects.get(account=account, user=owner).role == Role.ADMINISTRATOR
    transfer.refresh_from_db()
    assert transfer.accepted_at is not None


def test_transfer_only_to_an_administrator_and_api(owner_api, account, owner, member, administrator, api_client):
    member_m = Membership.objects.get(account=account, user=member)
    response = owner_api.post(f"/api/v1/accounts/{account.id}/ownership-transfers/", {"membership": member_m.id},
                              format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "transfer_target"
    admin_m = Membership.objects.get(account=account, user=administrator)
    response = owner_api.post(f"/api/v1/accounts/{account.id}/ownership-transfers/", {"membership": admin_m.id},
                              format="json")
    assert response.status_code == 201
    transfer_id = response.json()["id"]
    api_client.force_authenticate(administrator)
    response = api_client.post(f"/api/v1/accounts/{account.id}/ownership-transfers/{transfer_id}/accept/")
    assert response.status_code == 200
    assert Membership.objects.get(pk=admin_m.pk).role == Role.OWNER


def test_member_lands_on_a_member_page(client, account, member, owner):
    WorkspaceFactory(account=account, name="Frontend")
    client.force_login(member)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="member-home"' in content and "Frontend" in content and owner.email in content
    assert "¥" not in content and "Wallet" not in content


def test_administrator_gets_403_on_owner_only_actions(client, api_client, account, administrator, member):
    target = Membership.objects.get(account=account, user=member)
    client.force_login(administrator)
    assert client.get(reverse("people", args=[account.id])).status_code == 200
    assert client.post(reverse("people", args=[account.id]), {"email": "z@example.com", "role": "member"}
                       ).status_code == 403
    assert client.post(reverse("membership-remove", args=[account.id, target.id])).status_code == 403
    assert client.post(reverse("membership-role", args=[account.id, target.id]), {"role": "administrator"}
                       ).status_code == 403
    api_client.force_authenticate(administrator)
    assert api_client.post(f"/api/v1/accounts/{account.id}/invitations/", {"email": "z@example.com",
                                                                          "role": "member"}).status_code == 403
    assert Membership.objects.filter(pk=target.pk, role=Role.MEMBER).exists()
    assert not Invitation.objects.exists()


def test_member_gets_403_on_people_and_stranger_404(client, account, member):
    client.force_login(member)
    assert client.get(reverse("people", args=[account.id])).status_code == 403
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(reverse("people", args=[account.id])).status_code == 404
    assert client.get(reverse("account-home", args=[account.id])).status_code == 404


def test_pages_invite_revoke_role_remove(client, account, owner, django_capture_on_commit_callbacks,
                                         django_assert_max_num_queries):
    client.force_login(owner)
    bad = client.post(reverse("people", args=[account.id]), {"email": "nope", "role": "member"})
    assert bad.status_code == 400 and 'value="nope"' in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("people", args=[account.id]), {"email": "p@example.com", "role": "administrator"})
    invitation = Invitation.objects.get(account=account)
    client.post(reverse("invitation-revoke", args=[account.id, invitation.id]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    for _ in range(5):
        MembershipFactory(account=account, role=Role.MEMBER)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("people", args=[account.id])).status_code == 200
    target = Membership.objects.filter(account=account, role=Role.MEMBER).first()
    client.post(reverse("membership-role", args=[account.id, target.id]), {"role": "administrator"})
    target.refresh_from_db()
    assert target.role == Role.ADMINISTRATOR
    client.post(reverse("membership-remove", args=[account.id, target.id]))
    assert not Membership.objects.filter(pk=target.pk).exists()


def test_membership_of_another_account_is_404(owner_api, account, other_account):
    foreign = MembershipFactory(account=AccountFactory(), role=Role.MEMBER)
    response = owner_api.patch(f"/api/v1/accounts/{account.id}/members/{foreign.id}/", {"role": "administrator"},
                               format="json")
    assert response.status_code == 404


@pytest.mark.django_db
def test_an_address_longer_than_the_column_is_a_field_error_not_a_500(client):
    """validate_email takes up to 320 characters; the invitation's column holds 254."""

    account = AccountFactory()
    owner = MembershipFactory(account=account, role=Role.OWNER).user
    client.force_login(owner)
    address = "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".com"
    assert 254 < len(address) <= 320
    with pytest.raises(people.ApplicationError) as raised:
        people.invitation_create(account=account, email=address, role=Role.MEMBER, invited_by=owner)
    assert "email" in raised.value.fields
    assert not Invitation.objects.exists()
