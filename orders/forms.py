"""The orders pages' forms: each validates what a person typed and returns typed values (a plan, traffic
specs, workspaces in order, payment tenders), with its errors attached to the field they concern. Amounts
are parsed by core.money.parse_page_amount, ids by core.parsing.is_id; the business checks are the services' own
(orders/validation.py), so a page and the API refuse the same things with the same message."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import partial
from typing import Any, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import QueryDict
from django.utils.translation import gettext as _

from core.formatting import money as format_money
from core.money import ZERO, parse_page_amount, quantize
from core.pages import attempt
from core.parsing import is_id
from orders.error_codes import OrdersErrorCode as Code
from orders.validation import TrafficSpec, validate_traffic, validate_workspaces
from payments.tenders import TenderSpec
from plans.models import Plan
from plans.selectors import Figures
from workspaces.models import Account, Workspace

MAX_CAPACITY_DIGITS = 18
MAX_POSITION_DIGITS = 5
UNPOSITIONED = 10_000  # ticked workspaces without a position number come after the numbered ones


def error_list(form: forms.Form) -> list[str]:
    """Every message of the form, field by field in field order, then the form's own: what the pages list
    above the form."""
    messages: list[str] = []
    for name in [*form.fields, NON_FIELD_ERRORS]:
        messages.extend(str(message) for message in form.errors.get(name, []))
    return messages


class _DynamicForm(forms.Form):
    """A form whose inputs are named after database rows (`cap_<id>`, `card_<id>`): fields added at runtime."""

    def add_text_field(self, name: str) -> None:
        self.fields[name] = forms.CharField(required=False, strip=True)


# ------------------------------------------------------------------------------------------------ plans


class PlanChoiceForm(forms.Form):
    """One plan by id (the radio `plan`); `plans` is where to look (the plans on sale, or every plan when the
    service gives the precise refusal)."""

    plan = forms.CharField(required=False, strip=False)

    def __init__(self, *args: Any, plans: Iterable[Plan], message: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plans, self.message = plans, message

    def clean_plan(self) -> Plan:
        raw = self.cleaned_data.get("plan") or ""
        plan = next((p for p in self.plans if p.pk == int(raw)), None) if is_id(raw, max_digits=17) else None
        if plan is None:
            raise forms.ValidationError(self.message, code=Code.UNKNOWN_PLAN)
        return plan


# ------------------------------------------------------------------------------------------------ traffic


class TrafficForm(_DynamicForm):
    """Inputs `cap_<traffic package id>` (blank or 0 = not chosen; thousands separators allowed) ->
    `traffic`: [(traffic package, capacity)] checked by validate_traffic with `figures` (the catalogue of the
    account's today, orders.pricing.order_figures); `raw`: the values to show again."""

    def __init__(self, data: Any, *, traffic_packages: Any, figures: Figures | None = None) -> None:
        super().__init__(data)
        self.traffic_packages = list(traffic_packages)
        self.figures = figures
        for tp in self.traffic_packages:
            self.add_text_field(f"cap_{tp.pk}")

    @property
    def raw(self) -> dict[int, str]:
        return {tp.pk: (self.data.get(f"cap_{tp.pk}") or "").strip().replace(",", "") for tp in self.traffic_packages}

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        chosen: list[TrafficSpec] = []
        for tp in self.traffic_packages:
            name = f"cap_{tp.pk}"
            value = (data.get(name) or "").replace(",", "")
            if not value:
                continue
            if not is_id(value) or len(value) > MAX_CAPACITY_DIGITS:
                self.add_error(name, _("The capacity of %(name)s must be a whole number.") % {"name": tp})
                continue
            if not int(value):
                continue
            # each capacity is checked on its own, so every field's error shows at once
            _ok, error = attempt(partial(validate_traffic, [(tp, int(value))], self.figures))
            if error is not None:
                self.add_error(name, error.message)
                continue
            chosen.append((tp, int(value)))
        data["traffic"] = chosen
        if not self.errors:
            _ok, error = attempt(lambda: validate_traffic(chosen, self.figures))
            if error is not None:
                raise forms.ValidationError(error.message, code=error.code)
        return data

    @property
    def field_errors(self) -> dict[int, list[str]]:
        """The errors of each capacity input, by traffic package id (shown next to the input)."""
        return {tp.pk: [str(m) for m in self.errors.get(f"cap_{tp.pk}", [])] for tp in self.traffic_packages}

    @property
    def traffic(self) -> list[TrafficSpec]:
        """The chosen traffic (when the form is invalid: the inputs that could be read)."""
        self.is_valid()
        return self.cleaned_data.get("traffic", [])


# ------------------------------------------------------------------------------------------------ workspaces


def _rank(raw: str, index: int) -> tuple[int, int]:
    return (int(raw) if is_id(raw, max_digits=MAX_POSITION_DIGITS) else UNPOSITIONED + index, index)


class WizardWorkspacesForm(_DynamicForm):
    """Ticked `workspace` ids with `position_<id>` numbers -> `workspaces` of the account, in position order
    (unnumbered ones after, in ticking order), checked by validate_workspaces."""

    def __init__(self, data: Any, *, account: Account) -> None:
        super().__init__(data)
        self.account = account
        self.by_id = {ws.pk: ws for ws in Workspace.objects.for_account(account)}
        self.add_text_field("workspace")
        for ws_id in self.by_id:
            self.add_text_field(f"position_{ws_id}")

    @property
    def checked(self) -> list[int]:
        data = cast(QueryDict, self.data)  # a request's POST
        return [int(raw) for raw in data.getlist("workspace") if is_id(raw) and int(raw) in self.by_id]

    @property
    def positions(self) -> dict[int, str]:
        return {ws_id: (self.data.get(f"position_{ws_id}") or "").strip() for ws_id in self.by_id}

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        posted = cast(QueryDict, self.data)  # a request's POST
        unknown = [raw for raw in posted.getlist("workspace") if not is_id(raw) or int(raw) not in self.by_id]
        for _raw in unknown:
            self.add_error("workspace", _("Unknown workspace."))
        positions = self.positions
        self._check_positions(positions)
        ordered = sorted((*_rank(positions[ws_id], index), ws_id) for index, ws_id in enumerate(self.checked))
        data["workspaces"] = [self.by_id[ws_id] for _r, _i, ws_id in ordered]
        if not self.errors:
            _ok, error = attempt(lambda: validate_workspaces(self.account, data["workspaces"]))
            if error is not None:
                self.add_error("workspace", error.message)
        return data


    def _check_positions(self, positions: dict[int, str]) -> None:
        """A position is a whole number from 1, given to one ticked workspace only: "1 and 1" is refused next
        to each of them rather than ordered silently."""
        taken: dict[int, list[int]] = {}
        for ws_id in self.checked:
            raw = positions[ws_id]
            if not raw:
                continue
            if not is_id(raw, max_digits=MAX_POSITION_DIGITS) or int(raw) < 1:
                self.add_error(f"position_{ws_id}", _("%(name)s: a position is a whole number from 1.")
                               % {"name": self.by_id[ws_id].name})
                continue
            taken.setdefault(int(raw), []).append(ws_id)
        for number, ids in taken.items():
            if len(ids) > 1:
                names = ", ".join(self.by_id[ws_id].name for ws_id in ids)
                for ws_id in ids:
                    self.add_error(f"position_{ws_id}", _("Position %(n)s is given to %(names)s: give each "
                                                          "workspace its own number.") % {"n": number, "names": names})

    @property
    def position_errors(self) -> dict[int, list[str]]:
        """The errors of each workspace's position input, by workspace id (shown next to the input)."""
        return {ws_id: [str(m) for m in self.errors.get(f"position_{ws_id}", [])] for ws_id in self.by_id}


class PackageWorkspacesForm(forms.Form):
    """Plan management: `action=add` with a `workspace` id, or a reorder with `position_<id>` for every
    current workspace of the package -> `workspace` (to add) or `workspaces` (the new order)."""

    def __init__(self, data: Any, *, account: Account, current_ids: list[int]) -> None:
        super().__init__(data)
        self.by_id = {ws.pk: ws for ws in Workspace.objects.for_account(account)}
        self.current_ids = current_ids
        self.adding = data.get("action") == "add"

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        if self.adding:
            raw = self.data.get("workspace", "")
            data["workspace"] = self.by_id.get(int(raw)) if is_id(raw, max_digits=17) else None
            if data["workspace"] is None:
                raise forms.ValidationError(_("Choose a workspace to add."), code=Code.UNKNOWN_WORKSPACE)
            return data
        ranked = []
        for index, ws_id in enumerate(self.current_ids):
            raw = (self.data.get(f"position_{ws_id}") or "").strip()
            if not is_id(raw, max_digits=MAX_POSITION_DIGITS):
                raise forms.ValidationError(_("Give every workspace a position number."), code=Code.INVALID)
            ranked.append((int(raw), index, ws_id))
        data["workspaces"] = [self.by_id[ws_id] for _r, _i, ws_id in sorted(ranked)]
        return data


# ------------------------------------------------------------------------------------------------ cashier


class CashierForm(_DynamicForm):
    """The cashier's inputs -> `tenders`: [TenderSpec]. `voucher_<id>` and `card_<id>` amounts (every posted
    one, so an instrument that stopped being usable gets the payment's own refusal), then `cash`; a blank
    cash input pays the rest of `total` in cash. Amounts are read as people type them ("1,000.00", "¥1,000",
    core.money.parse_page_amount). With `balances` ({input name: what that instrument holds}) and
    `cash_balance`, an amount over what its instrument holds is refused next to its input, and so is a cash
    amount the cash balance does not cover (`shortfall` then says by how much), before anything is written."""

    PREFIXES = (("voucher_", "voucher"), ("card_", "card"))

    def __init__(self, data: Any, *, total: Decimal, cash_balance: Decimal | None = None,
                 balances: dict[str, Decimal] | None = None) -> None:
        super().__init__(data)
        self.total = total
        self.cash_balance = cash_balance
        self.balances = balances or {}
        self.shortfall = ZERO
        self.kinds: dict[str, tuple[str, str]] = {}
        for prefix, kind in self.PREFIXES:
            for name in data:
                if name.startswith(prefix):
                    self.add_text_field(name)
                    self.kinds[name] = (kind, name[len(prefix):])
        self.add_text_field("cash")

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        tenders: list[TenderSpec] = []
        for name, (kind, raw_id) in self.kinds.items():
            value = data.get(name)
            if not value:
                continue
            try:
                amount = parse_page_amount(value)
            except ValueError as error:
                self.add_error(name, str(error))
                continue
            if not is_id(raw_id, max_digits=18):
                self.add_error(name, _("Unknown card or voucher."))
                continue
            held = self.balances.get(name)
            if held is not None and amount > held:
                self.add_error(name, _("This holds %(held)s; it cannot pay %(amount)s.")
                               % {"held": format_money(held), "amount": format_money(amount)})
                continue
            tenders.append(TenderSpec(kind=kind, amount=amount, instrument_id=int(raw_id)))
        others = quantize(sum((t.amount for t in tenders), ZERO))
        cash = None
        if data.get("cash"):
            try:
                cash = parse_page_amount(data["cash"])
            except ValueError as error:
                self.add_error("cash", str(error))
        elif self.total - others > 0:
            cash = quantize(self.total - others)
        if cash is not None:
            tenders.append(TenderSpec(kind="cash", amount=cash))
            if self.cash_balance is not None and cash > self.cash_balance:
                self.shortfall = quantize(cash - self.cash_balance)
                self.add_error("cash", _("The cash balance is %(balance)s: %(short)s short of the %(cash)s to pay "
                                         "in cash. Recharge, pay the rest online, or allocate less cash.")
                               % {"balance": format_money(self.cash_balance), "short": format_money(self.shortfall),
                                  "cash": format_money(cash)})
        data["tenders"] = tenders
        return data
