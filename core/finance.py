"""The Finance group: what the vendor's finance staff may do in admin. Kept in step after every migrate."""

from __future__ import annotations

FINANCE_GROUP = "Finance"

# app label -> model names -> actions granted. Balances are never edited directly: money moves through
# admin actions that call services, so wallets, cards, vouchers and the ledger are view-only here.
FINANCE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "workspaces": {"account": ("view",), "workspace": ("view",), "membership": ("view",),
                   "workspacestoragepolicy": ("view",)},
    "plans": {
        "billingitem": ("view", "change"), "storagepolicy": ("view", "add", "change"),
        "plan": ("view", "add", "change"), "plancapacity": ("view", "add", "change", "delete"),
        "trafficpackage": ("view", "add", "change"), "trafficdiscounttier": ("view", "add", "change", "delete"),
    },
    "core": {"financesettings": ("view", "change")},
    "payments": {
        "wallet": ("view", "adjust"), "prepaidcard": ("view",), "voucher": ("view", "add"),
        "vouchercodebatch": ("view", "add"),
        "cardgifttier": ("view", "add", "change", "delete"), "payment": ("view",), "paymenttender": ("view",),
        "ledgerentry": ("view",), "recharge": ("view", "change"), "gatewaycallback": ("view",),
    },
    "orders": {"order": ("view", "change"), "package": ("view",), "orderline": ("view",)},
    "quota": {"usagerecord": ("view",), "bill": ("view", "change"), "billline": ("view",),
              "billsettlement": ("view",), "servicetoken": ("view", "add", "change"),
              "nightmark": ("view",)},
    "statements": {
        "monthlybill": ("view",), "invoicerequestline": ("view",), "arrearsaccount": ("view",),
        "expiringcard": ("view",), "expiringvoucher": ("view",), "revenueday": ("view",),
        "invoicerequest": ("view", "change"),
    },
    "notifications": {"alertrule": ("view",), "alertevent": ("view",), "expiryreminder": ("view",)},
    "django_celery_beat": {"periodictask": ("view", "change"), "crontabschedule": ("view",)},
    "audit": {"auditevent": ("view",)},
    "webhooks": {"webhookendpoint": ("view",), "webhookdelivery": ("view",), "webhookattempt": ("view",)},
}


def sync_finance_group(**kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=FINANCE_GROUP)
    wanted = []
    for app_label, models in FINANCE_PERMISSIONS.items():
        for model, actions in models.items():
            for action in actions:
                wanted.append((app_label, f"{action}_{model}"))
    permissions = Permission.objects.filter(content_type__app_label__in=FINANCE_PERMISSIONS.keys())
    by_key = {(p.content_type.app_label, p.codename): p for p in permissions.select_related("content_type")}
    group.permissions.add(*[by_key[key] for key in wanted if key in by_key])
