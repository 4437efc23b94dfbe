"""Every error code the quota app raises (the `code` of `core.exceptions.ApplicationError` and its
subclasses). The values are part of the API: never change one, add a member instead."""

from __future__ import annotations

from enum import StrEnum


class QuotaErrorCode(StrEnum):
    INVALID = "invalid"  # a malformed value that has no more specific code (a service token's name)
    DAY_IN_FUTURE = "day_in_future"  # a night, or a usage record, for a day that has not begun (yet)
    INVALID_USAGE = "invalid_usage"  # a usage batch with at least one invalid record (422, nothing written)
    WORKSPACE_LOCKED = "workspace_locked"  # a usage record of a workspace locked for arrears (refused record)
    WORKSPACE_FREE = "workspace_free"  # a usage record of a Free workspace: not billed (refused record)
    DAY_BEFORE_COMMERCIAL = "day_before_commercial"  # a usage day before the workspace became Commercial
    DAY_OUTSIDE_WINDOW = "day_outside_window"  # a usage day older than the usage window (refused record)
    DUPLICATE_TOKEN = "duplicate_token"  # a service token name already in use
    USAGE_DROPPED = "usage_dropped"  # a night for a day whose raw usage retention dropped (bills stay as they are)
