"""The renewal page's form: the plan (same or bigger), the workspaces kept and their order, and whether to
keep the traffic packages. The business checks are the services' (orders/renewal.py)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _

from core.parsing import is_id
from orders.error_codes import OrdersErrorCode as Code
from orders.forms import MAX_POSITION_DIGITS, UNPOSITIONED
from plans.models import Plan
from workspaces.models import Workspace


class RenewalForm(forms.Form):
    """`plan` (an id among `plans`), `include_<id>` ticks and `position_<id>` numbers for the candidate
    workspaces, `keep_traffic` -> plan, workspaces (in order), keep_traffic."""

    keep_traffic = forms.BooleanField(required=False)

    def __init__(self, data: Any, *, plans: list[Plan], candidates: list[Workspace]) -> None:
        super().__init__(data)
        self.plans, self.candidates = plans, candidates

    def clean(self) -> dict[str, Any]:
        """Every problem at once (the plan, each bad position, no workspace kept), not the first one only."""
        data = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        raw = (self.data.get("plan") or "").strip()
        plan = next((p for p in self.plans if p.pk == int(raw)), None) if is_id(raw, max_digits=17) else None
        if plan is None:
            self.add_error(None, forms.ValidationError(_("Choose the same plan or a bigger one."),
                                                       code=Code.RENEWAL_PLAN_SMALLER))
        ranked = []
        for index, ws in enumerate(self.candidates):
            if not self.data.get(f"include_{ws.pk}"):
                continue
            position = (self.data.get(f"position_{ws.pk}") or "").strip()
            if position and not is_id(position, max_digits=MAX_POSITION_DIGITS):
                self.add_error(None, forms.ValidationError(
                    _("%(name)s: a position is a whole number from 1.") % {"name": ws.name}, code=Code.INVALID))
                continue
            ranked.append((int(position) if position else UNPOSITIONED, index, ws))
        if not ranked and not any(self.data.get(f"include_{ws.pk}") for ws in self.candidates):
            self.add_error(None, forms.ValidationError(_("Keep at least one workspace."), code=Code.NO_WORKSPACE))
        if self.errors:
            return data
        data["plan"] = plan
        data["workspaces"] = [ws for _p, _i, ws in sorted(ranked, key=lambda r: (r[0], r[1]))]
        return data
