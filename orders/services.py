"""Writes for orders and packages. Every function is atomic and validates before it writes.

The writes live in one module per flow; this module keeps their public names importable:
- orders/validation.py: the checks every write makes (plan, traffic, workspaces, totals, the owner);
- orders/purchase.py: creating unpaid purchase, upgrade and traffic orders;
- orders/payment.py: paying (the cashier), cancelling, expiring and refunding orders;
- orders/packages.py: workspace order and added workspaces of a live package, the daily status pass.
Prices and the days of a change are in orders/pricing.py; row locks in orders/locks.py (documents) and
payments/locks.py (wallet, cards, vouchers), in the order that file states."""

from __future__ import annotations

from core.exceptions import ApplicationError, Conflict, Unprocessable
from orders.packages import package_add_workspace, package_reorder_workspaces, package_update_statuses
from orders.payment import order_cancel, order_expire_due, order_pay, order_refund
from orders.pricing import LIVE_PACKAGE_STATUSES, change_window
from orders.purchase import (
    active_package_for_traffic,
    order_create_purchase,
    order_create_traffic,
    order_create_upgrade,
)
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
    "TrafficSpec",
    "Unprocessable",
    "active_package_for_traffic",
    "change_window",
    "order_cancel",
    "order_create_purchase",
    "order_create_traffic",
    "order_create_upgrade",
    "order_expire_due",
    "order_pay",
    "order_refund",
    "package_add_workspace",
    "package_reorder_workspaces",
    "package_update_statuses",
    "validate_plan",
    "validate_traffic",
    "validate_workspaces",
]
