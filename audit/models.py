"""The audit trail: one pghistory event model per tracked model, all in this app (their migrations too).

Each event row is written by a database trigger on the tracked table (so writes that bypass the ORM are
caught too) and carries: the label (insert / update / delete / refund / adjustment / recipient_added ...),
the tracked fields as they were after the change (before, for a delete), pgh_created_at, the pghistory context
(who: the request's user, and the URL; see pghistory.middleware.HistoryMiddleware in settings) and
`scope_account_id`, the account the change belongs to (null for the catalogue), set by a second BEFORE INSERT
trigger on the event table from the tracked row's account path. Event tables are append-only: a trigger
refuses UPDATE and DELETE (pghistory's append_only).

The triggers are installed by `pgtrigger install` after every migrate (PGTRIGGER_INSTALL_ON_MIGRATE), not by
migrations of the tracked apps, so those apps' migrations stay theirs. Fields are listed explicitly so that a
field another app adds does not silently change the trail.
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from pghistory.models import Event

from notifications.models import AlertRule
from orders.models import Order, Package, PackageWorkspace
from payments.models import LedgerEntry, Payment
from plans import models as plans
from workspaces.models import Invitation, Membership, WorkspaceStoragePolicy


class AuditEventBase(Event):
    scope_account_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        abstract = True


def _scope(expression: str) -> pgtrigger.Trigger:
    return pgtrigger.Trigger(
        name="audit_scope", when=pgtrigger.Before, operation=pgtrigger.Insert,
        func=f"NEW.scope_account_id := {expression}; RETURN NEW;",
    )


OWN_ACCOUNT = "NEW.account_id"
CATALOGUE = "NULL"


def _changes() -> tuple:
    """Fresh trackers per model: pghistory stores the tracked fields on the tracker instance."""
    return pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent()


def _index(event_label: str, tracked_label: str) -> pgtrigger.Trigger:
    """After each event row: its entry in the trail's index (TrailEntry), by audit_index_event() (audit migration
    0003), which also computes the change against the object's previous event."""
    return pgtrigger.Trigger(
        name="audit_index", when=pgtrigger.After, operation=pgtrigger.Insert,
        func=f"PERFORM audit_index_event('{event_label}', '{tracked_label}', to_jsonb(NEW)); RETURN NULL;",
    )


def _event_model(tracked, name: str, fields: list[str], scope: str, *trackers, **kwargs):
    triggers = [_scope(scope), _index(f"audit.{name}", tracked._meta.label)]
    return pghistory.create_event_model(
        tracked, *(trackers or _changes()), fields=fields, app_label="audit", model_name=name, abstract=False,
        base_model=AuditEventBase, append_only=True, meta={"triggers": triggers}, **kwargs,
    )


# ----------------------------------------------------------------------------------- account changes
PackageWorkspaceEvent = _event_model(
    PackageWorkspace, "PackageWorkspaceEvent", ["package", "workspace", "position", "valid_from", "valid_until"],
    "(SELECT account_id FROM orders_package WHERE id = NEW.package_id)",
)
StoragePolicyChoiceEvent = _event_model(
    WorkspaceStoragePolicy, "StoragePolicyChoiceEvent", ["workspace", "billing_item", "storage_policy", "valid_from"],
    "(SELECT account_id FROM workspaces_workspace WHERE id = NEW.workspace_id)",
)
AlertRuleEvent = _event_model(
    AlertRule, "AlertRuleEvent", ["account", "workspace", "billing_item", "threshold", "is_active"], OWN_ACCOUNT,
)
AlertRecipientEvent = _event_model(
    AlertRule.recipients.through, "AlertRecipientEvent", ["alertrule", "membership"],
    "(SELECT account_id FROM notifications_alertrule WHERE id = NEW.alertrule_id)",
    pghistory.InsertEvent("recipient_added"), pghistory.DeleteEvent("recipient_removed"),
    obj_field=None,
)
MembershipEvent = _event_model(Membership, "MembershipEvent", ["account", "user", "role"], OWN_ACCOUNT)
InvitationEvent = _event_model(
    Invitation, "InvitationEvent",
    ["account", "email", "role", "invited_by", "expires_at", "accepted_at", "accepted_by", "revoked_at"], OWN_ACCOUNT,
)
PackageEvent = _event_model(
    Package, "PackageEvent", ["account", "plan", "starts_on", "ends_on", "auto_renew"], OWN_ACCOUNT,
    pghistory.InsertEvent(), pghistory.UpdateEvent(condition=pghistory.AnyChange("auto_renew")),
)
OrderRefundEvent = _event_model(
    Order, "OrderRefundEvent", ["account", "kind", "status", "refund_reason", "closed_at"], OWN_ACCOUNT,
    pghistory.UpdateEvent("refund", condition=pgtrigger.Q(new__status="refunded", old__status__df="refunded")),
)
RefundPaymentEvent = _event_model(
    Payment, "RefundPaymentEvent",
    ["account", "purpose", "source_type", "source_id", "amount", "refunded_payment", "created_by"], OWN_ACCOUNT,
    pghistory.InsertEvent("refund", condition=pgtrigger.Q(new__purpose="refund")),
)
AdjustmentEvent = _event_model(
    LedgerEntry, "AdjustmentEvent",
    ["account", "balance_kind", "amount", "balance_after", "reason", "memo", "created_by"], OWN_ACCOUNT,
    pghistory.InsertEvent("adjustment", condition=pgtrigger.Q(new__reason="adjustment")),
)

