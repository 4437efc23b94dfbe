"""Reads of the audit trail. Owners read their account's (always scoped by scope_account_id); finance reads
every account's in admin."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from audit.kinds import ACCOUNT_KINDS, KIND_OF_MODEL, Kind, event_models
from audit.models import AuditEvent
from audit.sentences import SECRET_KEYS, Names, sentence
from core.days import day_bounds
from workspaces.models import Account, Membership

HIDDEN_KEYS = {"scope_account_id"} | SECRET_KEYS  # a secret is never shown, not even as before/after
ACTION_LABELS = {
    "insert": _("Added"), "update": _("Changed"), "delete": _("Deleted"), "refund": _("Refund"),
    "adjustment": _("Adjustment"), "recipient_added": _("Recipient added"), "recipient_removed": _("Recipient removed"),
}


def audit_event_list(
    *,
    account: Account,
    kind: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    user_id: int | None = None,
) -> QuerySet[AuditEvent]:
    """The account's events, newest first. Days are the account's calendar days, both ends inclusive."""
    kinds = [kind] if kind in ACCOUNT_KINDS else ACCOUNT_KINDS
    events = AuditEvent.objects.across(*event_models(kinds)).filter(pgh_data__scope_account_id=account.pk)
    if date_from:
        events = events.filter(pgh_created_at__gte=day_bounds(account, date_from)[0])
    if date_to:
        events = events.filter(pgh_created_at__lt=day_bounds(account, date_to)[1])
    if user_id:
        events = events.filter(user=user_id)
    return events.order_by("-pgh_created_at", "-pgh_id")


def all_events() -> QuerySet[AuditEvent]:
    """Every account's events and the catalogue's (finance, in admin)."""
    return AuditEvent.objects.across(*event_models(list(Kind))).order_by("-pgh_created_at", "-pgh_id")


def people_choices(*, account: Account) -> list[Any]:
    """The users the person filter offers: the account's members."""
    memberships = Membership.objects.filter(account=account).select_related("user").order_by("user__username")
    return [m.user for m in memberships]


@dataclass(frozen=True)
class Row:
    """One event ready to show or export."""

    at: datetime.datetime
    kind: str
    kind_label: str
    model: str
    object_id: str | None
    action: str
    action_label: str
    user_id: int | None
    person: str
    url: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    sentence: str = ""

    @property
    def before_json(self) -> str:
        return json.dumps(self.before, ensure_ascii=False, sort_keys=True) if self.before is not None else ""

    @property
    def after_json(self) -> str:
        return json.dumps(self.after, ensure_ascii=False, sort_keys=True) if self.after is not None else ""


def _visible(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    return {key: value for key, value in data.items() if key not in HIDDEN_KEYS}


def before_after(event: AuditEvent) -> tuple[dict | None, dict | None]:
    """Insert: nothing before, the new row after. Delete: the row before, nothing after. Other changes: the
    changed fields before and after (against the object's previous event), or the row after when no earlier
    event of the object was recorded."""
    data = _visible(event.pgh_data) or {}
    label = event.pgh_label
    if label in ("insert", "recipient_added", "adjustment") or (label == "refund" and not event.pgh_diff):
        return None, data
    if label in ("delete", "recipient_removed"):
        return data, None
    if event.pgh_diff:
        diff = _visible(event.pgh_diff) or {}
        return {k: v[0] for k, v in diff.items()}, {k: v[1] for k, v in diff.items()}
    return None, data


def rows(events: Iterable[AuditEvent], *, account: Account | None = None) -> list[Row]:
    """Events as rows, each with its sentence in the current language (audit/sentences.py): the people read
    in one query, each kind of object the events name in one more."""
    events = list(events)
    user_ids = {e.user_id for e in events if e.user_id}
    users: dict[int, Any] = (
        {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids)} if user_ids else {}
    )
    names = Names([e.pgh_data or {} for e in events], users, account=account)
    found = []
    for event in events:
        before, after = before_after(event)
        kind = KIND_OF_MODEL.get(event.pgh_model, "")
        user = users.get(event.user_id) if event.user_id else None
        person = user.get_username() if user else ""
        text = sentence(names, event_model=event.pgh_model, tracked_model=event.pgh_obj_model or "",
                        label=event.pgh_label, person=person or str(_("System")), data=event.pgh_data or {},
                        before=before, after=after)
        found.append(Row(
            at=event.pgh_created_at, kind=kind, kind_label=str(Kind(kind).label) if kind else "",
            model=event.pgh_obj_model, object_id=event.pgh_obj_id, action=event.pgh_label,
            action_label=str(ACTION_LABELS.get(event.pgh_label, event.pgh_label)), user_id=event.user_id,
            person=person, url=event.url or "", before=before, after=after, sentence=text,
        ))
    return found
