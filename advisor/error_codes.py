"""Every error code the package advisor raises (values are API and never change)."""

from enum import StrEnum


class AdvisorErrorCode(StrEnum):
    INVALID_DAYS = "advisor_invalid_days"
    UNKNOWN_WORKSPACE = "advisor_unknown_workspace"
    NOT_COMMERCIAL = "advisor_workspace_not_commercial"
    DUPLICATE_WORKSPACE = "advisor_duplicate_workspace"
    NO_WORKSPACES = "advisor_no_workspaces"
