"""Every error code the notifications app raises (values are part of the API: never change one)."""

from enum import StrEnum


class NotificationsErrorCode(StrEnum):
    INVALID = "invalid"
    ALERT_UNKNOWN_WORKSPACE = "alert_unknown_workspace"
    ALERT_RECIPIENT_OUTSIDE_ACCOUNT = "alert_recipient_outside_account"
    ALERT_DUPLICATE = "alert_duplicate"
