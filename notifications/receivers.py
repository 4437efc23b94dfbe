"""The notifications app listens to the apps below it and mails people; those apps never import it.

- quota's `arrears_countdown_started`, `arrears_reminder_due`, `workspaces_locked` (sent inside the night's or
  the sweep's transaction): after commit, one mail per account to its active owners, in one batch.
- statements' `monthly_bill_finalized` and `invoice_request_decided`: the bill-ready and invoice-decided mails
  (rendered now, sent after commit).
- workspaces' `credentials_revoked` (second factor on, password changed or reset): a mail to the person.
- orders' `package_expiring`, `package_renewed`, `package_expired` (unless renewed) and `auto_renew_failed`:
  one mail to the account's active owners each (rendered now, sent after commit).

- quota's `night_settled`: queue the evaluation of the high-spending alerts of those accounts.

Connected once in NotificationsConfig.ready().
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from django.db import transaction

from notifications import emails
from notifications.mail import preferred_language, send_email
from notifications.tasks import evaluate_alerts
from orders import signals as orders_signals
from quota import signals as quota_signals
from statements import signals as statements_signals
from workspaces import signals as workspaces_signals

logger = logging.getLogger(__name__)


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


def on_invitation_created(sender, invitation, accept_url, **kwargs) -> None:
    """workspaces' `invitation_created`: the invitation mail to the invited address (sent after commit)."""
    send_email(
        to=[invitation.email],
        subject_template="email/invitation_subject.txt",
        body_template="email/invitation_body.txt",
        context={"invitation": invitation, "account": invitation.account, "accept_url": accept_url},
        # the invitee has no login yet (unless the address already has one): the inviting person's language
        fallback_language=preferred_language(invitation.invited_by),
    )


def on_credentials_revoked(sender, user, reason, tokens=0, sessions=0, **kwargs) -> None:
    """workspaces' `credentials_revoked`: tell the person their tokens and sessions ended (sent after commit)."""
    send_email(
        to=[user.email],
        subject_template="email/credentials_revoked_subject.txt",
        body_template="email/credentials_revoked_body.txt",
        context={"user": user, "reason": reason, "tokens": tokens, "sessions": sessions},
        language=preferred_language(user),
    )


def on_package_expiring(sender, package, days_before, **kwargs) -> None:
    emails.package_expiring(package=package, days_before=days_before)


def on_package_renewed(sender, package, renewal, order, automatic=False, **kwargs) -> None:
    emails.package_renewed(package=package, renewal=renewal, order=order, automatic=automatic)


def on_package_expired(sender, package, renewed=False, **kwargs) -> None:
    if not renewed:  # a renewed package's workspaces simply continue in the renewal
        emails.package_expired(package=package)


def on_auto_renew_failed(sender, package, amount=None, shortfall=None, message="", **kwargs) -> None:
    emails.auto_renew_failed(package=package, amount=amount, shortfall=shortfall, message=message)


def after_night(sender, day, account_ids, **kwargs) -> None:
    """After each committed night:
    evaluate high-spending alerts of those accounts for that day
    (a queued task; the daily beat task is the fallback when the broker is unreachable)."""
    try:
        evaluate_alerts.delay(day.isoformat(), list(account_ids))
    except Exception:  # the broker is down: the beat fallback covers it
        logger.warning("could not queue notifications.evaluate_alerts for %s", day, exc_info=True)


def connect() -> None:
    quota_signals.night_settled.connect(after_night, dispatch_uid="notifications.after_night")
    orders_signals.package_expiring.connect(on_package_expiring, dispatch_uid="notifications.package_expiring")
    orders_signals.package_renewed.connect(on_package_renewed, dispatch_uid="notifications.package_renewed")
    orders_signals.package_expired.connect(on_package_expired, dispatch_uid="notifications.package_expired")
    orders_signals.auto_renew_failed.connect(on_auto_renew_failed, dispatch_uid="notifications.auto_renew_failed")
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
    workspaces_signals.invitation_created.connect(
        on_invitation_created, dispatch_uid="notifications.invitation_created"
    )
    workspaces_signals.credentials_revoked.connect(
        on_credentials_revoked, dispatch_uid="notifications.credentials_revoked"
    )
