"""Writes for people and access: invitations, roles, removal and ownership transfer.

Rules (docs/RULES-people.md):
- Only an owner invites, changes roles, removes people and proposes a transfer (capability manage_people).
- An invitation names an email and a role (Administrator or Member), is valid INVITATION_VALID_DAYS days and
  works once; only the SHA-256 of its random token is stored. Revoked, used or expired: it does nothing.
  One open invitation per address and account (a partial unique constraint). It is bound to its address: a
  signed-in user with another email must confirm explicitly, and finance sees who accepted it as whom.
- Ownership never moves through a role change: the owner proposes a transfer to an administrator, who
  accepts it; then they swap roles. An account never loses its last owner and an owner never demotes or
  removes themselves.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

import pghistory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, Conflict
from workspaces.models import Account, Membership, Role
from workspaces.people_error_codes import PeopleErrorCode as Code
from workspaces.people_models import Invitation, OwnershipTransfer
from workspaces.signals import invitation_created

if TYPE_CHECKING:
    from django.contrib.auth.models import User

INVITABLE_ROLES = (Role.ADMINISTRATOR, Role.MEMBER)
# What the audit trail records as the page of an acceptance: the invitation link is a credential, never kept.
INVITATION_AUDIT_URL = "/invitations/accept/"


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode("utf-8", "surrogatepass")).hexdigest()


def accept_url(token: str) -> str:
    base = settings.FEE_CENTER["PUBLIC_BASE_URL"].rstrip("/")
    return base + reverse("invitation-accept", args=[token])


# --- invitations ---------------------------------------------------------------------------------------------


@transaction.atomic
def invitation_create(*, account: Account, email: str, role: str, invited_by: User) -> Invitation:
    """Invite `email` as `role`; `invitation_created` carries the accept link (mailed after commit)."""
    email = (email or "").strip().lower()
    try:
        if len(email) > Invitation._meta.get_field("email").max_length:  # type: ignore[operator]
            raise ValidationError("too long")  # validate_email takes up to 320 characters, the column 254
        validate_email(email)
    except ValidationError:
        raise ApplicationError(_("Type a valid email address."), code=Code.INVALID_EMAIL,
                               fields={"email": ["Enter a valid email address."]}) from None
    if role not in INVITABLE_ROLES:
        raise ApplicationError(_("Invite people as Administrator or Member."), code=Code.INVALID_ROLE,
                               fields={"role": ["Administrator or Member."]})
    if Membership.objects.filter(account=account, user__email__iexact=email).exists():
        raise Conflict(_("%(email)s is already a member of this account.") % {"email": email}, code=Code.ALREADY_MEMBER,
                       fields={"email": ["Already a member."]})
    now = timezone.now()
    open_ones = Invitation.objects.for_account(account).filter(
        email=email, accepted_at__isnull=True, revoked_at__isnull=True
    )
    # An expired invitation is closed at its expiry, so the one-open-invitation constraint lets a new one in.
    open_ones.filter(expires_at__lte=now).update(revoked_at=F("expires_at"))
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():  # the constraint decides between two concurrent invitations to one address
            invitation = Invitation.objects.create(
                account=account, email=email, role=role, token_hash=token_hash(token), invited_by=invited_by,
                expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
            )
    except IntegrityError:
        raise Conflict(_("%(email)s already has a pending invitation; revoke it to send a new one.") % {"email": email},
                       code=Code.INVITATION_PENDING, fields={"email": ["Already invited."]}) from None
    invitation_created.send(sender=Invitation, invitation=invitation, accept_url=accept_url(token))
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != "pending":
        raise Conflict(_("Only a pending invitation can be revoked."), code=Code.INVITATION_NOT_PENDING)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation of this token whatever its state (the page explains a used/expired/revoked one)."""
    if not token or len(token) > 200:
        return None
    return Invitation.objects.select_related("account", "invited_by").filter(token_hash=token_hash(token)).first()


def email_matches(invitation: Invitation, user: User) -> bool:
    """An invitation is bound to the address it was sent to: does the signed-in user have that address?"""
    return (user.email or "").strip().lower() == invitation.email


