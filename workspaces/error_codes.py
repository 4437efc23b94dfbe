"""Error codes the workspaces app's services raise (the `code` of `core.exceptions.ApplicationError`). The values
are part of the API: never change one, add a member instead."""

from __future__ import annotations

from enum import StrEnum


class WorkspaceErrorCode(StrEnum):
    INVALID = "invalid"  # a required value is missing (the account's name)
    DUPLICATE_WORKSPACE = "duplicate_workspace"  # the account already has a workspace of that name
    ALREADY_COMMERCIAL = "already_commercial"  # the workspace is already on the Commercial plan
    UNKNOWN_BILLING_ITEM = "unknown_billing_item"  # a storage-policy change names no billing item we know
    UNKNOWN_STORAGE_POLICY = "unknown_storage_policy"  # the policy is missing or belongs to another item
    FREE_WORKSPACE = "free_workspace"  # a Free workspace is not billed: its storage policy cannot be chosen
    ACCOUNT_IN_ARREARS = "account_in_arrears"  # a workspace is locked for arrears: no buying until they are paid


WorkspacesErrorCode = WorkspaceErrorCode  # the project's naming (<App>ErrorCode); both names are the same enum
