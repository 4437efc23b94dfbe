"""Each audit event as one sentence in the reader's language (docs/RULES-audit.md "How an event reads").

`describe(events, users)` turns a page of events into sentences such as "demo-owner changed Log data retention of
Workspace A from 14 days to 30 days, from 2026-12-07". The ids the events hold (workspace, billing item, storage
policy, package, plan, person, membership, alert) are resolved to names with ONE query per kind of id for the
whole page, never per event. Fields that hold secrets (tokens, their hashes, webhook secrets) are never shown.
Call it inside the reader's language (the request's, or `translation.override`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core import formatting
from notifications.models import AlertRule
from orders.models import Package
from plans.models import BillingItem, Plan, StoragePolicy
from workspaces.models import Membership, Role, Workspace, WorkspaceStoragePolicy

# Never shown, whatever model they appear in (none is tracked today; a field added later stays hidden).
SECRET_KEYS = frozenset({"token", "token_hash", "secret", "secrets", "password", "key", "key_hash", "signing_secret",
                         "previous_secret", "totp_secret", "recovery_codes"})
HIDDEN_KEYS = frozenset({"scope_account_id", "id", "pgh_obj_id"}) | SECRET_KEYS
MONEY_KEYS = frozenset({"threshold", "amount", "balance_after", "price", "unit_price"})

# id field -> what it names
REFERENCES = {
    "workspace_id": "workspace", "billing_item_id": "item", "storage_policy_id": "policy", "package_id": "package",
    "plan_id": "plan", "user_id": "user", "invited_by_id": "user", "accepted_by_id": "user",
    "created_by_id": "user", "membership_id": "membership", "alertrule_id": "alert",
}


def _translate_name(name: str) -> str:
    """A catalogue name as the reader reads it (plans/catalogue_i18n.py); names finance added stay as entered."""
    return _(name) if name else ""


class Names:
    """The names of every id a page of events mentions, read with one query per kind."""

    def __init__(self, datas: Iterable[Mapping[str, Any]], users: Mapping[int, Any], account: Any = None) -> None:
        self.account = account
        wanted: dict[str, set[int]] = {kind: set() for kind in set(REFERENCES.values())}
        datas_list = list(datas)
        for data in datas_list:
            for key, kind in REFERENCES.items():
                value = data.get(key)
                if isinstance(value, int):
                    wanted[kind].add(value)
        self.users = dict(users)
        missing_users = wanted["user"] - set(self.users)
        if missing_users:
            self.users.update(get_user_model().objects.in_bulk(list(missing_users)))
        self.memberships = (
            Membership.objects.select_related("user").in_bulk(list(wanted["membership"])) if wanted["membership"]
            else {}
        )
        self.alerts = (
            AlertRule.objects.select_related("workspace", "billing_item").in_bulk(list(wanted["alert"]))
            if wanted["alert"] else {}
        )
        workspace_ids = wanted["workspace"] | {a.workspace_id for a in self.alerts.values()}
        self.workspaces = Workspace.objects.in_bulk(list(workspace_ids)) if workspace_ids else {}
        self.packages = (
            Package.objects.select_related("plan").in_bulk(list(wanted["package"])) if wanted["package"] else {}
        )
        self.plans = Plan.objects.in_bulk(list(wanted["plan"])) if wanted["plan"] else {}
        # the policy in force before each scheduled storage-policy choice: the workspace's latest earlier choice,
        # else the item's default (one query for the choices, the policies read with the others below)
        self.previous_policy: dict[tuple[int, int, str], int | None] = {}
        choices = [
            (d["workspace_id"], d["billing_item_id"], str(d.get("valid_from") or ""))
            for d in datas_list if {"workspace_id", "billing_item_id", "storage_policy_id"} <= set(d)
        ]
        if choices:
            earlier: dict[tuple[int, int], list[tuple[str, int]]] = {}
            for workspace_id, item_id, valid_from, policy_id in WorkspaceStoragePolicy.objects.filter(
                workspace_id__in={c[0] for c in choices}
            ).values_list("workspace_id", "billing_item_id", "valid_from", "storage_policy_id"):
                earlier.setdefault((workspace_id, item_id), []).append((valid_from.isoformat(), policy_id))
            for workspace_id, item_id, valid_from in choices:
                before = [p for day, p in sorted(earlier.get((workspace_id, item_id), [])) if day < valid_from]
                self.previous_policy[(workspace_id, item_id, valid_from)] = before[-1] if before else None
                wanted["policy"].update(before[-1:])
        items = {c[1] for c in choices}
        self.policies = (
            StoragePolicy.objects.filter(Q(pk__in=wanted["policy"]) | Q(billing_item_id__in=items, is_default=True))
            .in_bulk() if wanted["policy"] or items else {}
        )
        self.default_policy = {p.billing_item_id: p.pk for p in self.policies.values() if p.is_default}
        self.items = BillingItem.objects.in_bulk(list(wanted["item"])) if wanted["item"] else {}

    # one name per kind, "#id" when the object is gone
    def workspace(self, pk: Any) -> str:
        found = self.workspaces.get(pk)
        return found.name if found else _gone(pk)

    def item(self, pk: Any) -> str:
        found = self.items.get(pk)
        return _translate_name(found.name) if found else _gone(pk)

    def policy(self, pk: Any) -> str:
        found = self.policies.get(pk)
        if found is None:
            return _gone(pk)
        if found.retention_days is None:
            return _("unlimited retention")
        return _("%(days)s days") % {"days": found.retention_days}

    def package(self, pk: Any) -> str:
        found = self.packages.get(pk)
        if found is None:
            return _gone(pk)
        return _("%(plan)s #%(id)s") % {"plan": _translate_name(found.plan.name), "id": found.pk}

    def policy_before(self, data: Mapping[str, Any]) -> str:
        key = (data.get("workspace_id"), data.get("billing_item_id"), str(data.get("valid_from") or ""))
        previous = self.previous_policy.get(key)  # type: ignore[arg-type]
        if previous is None:
            previous = self.default_policy.get(data.get("billing_item_id"))  # type: ignore[arg-type]
        return self.policy(previous) if previous is not None else "—"

    def plan(self, pk: Any) -> str:
        found = self.plans.get(pk)
        return _translate_name(found.name) if found else _gone(pk)

    def user(self, pk: Any) -> str:
        found = self.users.get(pk)
        return found.get_username() if found else _gone(pk)

    def membership(self, pk: Any) -> str:
        found = self.memberships.get(pk)
        return found.user.get_username() if found else _gone(pk)

    def alert(self, pk: Any) -> str:
        found = self.alerts.get(pk)
        if found is None:
            return _gone(pk)
        return _alert_name(found.workspace.name, _translate_name(found.billing_item.name) if found.billing_item
                           else "")


def _gone(pk: Any) -> str:
    return f"#{pk}" if pk is not None else "—"


def _alert_name(workspace: str, item: str) -> str:
    if item:
        return _("the alert on %(item)s of %(workspace)s") % {"item": item, "workspace": workspace}
    return _("the alert on %(workspace)s") % {"workspace": workspace}


def _money(value: Any) -> str:
    try:
        return formatting.money(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _day(value: Any) -> str:
    if not value:
        return "—"
    if isinstance(value, str):
        try:
            return formatting.day(datetime.date.fromisoformat(value[:10]))
        except ValueError:
            return value
    return formatting.day(value)


def _role(value: Any) -> str:
    try:
        return str(Role(value).label)
    except ValueError:
        return str(value)


def field_label(model_label: str, key: str) -> str:
    """The tracked field's translated verbose name (`workspace_id` -> "workspace")."""
    try:
        model = apps.get_model(model_label)
        name = key[:-3] if key.endswith("_id") else key
        return str(model._meta.get_field(name).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist):  # an unknown field shows its key
        return key


