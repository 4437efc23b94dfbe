"""The one application error. Services raise it; the API answers it as
{"error": {"code", "message", "fields"}} and the pages show its message."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    status_code = 400

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        fields: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = fields or {}
        if status is not None:
            self.status_code = status


class Conflict(ApplicationError):
    """The request is valid but the state does not allow it (409)."""

    status_code = 409


class Unprocessable(ApplicationError):
    """The request is well formed but its content cannot be processed (422)."""

    status_code = 422


class Locked(ApplicationError):
    """The resource is locked, e.g. a workspace locked for arrears (423)."""

    status_code = 423
