"""The arrears emails, one function per email (the notifications app may restyle them). Each is queued with
transaction.on_commit: nothing is sent while locks are held, nor if the transaction rolls back.
Recipients: the owners of the account."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils.translation import gettext as _


def _owner_emails(account_ids) -> dict[int, list[str]]:
    from workspaces.models import Membership, Role

    emails: dict[int, list[str]] = {}
    rows = Membership.objects.filter(account_id__in=account_ids, role=Role.OWNER).values_list(
        "account_id", "user__email"
    )
    for account_id, email in rows:
        if email:
            emails.setdefault(account_id, []).append(email)
    return emails


def _context(workspaces_by_account: dict[int, list[int]]):
    from core.models import FinanceSettings
    from payments.models import Wallet
    from workspaces.models import Account, Workspace

    accounts = Account.objects.in_bulk(list(workspaces_by_account))
    arrears = dict(
        Wallet.objects.filter(account_id__in=list(workspaces_by_account)).values_list("account_id", "arrears")
    )
    ids = [w for ws in workspaces_by_account.values() for w in ws]
    names = dict(Workspace.objects.filter(pk__in=ids).values_list("pk", "name"))
    return accounts, arrears, names, FinanceSettings.load()


def _send(workspaces_by_account: dict[int, list[int]], build) -> None:
    def send() -> None:
        accounts, arrears, names, finance = _context(workspaces_by_account)
        recipients = _owner_emails(list(workspaces_by_account))
        messages = []
        for account_id, workspace_ids in workspaces_by_account.items():
            to = recipients.get(account_id)
            account = accounts.get(account_id)
            if not to or account is None:
                continue
            workspace_names = ", ".join(names.get(w, str(w)) for w in workspace_ids)
            subject, body = build(account, arrears.get(account_id), workspace_names, finance)
            messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, to))
        if messages:
            send_mass_mail(messages, fail_silently=False)

    transaction.on_commit(send)


def countdown_started(*, workspaces_by_account: dict[int, list[int]]) -> None:
    def build(account, arrears, workspace_names, finance):
        subject = _("[Fee Center] %(account)s is in arrears: workspaces lock in %(days)s days") % {
            "account": account.name, "days": finance.arrears_countdown_days,
        }
        body = _(
            "Your account %(account)s owes %(arrears)s after last night's bill.\n"
            "Workspaces %(workspaces)s will be locked in %(days)s days (their usage will then be refused).\n"
            "To avoid it, recharge your cash balance: a recharge pays the arrears first and cancels the "
            "countdown at once."
        ) % {"account": account.name, "arrears": arrears, "workspaces": workspace_names,
             "days": finance.arrears_countdown_days}
        return subject, body

    _send(workspaces_by_account, build)


def countdown_reminder(*, workspaces_by_account: dict[int, list[int]]) -> None:
    def build(account, arrears, workspace_names, finance):
        subject = _("[Fee Center] Reminder: %(account)s workspaces lock in %(days)s days") % {
            "account": account.name, "days": finance.arrears_reminder_days_before,
        }
        body = _(
            "Your account %(account)s still owes %(arrears)s.\n"
            "Workspaces %(workspaces)s will be locked in %(days)s days.\n"
            "Recharge to pay the arrears and they stay active."
        ) % {"account": account.name, "arrears": arrears, "workspaces": workspace_names,
             "days": finance.arrears_reminder_days_before}
        return subject, body

    _send(workspaces_by_account, build)


def workspaces_locked(*, workspaces_by_account: dict[int, list[int]]) -> None:
    def build(account, arrears, workspace_names, finance):
        subject = _("[Fee Center] %(account)s workspaces are locked for arrears") % {"account": account.name}
        body = _(
            "Your account %(account)s owes %(arrears)s. Workspaces %(workspaces)s are now locked: their usage "
            "is refused.\nRecharge to pay the arrears: the workspaces are unlocked at once."
        ) % {"account": account.name, "arrears": arrears, "workspaces": workspace_names}
        return subject, body

    _send(workspaces_by_account, build)