@transaction.atomic
def invitation_accept(*, token: str, user: User, confirm_other_email: bool = False) -> Membership:
    """The signed-in `user` joins the account with the invitation's role; the invitation is spent.

    The invitation is bound to its address: a user whose email differs must confirm explicitly
    (`confirm_other_email`), and the address they accepted with is kept for finance. The audit trail credits the
    user who accepts (never "System") and records the page without its token."""
    found = invitation_for_token(token)
    if found is None:
        raise _invalid_invitation()
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    if invitation.status != "pending":
        raise _invalid_invitation()
    if Membership.objects.filter(account_id=invitation.account_id, user=user).exists():
        raise Conflict(_("You are already a member of this account."), code=Code.ALREADY_MEMBER)
    if not email_matches(invitation, user) and not confirm_other_email:
        raise Conflict(
            _("This invitation was sent to %(invited)s, but you are signed in as %(name)s (%(email)s). Confirm that "
              "you accept it as %(name)s, or sign in as the invited person.")
            % {"invited": invitation.email, "name": user.get_username(), "email": user.email or _("no email")},
            code=Code.INVITATION_EMAIL_MISMATCH, fields={"confirm_other_email": ["Confirm to accept as yourself."]},
        )
    with pghistory.context(user=user.pk, url=INVITATION_AUDIT_URL):
        membership = Membership.objects.create(account_id=invitation.account_id, user=user, role=invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.accepted_as_email = (user.email or "").strip().lower()[:254]
        invitation.save(update_fields=["accepted_at", "accepted_by", "accepted_as_email"])
    return membership


@transaction.atomic
def invitation_accept_new_user(*, token: str, username: str, password: str, password_again: str) -> Membership:
    """Sign up on the accept page: a new user with the invited email, then accept."""
    invitation = invitation_for_token(token)
    if invitation is None or invitation.status != "pending":
        raise _invalid_invitation()
    user_model = get_user_model()
    username = (username or "").strip()
    errors: dict[str, list[str]] = {}
    if not username or len(username) > 150 or not username.isprintable():
        errors["username"] = ["Choose a username of 1 to 150 characters."]
    elif user_model.objects.filter(username__iexact=username).exists():
        errors["username"] = ["This username is taken. If it is yours, log in first."]
    if password != password_again:
        errors["password_again"] = ["The two passwords differ."]
    else:
        try:
            validate_password(password, user_model(username=username, email=invitation.email))
        except ValidationError as error:
            errors["password"] = list(error.messages)
    if errors:
        raise ApplicationError(_("Please correct the fields below."), code="invalid", fields=errors)
    with pghistory.context(user=None, url=INVITATION_AUDIT_URL):  # the signup itself: no token in the trail
        user = user_model.objects.create_user(username=username, email=invitation.email, password=password)
    return invitation_accept(token=token, user=user)


def _invalid_invitation() -> ApplicationError:
    return Conflict(_("This invitation link is not valid: it was already used, revoked or it expired. "
                      "Ask the account owner for a new invitation."), code=Code.INVITATION_INVALID)


# --- roles and removal ---------------------------------------------------------------------------------------


def _lock_memberships(account: Account) -> dict[int, Membership]:
    rows = Membership.objects.select_for_update().filter(account=account).order_by("pk")
    return {m.pk: m for m in rows}


@transaction.atomic
def membership_change_role(*, account: Account, membership: Membership, role: str, by: User
                           ) -> Membership:
    if role == Role.OWNER:
        raise ApplicationError(_("Ownership moves only through a transfer that the new owner accepts."),
                               code=Code.OWNER_ROLE_BY_TRANSFER, fields={"role": ["Use a transfer."]})
    if role not in INVITABLE_ROLES:
        raise ApplicationError(_("Choose Administrator or Member."), code=Code.INVALID_ROLE,
                               fields={"role": ["Administrator or Member."]})
    rows = _lock_memberships(account)
    target = rows.get(membership.pk)
    if target is None:
        raise ApplicationError(_("This person is not a member of the account."), code=Code.NOT_A_MEMBER)
    if target.role == Role.OWNER:
        _check_owner_leaves(rows, target, by, action="demote")
    target.role = role
    target.save(update_fields=["role"])
    _cancel_transfers_of(account, target.user_id)
    return target


@transaction.atomic
def membership_remove(*, account: Account, membership: Membership, by: User) -> None:
    rows = _lock_memberships(account)
    target = rows.get(membership.pk)
    if target is None:
        raise ApplicationError(_("This person is not a member of the account."), code=Code.NOT_A_MEMBER)
    if target.role == Role.OWNER:
        _check_owner_leaves(rows, target, by, action="remove")
    _cancel_transfers_of(account, target.user_id)
    Invitation.objects.for_account(account).filter(accepted_by_id=target.user_id).update(accepted_by=None)
    target.delete()


def _check_owner_leaves(rows: dict[int, Membership], target: Membership, by: User, *, action: str) -> None:
    owners = [m for m in rows.values() if m.role == Role.OWNER]
    if len(owners) <= 1:
        raise Conflict(_("An account always keeps an owner: transfer ownership to an administrator first."),
                       code=Code.LAST_OWNER)
    if target.user_id == by.pk:
        message = (_("You cannot demote yourself: transfer ownership to an administrator first.") if action == "demote"
                   else _("You cannot remove yourself: transfer ownership to an administrator first."))
        raise Conflict(message, code=Code.LAST_OWNER)


def _cancel_transfers_of(account: Account, user_id: int) -> None:
    OwnershipTransfer.objects.for_account(account).filter(
        accepted_at__isnull=True, cancelled_at__isnull=True
    ).filter(Q(from_user_id=user_id) | Q(to_user_id=user_id)).update(cancelled_at=timezone.now())


# --- ownership transfer --------------------------------------------------------------------------------------


@transaction.atomic
def ownership_transfer_propose(*, account: Account, by: User, to: Membership) -> OwnershipTransfer:
    rows = _lock_memberships(account)
    proposer = next((m for m in rows.values() if m.user_id == by.pk), None)
    target = rows.get(to.pk)
    if proposer is None or proposer.role != Role.OWNER:
        raise Conflict(_("Only an owner can transfer ownership."), code=Code.TRANSFER_TARGET)
    if target is None or target.role != Role.ADMINISTRATOR:
        raise ApplicationError(_("Ownership goes to an administrator of this account; change the person's role "
                                 "to Administrator first."), code=Code.TRANSFER_TARGET,
                               fields={"membership": ["Not an administrator."]})
    if OwnershipTransfer.objects.for_account(account).filter(
        accepted_at__isnull=True, cancelled_at__isnull=True
    ).exists():
        raise Conflict(_("A transfer is already waiting for an answer; cancel it first."), code=Code.TRANSFER_PENDING)
    return OwnershipTransfer.objects.create(account=account, from_user=by, to_user=target.user)


@transaction.atomic
def ownership_transfer_accept(*, transfer: OwnershipTransfer, by: User) -> OwnershipTransfer:
    """The administrator accepts: they become owner and the proposing owner becomes administrator."""
    rows = _lock_memberships(transfer.account)
    transfer = OwnershipTransfer.objects.select_for_update().get(pk=transfer.pk)
    if not transfer.is_pending:
        raise Conflict(_("This transfer is no longer waiting for an answer."), code=Code.TRANSFER_NOT_PENDING)
    if transfer.to_user_id != by.pk:
        raise Conflict(_("Only the administrator it was offered to can accept this transfer."),
                       code=Code.TRANSFER_TARGET)
    by_user = {m.user_id: m for m in rows.values()}
    old, new = by_user.get(transfer.from_user_id), by_user.get(transfer.to_user_id)
    if old is None or new is None or old.role != Role.OWNER or new.role != Role.ADMINISTRATOR:
        raise Conflict(_("The roles changed since the proposal; ask the owner to propose again."),
                       code=Code.TRANSFER_NOT_PENDING)
    new.role, old.role = Role.OWNER, Role.ADMINISTRATOR
    new.save(update_fields=["role"])
    old.save(update_fields=["role"])
    transfer.accepted_at = timezone.now()
    transfer.save(update_fields=["accepted_at"])
    return transfer


@transaction.atomic
def ownership_transfer_cancel(*, transfer: OwnershipTransfer, by: User) -> OwnershipTransfer:
    """The owner withdraws it or the administrator declines it."""
    transfer = OwnershipTransfer.objects.select_for_update().get(pk=transfer.pk)
    if not transfer.is_pending:
        raise Conflict(_("This transfer is no longer waiting for an answer."), code=Code.TRANSFER_NOT_PENDING)
    if by.pk not in (transfer.from_user_id, transfer.to_user_id):
        raise Conflict(_("Only the two people in a transfer can cancel it."), code=Code.TRANSFER_TARGET)
    transfer.cancelled_at = timezone.now()
    transfer.save(update_fields=["cancelled_at"])
    return transfer
