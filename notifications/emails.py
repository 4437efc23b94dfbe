"""One function per email of the Fee Center, each built on notifications.services.send_email (sent after
commit). Templates live in templates/email/<name>_subject.txt and <name>_body.txt.

The arrears emails (countdown started, reminder, locked) belong to the night and live in quota/notifications.py,
which batches them for all accounts of a chunk."""

from __future__ import annotations

from notifications.services import billing_emails, send_email


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
