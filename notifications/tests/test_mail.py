"""The one mail sender: batching, recipients, and the arrears mails moved here from quota."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.test import TestCase
from django.utils import timezone, translation

from notifications import mail as mailer
from quota import signals as quota_signals
from quota.arrears import arrears_sweep
from quota.night import night_run_chunk
from quota.tests import factories as qf
from tests.factories import AccountFactory, MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.models import Role, Workspace

pytestmark = pytest.mark.django_db
D = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()


def _deactivated_owner(account):
    return MembershipFactory(account=account, role=Role.OWNER, user=UserFactory(is_active=False)).user


def test_recipient_helpers_leave_out_deactivated_users_and_empty_addresses(account, owner, administrator):
    gone = _deactivated_owner(account)
    MembershipFactory(account=account, role=Role.OWNER, user=UserFactory(email=""))
    MembershipFactory(account=account, role=Role.ADMINISTRATOR, user=UserFactory(is_active=False))
    other = AccountFactory()
    other_owner = MembershipFactory(account=other, role=Role.OWNER).user
    assert mailer.owner_emails(account) == [owner.email]
    assert sorted(mailer.billing_emails(account)) == sorted([owner.email, administrator.email])
    by_account = mailer.owner_emails_by_account([account.pk, other.pk, AccountFactory().pk])
    assert by_account == {account.pk: [owner.email], other.pk: [other_owner.email]}
    assert gone.email not in str(by_account)


def test_send_batch_waits_for_commit_and_uses_one_connection(monkeypatch):
    opened = []
    real = mailer.get_connection

    def counting(*args, **kwargs):
        connection = real(*args, **kwargs)
        opened.append(connection)
        return connection

    monkeypatch.setattr(mailer, "get_connection", counting)
    mails = [mailer.Mail(to=(f"u{i}@example.com",), subject=f"s{i}", body="b") for i in range(3)]
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert mailer.send_batch([*mails, None]) == 3
        assert mail.outbox == []  # nothing before commit
    assert [m.subject for m in mail.outbox] == ["s0", "s1", "s2"]
    assert len(opened) == 1


def test_rolled_back_work_sends_nothing(account, owner):
    with TestCase.captureOnCommitCallbacks(execute=True):
        try:
            with transaction.atomic():
                mailer.send_batch([mailer.Mail(to=(owner.email,), subject="s", body="b")])
                raise RuntimeError
        except RuntimeError:
            pass
    assert mail.outbox == []


def test_arrears_signals_mail_each_account_once_in_one_batch_in_chinese(account, owner):
    _deactivated_owner(account)
    ws = WorkspaceFactory(account=account, name="Alpha")
    ws2 = WorkspaceFactory(account=account, name="Beta")
    other = AccountFactory(name="Other")
    other_owner = MembershipFactory(account=other, role=Role.OWNER).user
    other_ws = WorkspaceFactory(account=other, name="Gamma")
    nobody = AccountFactory()  # no active owner: no mail
    _deactivated_owner(nobody)
    lonely = WorkspaceFactory(account=nobody)
    grouped = {account.pk: [ws.pk, ws2.pk], other.pk: [other_ws.pk], nobody.pk: [lonely.pk]}
    with translation.override("en"), TestCase.captureOnCommitCallbacks(execute=True):
        for signal in (quota_signals.arrears_countdown_started, quota_signals.arrears_reminder_due,
                       quota_signals.workspaces_locked):
            signal.send(sender=Workspace, workspaces_by_account=grouped)
        assert mail.outbox == []
    assert len(mail.outbox) == 6
    assert {tuple(m.to) for m in mail.outbox} == {(owner.email,), (other_owner.email,)}
    first = next(m for m in mail.outbox if m.to == [owner.email])
    assert first.subject.startswith("【费用中心】") and "已欠费" in first.subject  # the site's language, zh-hans
    assert "Alpha, Beta" in first.body


def test_deactivated_owner_gets_none_of_the_three_arrears_mails(account, settings):
    """The bug of issue 14: the night's arrears mails went to deactivated owners too."""
    owner = MembershipFactory(account=account, role=Role.OWNER).user
    gone = _deactivated_owner(account)
    ws = WorkspaceFactory(account=account)
    qf.usage(ws, "datakit", D, 2)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert night_run_chunk(day=D, account_ids=[account.pk]).countdowns_started == 1
    now = timezone.now()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert arrears_sweep(now=now + timedelta(days=11, minutes=1))["reminded"] == 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert arrears_sweep(now=now + timedelta(days=14, minutes=1))["locked"] == 1
    assert len(mail.outbox) == 3
    assert all(m.to == [owner.email] for m in mail.outbox)
    assert all(gone.email not in m.to for m in mail.outbox)
