from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ApplicationError
from notifications import services
from notifications.mail import send_email
from notifications.models import AlertEvent, AlertRule, ExpiryReminder
from payments.tests.factories import give_card, give_voucher
from plans.models import BillingItem
from statements.tests import factories as f
from tests.clock import FIXED_NOW
from tests.factories import MembershipFactory, WorkspaceFactory
from workspaces.models import Role

pytestmark = pytest.mark.django_db
DAY = date(2026, 9, 5)


def sent(fn):
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = fn()
    return result


def test_alert_fires_once_per_day_with_the_right_recipients(account, owner, administrator):
    chosen = MembershipFactory(account=account, role=Role.MEMBER)
    MembershipFactory(account=account, role=Role.MEMBER)  # not chosen: no email
    ws = WorkspaceFactory(account=account, name="A")
    quiet = WorkspaceFactory(account=account, name="B")
    log = BillingItem.objects.get(code="log")
    total = services.alert_rule_create(account=account, actor=owner, workspace_id=ws.pk, billing_item_id=None,
                                       threshold="5.00", recipient_ids=[chosen.pk])
    services.alert_rule_create(account=account, actor=owner, workspace_id=ws.pk, billing_item_id=log.pk,
                               threshold="100.00")
    services.alert_rule_create(account=account, actor=owner, workspace_id=quiet.pk, billing_item_id=None,
                               threshold="1.00")
    f.usage(ws, "log", DAY, 4_000_000)  # 6.00 > 5.00 in total; < 100 for logs
    f.night(account, DAY)
    assert sent(lambda: services.alerts_evaluate_day(day=DAY)) == 1
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([owner.email, chosen.user.email])
    event = AlertEvent.objects.get()
    assert (event.rule, event.amount, event.day) == (total, Decimal("6.00"), DAY)
    assert sent(lambda: services.alerts_evaluate_day(day=DAY)) == 0 and mail.outbox == []
    assert sent(lambda: services.alerts_evaluate_day(day=DAY + timedelta(days=1))) == 0


def test_threshold_not_exceeded_when_equal(account, owner):
    ws = WorkspaceFactory(account=account)
    services.alert_rule_create(account=account, actor=owner, workspace_id=ws.pk, billing_item_id=None,
                               threshold="6.00")
    f.usage(ws, "log", DAY, 4_000_000)
    f.night(account, DAY)
    assert sent(lambda: services.alerts_evaluate_day(day=DAY, account_ids=[account.pk])) == 0


@pytest.mark.parametrize("threshold", ["-1", "0", "abc", "1.001", "100000000.01", "1e9"])
def test_bad_thresholds_write_nothing(account, owner, threshold):
    ws = WorkspaceFactory(account=account)
    with pytest.raises(ApplicationError):
        services.alert_rule_create(account=account, actor=owner, workspace_id=ws.pk, billing_item_id=None,
                                   threshold=threshold)
    assert not AlertRule.objects.exists()


def test_recipients_and_workspaces_outside_the_account_are_refused(account, owner, other_account, other_owner):
    ws = WorkspaceFactory(account=account)
    foreign_ws = WorkspaceFactory(account=other_account)
    outsider = other_account.memberships.get()
    with pytest.raises(ApplicationError) as error:
        services.alert_rule_create(account=account, actor=owner, workspace_id=ws.pk, billing_item_id=None,
                                   threshold="10", recipient_ids=[outsider.pk])
    assert error.value.code == "alert_recipient_outside_account"
    with pytest.raises(ApplicationError) as error:
        services.alert_rule_create(account=account, actor=owner, workspace_id=foreign_ws.pk, billing_item_id=None,
                                   threshold="10")
    assert error.value.code == "alert_unknown_workspace"
    assert not AlertRule.objects.exists()


def test_alert_pages_owner_and_admin_manage_member_forbidden(client, account, owner, administrator, member):
    ws = WorkspaceFactory(account=account)
    client.force_login(administrator)
    url = reverse("alert-list", args=[account.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"workspace": ws.pk, "billing_item": "", "threshold": "50.00"})
    assert response.status_code == 302 and AlertRule.objects.count() == 1
    client.post(url, {"workspace": ws.pk, "billing_item": "", "threshold": "-5"})
    assert AlertRule.objects.count() == 1
    rule = AlertRule.objects.get()
    assert client.get(reverse("alert-edit", args=[account.pk, rule.pk])).status_code == 200
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(owner)
    assert client.post(reverse("alert-delete", args=[account.pk, rule.pk])).status_code == 302
    assert not AlertRule.objects.exists()


@pytest.mark.time_machine(FIXED_NOW)
def test_expiry_reminders_once_per_instrument_to_owners(account, owner, administrator):
    soon = give_card(account, "300.00", days=5)
    give_card(account, "300.00", days=40)  # not within 7 days
    voucher = give_voucher(account, "50.00", days=3)
    assert sent(services.expiry_reminders_send) == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [owner.email]
    assert soon.number in mail.outbox[0].body
    assert set(ExpiryReminder.objects.values_list("card", "voucher")) == {(soon.pk, None), (None, voucher.pk)}
    assert sent(services.expiry_reminders_send) == 0 and mail.outbox == []
    assert sent(lambda: services.expiry_reminders_send(now=timezone.now() + timedelta(days=34))) == 1


def test_send_email_only_after_commit_and_not_on_rollback(account, owner):
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        try:
            with transaction.atomic():
                send_email(to=[owner.email], subject_template="email/expiring_subject.txt",
                                    body_template="email/expiring_body.txt",
                                    context={"account": account, "cards": [], "vouchers": []})
                raise RuntimeError
        except RuntimeError:
            pass
    assert mail.outbox == []
