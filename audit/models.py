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
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from pghistory.models import Event, Events

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


def _event_model(tracked, name: str, fields: list[str], scope: str, *trackers, **kwargs):
    return pghistory.create_event_model(
        tracked, *(trackers or _changes()), fields=fields, app_label="audit", model_name=name, abstract=False,
        base_model=AuditEventBase, append_only=True, meta={"triggers": [_scope(scope)]}, **kwargs,
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


class AuditEvent(Events):
    """Every event of the models above in one queryset (pghistory's aggregate over the event tables):
    pgh_data (the snapshot), pgh_diff ({field: [before, after]} against the object's previous event),
    pgh_obj_model, pgh_obj_id, pgh_label, pgh_created_at, user and url (from the context). Read through
    audit/selectors.py, which scopes it to an account."""

    user = pghistory.ProxyField(
        "pgh_context__user",
        models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True, related_name="+"),
    )
    url = pghistory.ProxyField("pgh_context__url", models.TextField(null=True))

    class Meta:
        proxy = True
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