# ----------------------------------------------------------------------------------- the catalogue
BillingItemEvent = _event_model(
    plans.BillingItem, "BillingItemEvent", ["code", "name", "pricing_unit", "voucher_payable"], CATALOGUE,
)
StoragePolicyEvent = _event_model(
    plans.StoragePolicy, "StoragePolicyEvent", ["billing_item", "retention_days", "is_default"], CATALOGUE,
)
PlanEvent = _event_model(plans.Plan, "PlanEvent", ["code", "name", "rank", "validity_days", "is_active"], CATALOGUE)
TrafficPackageEvent = _event_model(
    plans.TrafficPackage, "TrafficPackageEvent", ["billing_item", "basic_unit", "is_active"], CATALOGUE,
)
StoragePolicyVersionEvent = _event_model(
    plans.StoragePolicyVersion, "StoragePolicyVersionEvent",
    ["storage_policy", "effective_from", "price", "conversion_factor"], CATALOGUE,
)
PlanVersionEvent = _event_model(plans.PlanVersion, "PlanVersionEvent", ["plan", "effective_from", "price"], CATALOGUE)
PlanVersionCapacityEvent = _event_model(
    plans.PlanVersionCapacity, "PlanVersionCapacityEvent", ["plan_version", "billing_item", "daily_capacity"],
    CATALOGUE,
)
TrafficPackageVersionEvent = _event_model(
    plans.TrafficPackageVersion, "TrafficPackageVersionEvent",
    ["traffic_package", "effective_from", "minimum_capacity", "unit_price"], CATALOGUE,
)
TrafficVersionTierEvent = _event_model(
    plans.TrafficVersionTier, "TrafficVersionTierEvent", ["version", "min_capacity", "percent_off"], CATALOGUE,
)


class TrailEntry(models.Model):
    """The trail's index: one row per event of every event table above, written by a trigger on each event table
    (so it sees every event, whatever wrote the tracked row) and never changed afterwards (a trigger refuses
    UPDATE and DELETE). It holds what a page shows (the event's data, its change against the object's previous
    event of the same event table, computed once when the event is written) so that the trail's pages and
    finance's list read one indexed table, newest first, instead of a union of every event table.

    Who and where come from the pghistory context (read through `context` when shown: a request can name its
    user after its first change, e.g. a sign-up accepting an invitation)."""

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(_("time"))
    event_model = models.CharField(max_length=64)
    event_id = models.BigIntegerField()
    obj_model = models.CharField(_("object"), max_length=64)
    obj_id = models.TextField(_("object id"), null=True)
    label = models.CharField(_("action"), max_length=32)
    scope_account_id = models.BigIntegerField(_("account"), null=True)
    context = models.ForeignKey(
        "pghistory.Context", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
    )
    data = models.JSONField()
    diff = models.JSONField(null=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        indexes = [
            models.Index(F("scope_account_id"), F("created_at").desc(), F("id").desc(), name="audit_entry_account"),
            models.Index(F("created_at").desc(), F("id").desc(), name="audit_entry_time"),
            models.Index(fields=["event_model", "obj_id", "event_id"], name="audit_entry_object"),
            # finance's filter by action: a rare action (a refund) is a range, not a walk of the whole trail
            models.Index(F("label"), F("created_at").desc(), F("id").desc(), name="audit_entry_action"),
        ]
        constraints = [
            # event_id first: an index leading with event_model would offer the function's lookup of an object's
            # previous event a plan scanning every event of the model (chosen while the table is small).
            models.UniqueConstraint(fields=["event_id", "event_model"], name="audit_entry_one_per_event"),
        ]
        triggers = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.obj_model} {self.obj_id or ''} {self.label}".strip()
