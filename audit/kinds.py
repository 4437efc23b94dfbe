"""The kinds of object in the trail (the "kind" filter) and which event models each covers."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from audit import models as events


class Kind(models.TextChoices):
    WORKSPACE_ORDER = "workspace_order", _("Workspace order")
    STORAGE_POLICY = "storage_policy", _("Storage policies")
    ALERT = "alert", _("Alerts")
    PEOPLE = "people", _("Roles and invitations")
    RENEWAL = "renewal", _("Renewal settings")
    REFUND = "refund", _("Refunds")
    ADJUSTMENT = "adjustment", _("Adjustments")
    CATALOGUE = "catalogue", _("Catalogue")


EVENT_MODELS: dict[str, list[type[models.Model]]] = {
    Kind.WORKSPACE_ORDER: [events.PackageWorkspaceEvent],
    Kind.STORAGE_POLICY: [events.StoragePolicyChoiceEvent],
    Kind.ALERT: [events.AlertRuleEvent, events.AlertRecipientEvent],
    Kind.PEOPLE: [events.MembershipEvent, events.InvitationEvent],
    Kind.RENEWAL: [events.PackageEvent],
    Kind.REFUND: [events.OrderRefundEvent, events.RefundPaymentEvent],
    Kind.ADJUSTMENT: [events.AdjustmentEvent],
    Kind.CATALOGUE: [
        events.BillingItemEvent, events.StoragePolicyEvent, events.PlanEvent, events.TrafficPackageEvent,
        events.StoragePolicyVersionEvent, events.PlanVersionEvent, events.PlanVersionCapacityEvent,
        events.TrafficPackageVersionEvent, events.TrafficVersionTierEvent,
    ],
}
ACCOUNT_KINDS = [kind for kind in Kind if kind != Kind.CATALOGUE]
KIND_OF_MODEL = {model._meta.label: kind for kind, found in EVENT_MODELS.items() for model in found}


def event_models(kinds) -> list[type[models.Model]]:
    return [model for kind in kinds for model in EVENT_MODELS[kind]]
