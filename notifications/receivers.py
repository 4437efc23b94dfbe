"""The notifications app listens to the apps below it and mails people; those apps never import it.

- quota's `arrears_countdown_started`, `arrears_reminder_due`, `workspaces_locked` (sent inside the night's or
  the sweep's transaction): after commit, one mail per account to its active owners, in one batch.
- statements' `monthly_bill_finalized` and `invoice_request_decided`: the bill-ready and invoice-decided mails
  (rendered now, sent after commit).

Connected once in NotificationsConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.db import transaction

from notifications import emails
from quota import signals as quota_signals
from statements import signals as statements_signals


def _after_commit(send: Callable[..., int], workspaces_by_account: Mapping[int, Sequence[int]]) -> None:
    """Read the accounts, arrears and owners once the night has committed (what it wrote is then final)."""
    grouped = {int(account_id): list(ids) for account_id, ids in workspaces_by_account.items() if ids}
    if grouped:
        transaction.on_commit(lambda: send(workspaces_by_account=grouped))


def on_arrears_countdown_started(sender, workspaces_by_account, **kwargs) -> None:
    _after_commit(emails.arrears_countdown_started, workspaces_by_account)


def on_arrears_reminder_due(sender, workspaces_by_account, **kwargs) -> None:
    _after_commit(emails.arrears_reminder, workspaces_by_account)


def on_workspaces_locked(sender, workspaces_by_account, **kwargs) -> None:
    _after_commit(emails.workspaces_locked, workspaces_by_account)


def on_monthly_bill_finalized(sender, monthly_bill, **kwargs) -> None:
    emails.monthly_bill_ready(monthly_bill=monthly_bill)


def on_invoice_request_decided(sender, invoice_request, **kwargs) -> None:
    emails.invoice_decided(invoice_request=invoice_request)


def connect() -> None:
    quota_signals.arrears_countdown_started.connect(
        on_arrears_countdown_started, dispatch_uid="notifications.arrears_countdown_started"
    )
    quota_signals.arrears_reminder_due.connect(on_arrears_reminder_due, dispatch_uid="notifications.arrears_reminder")
    quota_signals.workspaces_locked.connect(on_workspaces_locked, dispatch_uid="notifications.workspaces_locked")
    statements_signals.monthly_bill_finalized.connect(
        on_monthly_bill_finalized, dispatch_uid="notifications.monthly_bill_finalized"
    )
    statements_signals.invoice_request_decided.connect(
        on_invoice_request_decided, dispatch_uid="notifications.invoice_request_decided"
    )
