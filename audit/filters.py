"""The trail's filters (page and API alike): from / to (account days, inclusive), kind, person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from audit.kinds import ACCOUNT_KINDS
from core.parsing import DayFormField


class AuditFilterForm(forms.Form):
    date_from = DayFormField(label=_("From"), required=False,
                             widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    date_to = DayFormField(label=_("To"), required=False,
                           widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("All")), *[(k.value, k.label) for k in ACCOUNT_KINDS]],
                             widget=forms.Select(attrs={"class": "form-select"}))
    person = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None,
                                    widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args: Any, people: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = cast(forms.TypedChoiceField, self.fields["person"])
        person.choices = [("", _("Anyone")), *[(u.pk, u.get_username()) for u in people]]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end is before the start."))
        return data


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    kind: str | None = None
    user_id: int | None = None

    def as_kwargs(self) -> dict[str, Any]:
        return {"date_from": self.date_from, "date_to": self.date_to, "kind": self.kind, "user_id": self.user_id}


def read_filters(params, *, people: list[Any]) -> tuple[Filters, AuditFilterForm]:
    form = AuditFilterForm(params or None, people=people)
    if not params or not form.is_valid():
        return Filters(), form
    data = form.cleaned_data
    return Filters(data.get("date_from"), data.get("date_to"), data.get("kind") or None, data.get("person")), form


__all__ = ["AuditFilterForm", "Filters", "read_filters"]
