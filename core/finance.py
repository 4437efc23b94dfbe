"""The Finance group: what the vendor's finance staff may do in admin. Kept in step after every migrate.

The list is exactly finance's models (docs/UI.md "Admin"): the catalogue (identities and their dated
versions), wallets and their ledger (adjustments are an admin form), remittances and recharges, vouchers and
code batches, orders and their refunds, bills (read; the re-run action needs "change"), invoice requests, the
arrears and expiry views, revenue, finance settings. Nothing else: not the periodic tasks (django_celery_beat),
service tokens, users and groups, idempotency keys, tenants' alerts and webhooks, or the audit tables behind
the trail. A sync sets the group's permissions to this list, so anything granted by hand is taken back.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

FINANCE_GROUP = "Finance"

VIEW = ("view",)
EDIT = ("view", "add", "change")
EDIT_ROWS = ("view", "add", "change", "delete")

# app label -> model names -> actions granted. Balances are never edited directly: money moves through
# admin actions that call services, so wallets, cards, vouchers and the ledger are view-only here.
FINANCE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    # The customers behind the money (read-only; memberships and invitations are the tenants' business).
    "workspaces": {"account": VIEW, "workspace": VIEW, "workspacestoragepolicy": VIEW},
    "plans": {
        "billingitem": ("view", "change"), "storagepolicy": EDIT, "plan": EDIT, "trafficpackage": EDIT,
        # Dated versions: announced ones are edited or withdrawn until their day (plans/admin.py).
        "storagepolicyversion": EDIT_ROWS, "planversion": EDIT_ROWS, "planversioncapacity": EDIT_ROWS,
        "trafficpackageversion": EDIT_ROWS, "trafficversiontier": EDIT_ROWS,
    },
    "core": {"financesettings": ("view", "change")},
    "payments": {
        "wallet": ("view", "adjust"), "prepaidcard": VIEW, "voucher": ("view", "add"),
        "vouchercodebatch": ("view", "add"), "cardgifttier": EDIT_ROWS, "payment": VIEW, "paymenttender": VIEW,
        "ledgerentry": VIEW, "recharge": ("view", "change"), "gatewaycallback": VIEW,
    },
    "orders": {
        "order": ("view", "change"), "orderline": VIEW, "orderworkspace": VIEW, "package": VIEW,
        "packageplanperiod": VIEW, "packageworkspace": VIEW, "packagetraffic": VIEW, "autorenewattempt": VIEW,
    },
    "quota": {"bill": ("view", "change"), "billline": VIEW, "billsettlement": VIEW, "usagerecord": VIEW},
    "statements": {
        "monthlybill": VIEW, "monthlybillline": VIEW, "invoicerequest": ("view", "change"),
        "invoicerequestline": VIEW, "arrearsaccount": VIEW, "expiringcard": VIEW, "expiringvoucher": VIEW,
        "revenueday": VIEW,
    },
    # The trail finance reads (its index, one row per event; the event tables stay internal).
    "audit": {"trailentry": VIEW},
}


def finance_permission_keys() -> list[tuple[str, str]]:
    return [(app_label, f"{action}_{model}") for app_label, models in FINANCE_PERMISSIONS.items()
            for model, actions in models.items() for action in actions]


def sync_finance_group(**kwargs: Any) -> None:
    group, _created = Group.objects.get_or_create(name=FINANCE_GROUP)
    wanted = finance_permission_keys()
    permissions = Permission.objects.filter(content_type__app_label__in=FINANCE_PERMISSIONS.keys())
    by_key = {(p.content_type.app_label, p.codename): p for p in permissions.select_related("content_type")}
    group.permissions.set([by_key[key] for key in wanted if key in by_key])
