"""Every error code the payments app raises (the `code` of core.exceptions.ApplicationError and its subclasses).

The values are the API's `error.code` strings: changing one changes the API's answers, so they never change.
"""

from __future__ import annotations

from enum import StrEnum


class PaymentsErrorCode(StrEnum):
    # amounts and tenders
    INVALID_AMOUNT = "invalid_amount"
    INVALID_TENDER = "invalid_tender"
    DUPLICATE_TENDER = "duplicate_tender"
    UNKNOWN_TENDER = "unknown_tender"
    TENDER_TOTAL_MISMATCH = "tender_total_mismatch"
    VOUCHER_LIMIT_EXCEEDED = "voucher_limit_exceeded"
    TENDER_EXPIRED = "tender_expired"
    TENDER_NOT_YET_VALID = "tender_not_yet_valid"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    INVALID_PURPOSE = "invalid_purpose"
    INVALID_REASON = "invalid_reason"
    # refunds
    NOT_REFUNDABLE = "not_refundable"
    ALREADY_REFUNDED = "already_refunded"
    # settlement
    INVALID_DEMAND = "invalid_demand"
    DUPLICATE_DEMAND = "duplicate_demand"
    UNKNOWN_ACCOUNT = "unknown_account"
    # prepaid cards and vouchers
    INVALID_FACE_VALUE = "invalid_face_value"
    INVALID_QUANTITY = "invalid_quantity"
    INVALID_WINDOW = "invalid_window"
    INVALID = "invalid"
    INVALID_CODE = "invalid_code"
    UNKNOWN_CODE = "unknown_code"
    CODE_USED = "code_used"
    CODE_EXPIRED = "code_expired"
    # recharges
    INVALID_METHOD = "invalid_method"
    INVALID_TRANSFER_REFERENCE = "invalid_transfer_reference"
    ONLINE_PAYMENT_UNAVAILABLE = "online_payment_unavailable"
    UNKNOWN_PROVIDER = "unknown_provider"
    NOT_OFFLINE = "not_offline"
    ALREADY_DECIDED = "already_decided"
    # finance's decisions
    REASON_REQUIRED = "reason_required"


class CallbackOutcomeCode(StrEnum):
    """What a gateway callback came to (stored in GatewayCallback.outcome, answered to the gateway)."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DUPLICATE = "duplicate"
    CONFLICTING = "conflicting"
    AMOUNT_MISMATCH = "amount_mismatch"
    UNKNOWN_REFERENCE = "unknown_reference"
    UNKNOWN_PROVIDER = "unknown_provider"
    TOO_MANY_REJECTED_CALLBACKS = "too_many_rejected_callbacks"
