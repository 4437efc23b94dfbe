"""Every error code the statements app raises (values are part of the API: never change one)."""

from enum import StrEnum


class StatementsErrorCode(StrEnum):
    INVALID = "invalid"
    MONTHLY_BILL_FINAL = "monthly_bill_final"
    MONTHLY_BILL_NOT_DUE = "monthly_bill_not_due"
    INVOICE_NO_LINES = "invoice_no_lines"
    INVOICE_UNKNOWN_DOCUMENT = "invoice_unknown_document"
    INVOICE_ABOVE_INVOICEABLE = "invoice_above_invoiceable"
    INVOICE_DECIDED = "invoice_decided"
