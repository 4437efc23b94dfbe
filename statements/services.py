"""Writes of the statements app, kept importable from here for the callers outside it.

The code lives in two rooms: `statements.monthly_bills` (build, refresh, finalise monthly bills) and
`statements.invoices` (invoice requests). Calendar helpers come from `core.days`, the one owner of days.
"""

from core.days import account_today, account_zone, month_bounds, month_end, month_start, next_month, previous_month
from statements.invoices import (
    TAX_ID_LENGTHS,
    InvoiceLineSpec,
    invoice_request_create,
    invoice_request_issue,
    invoice_request_reject,
)
from statements.monthly_bills import (
    FINAL_ON_DAY,
    finalisation_day,
    monthly_bill_finalize,
    monthly_bill_refresh,
    monthly_bills_finalize_due,
    monthly_bills_refresh_for_day,
)

__all__ = [
    "FINAL_ON_DAY",
    "TAX_ID_LENGTHS",
    "InvoiceLineSpec",
    "account_today",
    "account_zone",
    "finalisation_day",
    "invoice_request_create",
    "invoice_request_issue",
    "invoice_request_reject",
    "month_bounds",
    "month_end",
    "month_start",
    "monthly_bill_finalize",
    "monthly_bill_refresh",
    "monthly_bills_finalize_due",
    "monthly_bills_refresh_for_day",
    "next_month",
    "previous_month",
]
