"""Error codes of people and access (invitations, roles, ownership transfer, second factor). Part of the API:
never change a value, add a member instead."""

from __future__ import annotations

from enum import StrEnum


class PeopleErrorCode(StrEnum):
    INVALID_EMAIL = "invalid_email"
    INVALID_ROLE = "invalid_role"
    ALREADY_MEMBER = "already_member"
    INVITATION_PENDING = "invitation_pending"
    INVITATION_NOT_PENDING = "invitation_not_pending"
    INVITATION_INVALID = "invitation_invalid"  # unknown, used, revoked or expired token
    INVITATION_EMAIL_MISMATCH = "invitation_email_mismatch"  # signed in with another email, not confirmed
    LAST_OWNER = "last_owner"
    OWNER_ROLE_BY_TRANSFER = "owner_role_by_transfer"  # ownership only moves through a transfer
    NOT_A_MEMBER = "not_a_member"
    TRANSFER_TARGET = "transfer_target"  # the new owner must be an administrator of the account
    TRANSFER_PENDING = "transfer_pending"
    TRANSFER_NOT_PENDING = "transfer_not_pending"
