"""The advisor's two inputs, parsed once for the page and the API (core.parsing grammar): `days` (1 to what
usage retention keeps) and `workspaces` (comma-separated ids of the account's Commercial workspaces, in order;
empty: every Commercial workspace, in the order their packages hold them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from advisor.error_codes import AdvisorErrorCode as Code
from advisor.replay import DEFAULT_DAYS, default_workspaces, max_window_days
from core.exceptions import ApplicationError
from core.parsing import parse_id
from workspaces.models import Account, Workspace

MAX_WORKSPACES = 500


@dataclass(frozen=True)
class AdvisorInput:
    days: int
    workspaces: list[Workspace]


def parse_days(raw: str | None, *, account: Account) -> int:
    if raw is None or raw == "":
        return min(DEFAULT_DAYS, max_window_days(account))
    limit = max_window_days(account)
    value = parse_id(raw, max_digits=4)
    if value is None or value > limit:
        message = _("Enter a whole number of days from 1 to %(max)d.") % {"max": limit}
        raise ApplicationError(message, code=Code.INVALID_DAYS, fields={"days": [message]})
    return value


def parse_workspaces(raw: str | None, *, account: Account) -> list[Workspace]:
    text = (raw or "").strip()
    if not text:
        return default_workspaces(account)
    parts = [p.strip() for p in text.split(",")]
    ids = [parse_id(p) for p in parts]
    if len(parts) > MAX_WORKSPACES or any(i is None for i in ids):
        message = _("List workspace ids separated by commas, e.g. 12,7,30.")
        raise ApplicationError(message, code=Code.UNKNOWN_WORKSPACE, fields={"workspaces": [message]})
    seen: set[int] = set()
    for i in ids:
        if i in seen:
            message = _("Workspace %(id)s is listed twice.") % {"id": i}
            raise ApplicationError(message, code=Code.DUPLICATE_WORKSPACE, fields={"workspaces": [message]})
        seen.add(i)  # type: ignore[arg-type]  # None was refused above
    found = {ws.pk: ws for ws in Workspace.objects.for_account(account).filter(pk__in=seen)}
    for i in ids:
        if i not in found:  # unknown and another account's: the same answer
            message = _("Unknown workspace %(id)s.") % {"id": i}
            raise ApplicationError(message, code=Code.UNKNOWN_WORKSPACE, fields={"workspaces": [message]})
        if not found[i].is_commercial:
            message = _("Workspace %(name)s is on the Free plan: only Commercial workspaces are billed.") % {
                "name": found[i].name}
            raise ApplicationError(message, code=Code.NOT_COMMERCIAL, fields={"workspaces": [message]})
    return [found[i] for i in ids if i is not None]


def parse_input(*, account: Account, days: str | None, workspaces: str | None) -> AdvisorInput:
    """Both inputs; every field's error at once (ApplicationError with `fields`)."""
    fields: dict[str, list[str]] = {}
    parsed_days, parsed_ws = DEFAULT_DAYS, []
    try:
        parsed_days = parse_days(days, account=account)
    except ApplicationError as exc:
        fields.update(exc.fields or {})
        first = exc
    try:
        parsed_ws = parse_workspaces(workspaces, account=account)
    except ApplicationError as exc:
        fields.update(exc.fields or {})
        first = exc if "days" not in fields else first
    if fields:
        raise ApplicationError(first.message, code=first.code, fields=fields)
    return AdvisorInput(days=parsed_days, workspaces=parsed_ws)
