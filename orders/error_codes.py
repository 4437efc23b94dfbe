"""Every error code the orders app raises (API answers carry the value, so values never change)."""

from __future__ import annotations

from enum import StrEnum


class OrdersErrorCode(StrEnum):
    # catalogue and input
    PLAN_NOT_ON_SALE = "plan_not_on_sale"
    TRAFFIC_NOT_ON_SALE = "traffic_not_on_sale"
    DUPLICATE_TRAFFIC_PACKAGE = "duplicate_traffic_package"
    INVALID_CAPACITY = "invalid_capacity"
    BELOW_MINIMUM_CAPACITY = "below_minimum_capacity"
    NOT_MULTIPLE_OF_BASIC_UNIT = "not_multiple_of_basic_unit"
    UNKNOWN_PLAN = "unknown_plan"
    UNKNOWN_TRAFFIC_PACKAGE = "unknown_traffic_package"
    UNKNOWN_PACKAGE = "unknown_package"
    INVALID = "invalid"
    # workspaces of a package
    NO_WORKSPACE = "no_workspace"
    TOO_MANY_WORKSPACES = "too_many_workspaces"
    DUPLICATE_WORKSPACE = "duplicate_workspace"
    UNKNOWN_WORKSPACE = "unknown_workspace"
    WORKSPACE_NOT_COMMERCIAL = "workspace_not_commercial"
    WORKSPACE_ALREADY_COVERED = "workspace_already_covered"
    INVALID_WORKSPACE_ORDER = "invalid_workspace_order"
    # orders
    ORDER_TOO_LARGE = "order_too_large"
    ORDER_TOTAL_ZERO = "order_total_zero"
    LINE_ZERO = "line_zero"
    PERMISSION_DENIED = "permission_denied"
    NO_TRAFFIC = "no_traffic"
    NOT_AN_UPGRADE = "not_an_upgrade"
    NO_ACTIVE_PACKAGE = "no_active_package"
    # package changes
    PACKAGE_NOT_ACTIVE = "package_not_active"
    PACKAGE_ENDING = "package_ending"
    PACKAGE_STARTED = "package_started"
    ORDER_STALE = "order_stale"
    # paying, cancelling, refunding
    ORDER_ALREADY_PAID = "order_already_paid"
    ORDER_CANCELLED = "order_cancelled"
    ORDER_EXPIRED = "order_expired"
    ORDER_REFUNDED = "order_refunded"
    ORDER_NOT_CANCELLABLE = "order_not_cancellable"
    ORDER_NOT_PAID = "order_not_paid"
    INSUFFICIENT_TENDERS = "insufficient_tenders"
    TENDERS_EXCEED_TOTAL = "tenders_exceed_total"
    REASON_REQUIRED = "reason_required"
    REFUND_PURCHASE_ORDER = "refund_purchase_order"
    # renewals and arrears
    ALREADY_RENEWED = "already_renewed"
    RENEWAL_PLAN_SMALLER = "renewal_plan_smaller"
    PACKAGE_ENDED = "package_ended"
    ACCOUNT_IN_ARREARS = "account_in_arrears"  # raised by workspaces.services.require_account_not_in_arrears