def show_value(names: Names, key: str, value: Any) -> str:
    """One value as a person reads it: names for ids, money, days, roles, yes/no."""
    if key in SECRET_KEYS:
        return "***"
    if value is None or value == "":
        return "—"
    if key in REFERENCES:
        return str(getattr(names, REFERENCES[key])(value))
    if key in MONEY_KEYS:
        return _money(value)
    if key == "role":
        return _role(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key.endswith(("_at", "_from", "_until", "_on")) or key in ("effective_from",):
        if str(value)[10:11] == "T":
            try:
                return formatting.moment(datetime.datetime.fromisoformat(str(value)), names.account)
            except ValueError:
                return str(value)
        return _day(value)
    return str(value)


def changes_text(names: Names, model_label: str, before: Mapping[str, Any] | None,
                 after: Mapping[str, Any] | None) -> str:
    """"threshold ¥500.00 → ¥800.00; active yes → no" (secrets and internal keys left out)."""
    keys = sorted(set(before or {}) | set(after or {}))
    parts = []
    for key in keys:
        if key in HIDDEN_KEYS:
            continue
        label = field_label(model_label, key)
        if before is not None and after is not None:
            parts.append(_("%(field)s %(before)s → %(after)s") % {
                "field": label, "before": show_value(names, key, before.get(key)),
                "after": show_value(names, key, after.get(key))})
        else:
            parts.append(_("%(field)s %(value)s") % {
                "field": label, "value": show_value(names, key, (after if after is not None else before or {})
                                                     .get(key))})
    return pgettext("list separator", "; ").join(parts)


# --------------------------------------------------------------------------------------------------------------
# the sentences, one function per tracked model (the event model's name)


def _storage_choice(n: Names, p: str, label: str, d: Mapping[str, Any], before: Any, after: Any) -> str | None:
    values = {"person": p, "item": n.item(d.get("billing_item_id")), "workspace": n.workspace(d.get("workspace_id")),
              "new": n.policy(d.get("storage_policy_id")), "day": _day(d.get("valid_from"))}
    if label == "insert":
        return _("%(person)s changed %(item)s retention of %(workspace)s from %(old)s to %(new)s, from %(day)s") % {
            **values, "old": n.policy_before(d)}
    if label == "delete":
        return _("%(person)s cancelled the change of %(item)s retention of %(workspace)s to %(new)s from "
                 "%(day)s") % values
    return None


def _package_workspace(n: Names, p: str, label: str, d: Mapping[str, Any], before: Any, after: Any) -> str | None:
    values = {"person": p, "workspace": n.workspace(d.get("workspace_id")), "package": n.package(d.get("package_id")),
              "position": d.get("position"), "day": _day(d.get("valid_from"))}
    if label == "insert":
        return _("%(person)s put %(workspace)s in package %(package)s at position %(position)s, from %(day)s") % values
    if label == "delete":
        return _("%(person)s took %(workspace)s out of package %(package)s") % values
    if label == "update" and after and set(after) == {"position"}:
        return _("%(person)s moved %(workspace)s in package %(package)s from position %(old)s to %(position)s") % {
            **values, "old": (before or {}).get("position")}
    if label == "update" and after and "valid_until" in after and after["valid_until"]:
        return _("%(person)s ended %(workspace)s in package %(package)s on %(until)s") % {
            **values, "until": _day(after["valid_until"])}
    return None


def _alert_rule(n: Names, p: str, label: str, d: Mapping[str, Any], before: Any, after: Any) -> str | None:
    item = n.item(d["billing_item_id"]) if d.get("billing_item_id") else ""
    values = {"person": p, "alert": _alert_name(n.workspace(d.get("workspace_id")), item),
              "threshold": _money(d.get("threshold"))}
    if label == "insert":
        return _("%(person)s added %(alert)s with a daily threshold of %(threshold)s") % values
    if label == "delete":
        return _("%(person)s deleted %(alert)s") % values
    if label == "update" and after and set(after) == {"threshold"}:
        return _("%(person)s changed the threshold of %(alert)s from %(old)s to %(threshold)s") % {
            **values, "old": _money((before or {}).get("threshold"))}
    if label == "update" and after and set(after) == {"is_active"}:
        if after["is_active"]:
            return _("%(person)s turned on %(alert)s") % values
        return _("%(person)s turned off %(alert)s") % values
    return None


def _alert_recipient(n: Names, p: str, label: str, d: Mapping[str, Any], before: Any, after: Any) -> str | None:
    values = {"person": p, "member": n.membership(d.get("membership_id")), "alert": n.alert(d.get("alertrule_id"))}
    if label == "recipient_added":
        return _("%(person)s added %(member)s to the recipients of %(alert)s") % values
    if label == "recipient_removed":
        return _("%(person)s removed %(member)s from the recipients of %(alert)s") % values
    return None


def _membership(n: Names, p: str, label: str, d: Mapping[str, Any], before: Any, after: Any) -> str | None:
    values = {"person": p, "user": n.user(d.get("user_id")), "role": _role(d.get("role"))}
    if label == "insert":
        return _("%(person)s added %(user)s as %(role)s") % values
    if label == "delete":
        return _("%(person)s removed %(user)s (%(role)s) from the account") % values
    if label == "update" and after and set(after) == {"role"}:
        return _("%(person)s changed the role of %(user)s from %(old)s to %(role)s") % {
            **values, "old": _role((before or {}).get("role"))}
    return None


def _invitation(n: Names, p: str, label: str, d: Mapping[str, Any], before: Any, after: Any) -> str | None:
    values = {"person": p, "email": d.get("email", ""), "role": _role(d.get("role")),
              "day": _day(d.get("expires_at"))}
    if label == "insert":
        return _("%(person)s invited %(email)s as %(role)s (the link expires on %(day)s)") % values
    if label == "delete":
        return _("%(person)s deleted the invitation of %(email)s") % values
    if label == "update" and after and after.get("accepted_at"):
        return _("%(user)s accepted the invitation of %(email)s as %(role)s") % {
            **values, "user": n.user(d.get("accepted_by_id")) if d.get("accepted_by_id") else p}
    if label == "update" and after and after.get("revoked_at"):
        return _("%(person)s revoked the invitation of %(email)s") % values
    return None


def _package(n: Names, p: str, label: str, d: Mapping[str, Any], before: Any, after: Any) -> str | None:
    values = {"person": p, "plan": n.plan(d.get("plan_id")), "start": _day(d.get("starts_on")),
              "end": _day(d.get("ends_on"))}
    if label == "insert":
        return _("Package %(plan)s started: %(start)s to %(end)s") % values
    if label == "update" and after and "auto_renew" in after:
        if after["auto_renew"]:
            return _("%(person)s turned on automatic renewal of package %(plan)s (%(start)s to %(end)s)") % values
        return _("%(person)s turned off automatic renewal of package %(plan)s (%(start)s to %(end)s)") % values
    return None


def _order_refund(n: Names, p: str, label: str, d: Mapping[str, Any], before: Any, after: Any) -> str | None:
    return _("%(person)s refunded an order: %(reason)s") % {"person": p, "reason": d.get("refund_reason") or "—"}


def _refund_payment(n: Names, p: str, label: str, d: Mapping[str, Any], before: Any, after: Any) -> str | None:
    amount = abs(Decimal(str(d.get("amount") or 0)))
    return _("%(person)s paid back %(amount)s") % {"person": p, "amount": _money(amount)}


def _adjustment(n: Names, p: str, label: str, d: Mapping[str, Any], before: Any, after: Any) -> str | None:
    values = {"person": p, "amount": _money(d.get("amount")), "after": _money(d.get("balance_after")),
              "memo": d.get("memo") or d.get("reason") or "—"}
    return _("%(person)s adjusted the balance by %(amount)s (now %(after)s): %(memo)s") % values


SENTENCES = {
    "StoragePolicyChoiceEvent": _storage_choice, "PackageWorkspaceEvent": _package_workspace,
    "AlertRuleEvent": _alert_rule, "AlertRecipientEvent": _alert_recipient, "MembershipEvent": _membership,
    "InvitationEvent": _invitation, "PackageEvent": _package, "OrderRefundEvent": _order_refund,
    "RefundPaymentEvent": _refund_payment, "AdjustmentEvent": _adjustment,
}


def sentence(names: Names, *, event_model: str, tracked_model: str, label: str, person: str,
             data: Mapping[str, Any], before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> str:
    """The event as one sentence; models and changes without a sentence of their own read
    "<person> changed <thing>: field before → after"."""
    build = SENTENCES.get(event_model.rsplit(".", 1)[-1])
    found = build(names, person, label, data, before, after) if build else None
    if found:
        return found
    thing = _thing(tracked_model, data)
    changes = changes_text(names, tracked_model, before, after)
    if label == "insert":
        return _("%(person)s added %(thing)s: %(changes)s") % {"person": person, "thing": thing, "changes": changes}
    if label == "delete":
        return _("%(person)s deleted %(thing)s: %(changes)s") % {"person": person, "thing": thing, "changes": changes}
    return _("%(person)s changed %(thing)s: %(changes)s") % {"person": person, "thing": thing, "changes": changes}


def _thing(tracked_model: str, data: Mapping[str, Any]) -> str:
    try:
        verbose = str(apps.get_model(tracked_model)._meta.verbose_name)
    except (LookupError, ValueError):
        verbose = tracked_model
    name = data.get("name") or data.get("code")
    return f"{verbose} {_translate_name(str(name))}" if name else verbose
