"""One function per email of the Fee Center, each built on notifications.mail (sent after commit). Templates
live in templates/email/<name>_subject.txt and <name>_body.txt.

The arrears emails (countdown started, reminder, locked) are batched: one message per account to its active
owners, all sent over one connection (`mail.send_batch`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.urls import reverse

from core.models import FinanceSettings
from notifications.mail import (
    billing_emails,
    owner_emails,
    owner_emails_by_account,
    render_mails,
    send_batch,
    send_email,
)
from payments.models import Wallet
from statements.models import InvoiceRequest, MonthlyBill
from workspaces.models import Account, Workspace


def monthly_bill_ready(*, monthly_bill: MonthlyBill) -> None:
    """The month's bill became final: owners and administrators."""
    send_email(
        to=billing_emails(monthly_bill.account),
        subject_template="email/monthly_bill_ready_subject.txt",
        body_template="email/monthly_bill_ready_body.txt",
        context={"bill": monthly_bill, "account": monthly_bill.account},
    )


def invoice_decided(*, invoice_request: InvoiceRequest) -> None:
    """Finance issued or rejected an invoice request: the requester and the invoice email."""
    to = [invoice_request.email, getattr(invoice_request.requested_by, "email", "")]
    send_email(
        to=to,
        subject_template="email/invoice_decided_subject.txt",
        body_template="email/invoice_decided_body.txt",
        context={"invoice": invoice_request, "account": invoice_request.account},
    )


# --------------------------------------------------------------------------------------------------------------
# arrears (the night's countdowns, the daily sweep's reminders and locks)


def _arrears_mails(workspaces_by_account: Mapping[int, Sequence[int]], name: str, days: int | None) -> int:
    """One mail per account (its active owners) naming its workspaces, the arrears and `days`."""
    account_ids = list(workspaces_by_account)
    recipients = owner_emails_by_account(account_ids)
    if not recipients:
        return 0
    accounts = Account.objects.in_bulk(list(recipients))
    arrears = dict(Wallet.objects.filter(account_id__in=list(recipients)).values_list("account_id", "arrears"))
    ids = [w for account_id in recipients for w in workspaces_by_account[account_id]]
    names = dict(Workspace.objects.filter(pk__in=ids).values_list("pk", "name"))
    mails = []
    for account_id in sorted(recipients):
        account = accounts.get(account_id)
        if account is None:
            continue
        context: dict[str, Any] = {
            "account": account,
            "arrears": arrears.get(account_id),
            "workspaces": ", ".join(names.get(w, str(w)) for w in workspaces_by_account[account_id]),
            "days": days,
        }
        mails.extend(render_mails(to=recipients[account_id], subject_template=f"email/{name}_subject.txt",
                                  body_template=f"email/{name}_body.txt", context=context))
    return send_batch(mails)


def arrears_countdown_started(*, workspaces_by_account: Mapping[int, Sequence[int]]) -> int:
    """The night left these accounts owing: their workspaces lock after the countdown."""
    days = FinanceSettings.load().arrears_countdown_days
    return _arrears_mails(workspaces_by_account, "arrears_countdown_started", days)


def arrears_reminder(*, workspaces_by_account: Mapping[int, Sequence[int]]) -> int:
    """The countdown ends in N days (finance's reminder setting)."""
    days = FinanceSettings.load().arrears_reminder_days_before
    return _arrears_mails(workspaces_by_account, "arrears_reminder", days)


def workspaces_locked(*, workspaces_by_account: Mapping[int, Sequence[int]]) -> int:
    """The countdown ended: the workspaces are locked until the arrears are paid."""
    return _arrears_mails(workspaces_by_account, "workspaces_locked", None)


# --------------------------------------------------------------------------------------------------------------
# packages: expiry reminders, renewals, expiry, automatic renewal failures (orders.signals)


def _package_context(package: Any, **extra: Any) -> dict[str, Any]:
    account = package.account
    base = settings.FEE_CENTER["PUBLIC_BASE_URL"].rstrip("/")
    return {
        "account": account, "package": package, "plan": package.plan.name,
        "packages_url": base + reverse("orders-packages", kwargs={"account_id": account.pk}),
        "recharge_url": base + reverse("payments-recharge", kwargs={"account_id": account.pk}),
        **extra,
    }


def _package_mail(package: Any, name: str, **extra: Any) -> None:
    send_email(
        to=owner_emails(package.account),
        subject_template=f"email/{name}_subject.txt",
        body_template=f"email/{name}_body.txt",
        context=_package_context(package, **extra),
    )


def package_expiring(*, package: Any, days_before: int) -> None:
    """The package ends in 30, 7 or 1 days: renew it (or auto-renew will, from the wallet)."""
    days = FinanceSettings.load().auto_renew_days_before
    _package_mail(package, "package_expiring", days_before=days_before, auto_renew_days=days)


def package_renewed(*, package: Any, renewal: Any, order: Any, automatic: bool) -> None:
    """A renewal was paid (by the owner at the cashier or automatically from the wallet)."""
    _package_mail(package, "package_renewed", renewal=renewal, order=order, automatic=automatic)


def package_expired(*, package: Any) -> None:
    """The package ended without a renewal: its workspaces are billed pay-as-you-go."""
    _package_mail(package, "package_expired")


def auto_renew_failed(*, package: Any, amount: Any, shortfall: Any, message: str) -> None:
    """The day's automatic renewal could not be paid: the shortfall and a link to recharge."""
    _package_mail(package, "auto_renew_failed", amount=amount, shortfall=shortfall, reason=message)
