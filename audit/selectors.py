"""Reads of the audit trail. Owners read their account's (always scoped by scope_account_id); finance reads
every account's in admin."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import IntegerField, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from audit.kinds import ACCOUNT_KINDS, KIND_OF_MODEL, Kind, event_models
from audit.models import TrailEntry
from audit.sentences import SECRET_KEYS, Names, sentence
from core.days import day_bounds
from workspaces.models import Account, Membership

HIDDEN_KEYS = {"scope_account_id"} | SECRET_KEYS  # a secret is never shown, not even as before/after
ACTION_LABELS = {
    "insert": _("Added"), "update": _("Changed"), "delete": _("Deleted"), "refund": _("Refund"),
    "adjustment": _("Adjustment"), "recipient_added": _("Recipient added"), "recipient_removed": _("Recipient removed"),
}


def _entries() -> QuerySet[TrailEntry]:
    """The index with who and where (the pghistory context, joined by its key)."""
    return TrailEntry.objects.annotate(
        user_id=Cast(KeyTextTransform("user", "context__metadata"), IntegerField()),
        url=KeyTextTransform("url", "context__metadata"),
    )


def audit_event_list(
    *,
    account: Account,
    kind: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    user_id: int | None = None,
) -> QuerySet[TrailEntry]:
    """The account's events, newest first, from the trail's index (one indexed range of one table, never a union
    of the event tables). Days are the account's calendar days, both ends inclusive."""
    events = _entries().filter(scope_account_id=account.pk)  # catalogue events have no account
    if kind in ACCOUNT_KINDS:
        events = events.filter(event_model__in=[model._meta.label for model in event_models([kind])])
    if date_from:
        events = events.filter(created_at__gte=day_bounds(account, date_from)[0])
    if date_to:
        events = events.filter(created_at__lt=day_bounds(account, date_to)[1])
    if user_id:
        events = events.filter(context__metadata__user=user_id)
    return events.order_by("-created_at", "-id")


def all_events() -> QuerySet[TrailEntry]:
    """Every account's events and the catalogue's (finance, in admin), newest first."""
    return _entries().order_by("-created_at", "-id")


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


def before_after(event: TrailEntry) -> tuple[dict | None, dict | None]:
    """Insert: nothing before, the new row after. Delete: the row before, nothing after. Other changes: the
    changed fields before and after (against the object's previous event), or the row after when no earlier
    event of the object was recorded."""
    data = _visible(event.data) or {}
    label = event.label
    if label in ("insert", "recipient_added", "adjustment") or (label == "refund" and not event.diff):
        return None, data
    if label in ("delete", "recipient_removed"):
        return data, None
    if event.diff:
        diff = _visible(event.diff) or {}
        return {k: v[0] for k, v in diff.items()}, {k: v[1] for k, v in diff.items()}
    return None, data


def _who(event: TrailEntry) -> int | None:
    return getattr(event, "user_id", None)


def rows(events: Iterable[TrailEntry], *, account: Account | None = None) -> list[Row]:
    """Events as rows, each with its sentence in the current language (audit/sentences.py): the people read
    in one query, each kind of object the events name in one more."""
    events = list(events)  # each annotated with user_id and url by _entries()
    user_ids = {_who(e) for e in events if _who(e)}
    users: dict[int, Any] = (
        {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids)} if user_ids else {}
    )
    names = Names([e.data or {} for e in events], users, account=account)
    found = []
    for event in events:
        before, after = before_after(event)
        kind = KIND_OF_MODEL.get(event.event_model, "")
        user_id = _who(event)
        user = users.get(user_id) if user_id else None
        person = user.get_username() if user else ""
        text = sentence(names, event_model=event.event_model, tracked_model=event.obj_model or "",
                        label=event.label, person=person or str(_("System")), data=event.data or {},
                        before=before, after=after)
        found.append(Row(
            at=event.created_at, kind=kind, kind_label=str(Kind(kind).label) if kind else "",
            model=event.obj_model, object_id=event.obj_id, action=event.label,
            action_label=str(ACTION_LABELS.get(event.label, event.label)), user_id=user_id,
            person=person, url=getattr(event, "url", None) or "", before=before, after=after, sentence=text,
        ))
    return found
