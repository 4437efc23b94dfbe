"""Writes for orders and packages. Every function is atomic and validates before it writes.

The writes live in one module per flow; this module keeps their public names importable:
- orders/validation.py: the checks every write makes (plan, traffic, workspaces, totals, the owner);
- orders/purchase.py: creating unpaid purchase, upgrade and traffic orders;
- orders/payment.py: paying (the cashier), cancelling, expiring and refunding orders;
- orders/packages.py: workspace order and added workspaces of a live package, the daily status pass;
- orders/renewal.py: renewal orders (priced like a purchase, paid at the cashier) and the auto-renew opt-in;
- orders/autorenew.py: the daily renewal pass (automatic renewals from the wallet, expiry reminders).
Prices and the days of a change are in orders/pricing.py; row locks in orders/locks.py (documents) and
payments/locks.py (wallet, cards, vouchers), in the order that file states."""

from __future__ import annotations

from core.exceptions import ApplicationError, Conflict, Unprocessable
from orders.autorenew import auto_renew_due, package_auto_renew, package_send_expiry_reminders, renewal_pass
from orders.packages import package_add_workspace, package_reorder_workspaces, package_update_statuses
from orders.payment import (
    RefundPreview,
    order_cancel,
    order_checkout,
    order_create_and_pay,
    order_expire_due,
    order_pay,
    order_refund,
    order_refund_preview,
)
from orders.pricing import LIVE_PACKAGE_STATUSES, change_window
from orders.purchase import (
    active_package_for_traffic,
    order_create_purchase,
    order_create_traffic,
    order_create_upgrade,
)
from orders.renewal import order_create_renewal, package_set_auto_renew
from orders.validation import (
    MAX_TRAFFIC_CAPACITY,
    MAX_WORKSPACES_PER_PACKAGE,
    TrafficSpec,
    validate_plan,
    validate_traffic,
    validate_workspaces,
)

__all__ = [
    "LIVE_PACKAGE_STATUSES",
    "MAX_TRAFFIC_CAPACITY",
    "MAX_WORKSPACES_PER_PACKAGE",
    "ApplicationError",
    "Conflict",
    "RefundPreview",
    "TrafficSpec",
    "Unprocessable",
    "active_package_for_traffic",
    "auto_renew_due",
    "change_window",
    "order_cancel",
    "order_checkout",
    "order_create_and_pay",
    "order_create_purchase",
    "order_create_renewal",
    "order_create_traffic",
    "order_create_upgrade",
    "order_expire_due",
    "order_pay",
    "order_refund",
    "order_refund_preview",
    "package_add_workspace",
    "package_auto_renew",
    "package_reorder_workspaces",
    "package_send_expiry_reminders",
    "package_set_auto_renew",
    "package_update_statuses",
    "renewal_pass",
    "validate_plan",
    "validate_traffic",
    "validate_workspaces",
]
