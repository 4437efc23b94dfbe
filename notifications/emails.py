"""One function per email of the Fee Center, each built on notifications.services.send_email (sent after
commit). Templates live in templates/email/<name>_subject.txt and <name>_body.txt.

The arrears emails (countdown started, countdown ending, locked) are offered to the quota app: call them
inside the night's transaction; they send after it commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from notifications.services import billing_emails, owner_emails, send_email


def monthly_bill_ready(*, monthly_bill) -> None:
    """The month's bill became final: owners and administrators."""
    send_email(
        to=billing_emails(monthly_bill.account),
        subject_template="email/monthly_bill_ready_subject.txt",
        body_template="email/monthly_bill_ready_body.txt",
        context={"bill": monthly_bill, "account": monthly_bill.account},
    )


def invoice_decided(*, invoice_request) -> None:
    """Finance issued or rejected an invoice request: the requester and the invoice email."""
    to = [invoice_request.email, getattr(invoice_request.requested_by, "email", "")]
    send_email(
        to=to,
        subject_template="email/invoice_decided_subject.txt",
        body_template="email/invoice_decided_body.txt",
        context={"invoice": invoice_request, "account": invoice_request.account},
    )


def arrears_countdown_started(*, account, workspaces: Sequence, arrears, lock_on: date) -> None:
    send_email(
        to=owner_emails(account),
        subject_template="email/arrears_countdown_started_subject.txt",
        body_template="email/arrears_countdown_started_body.txt",
        context={"account": account, "workspaces": list(workspaces), "arrears": arrears, "lock_on": lock_on},
    )


def arrears_countdown_ending(*, account, workspaces: Sequence, arrears, lock_on: date) -> None:
    send_email(
        to=owner_emails(account),
        subject_template="email/arrears_countdown_ending_subject.txt",
        body_template="email/arrears_countdown_ending_body.txt",
        context={"account": account, "workspaces": list(workspaces), "arrears": arrears, "lock_on": lock_on},
    )


def workspaces_locked(*, account, workspaces: Sequence, arrears) -> None:
    send_email(
        to=owner_emails(account),
        subject_template="email/workspaces_locked_subject.txt",
        body_template="email/workspaces_locked_body.txt",
        context={"account": account, "workspaces": list(workspaces), "arrears": arrears},
    )
