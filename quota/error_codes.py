"""Every error code the quota app raises (the `code` of `core.exceptions.ApplicationError` and its
subclasses). The values are part of the API: never change one, add a member instead."""

from __future__ import annotations

from enum import StrEnum


class QuotaErrorCode(StrEnum):
    INVALID = "invalid"  # a malformed value that has no more specific code (a service token's name)
    DAY_IN_FUTURE = "day_in_future"  # a night asked for a day that has not begun anywhere
    INVALID_USAGE = "invalid_usage"  # a usage batch with at least one invalid record (422, nothing written)
    WORKSPACE_LOCKED = "workspace_locked"  # usage of a workspace locked for arrears (423, nothing written)
    DUPLICATE_TOKEN = "duplicate_token"  # a service token name already in use
