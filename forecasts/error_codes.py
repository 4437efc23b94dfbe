"""Every error code the forecasts app raises (values are part of the API: never change one)."""

from enum import StrEnum


class ForecastsErrorCode(StrEnum):
    INVALID = "invalid"
    UNKNOWN_PACKAGE = "warning_unknown_package"
    UNKNOWN_ITEM = "warning_unknown_item"
    UNKNOWN_WORKSPACE = "warning_unknown_workspace"
