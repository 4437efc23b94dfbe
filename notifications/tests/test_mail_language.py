"""Mail in each recipient's remembered language, times in the account's zone naming it (RULES-people.md)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from notifications import services
from notifications.mail import recipients_by_language
from payments.tests.factories import give_card
from statements.tests import factories as f
from tests.factories import MembershipFactory, WorkspaceFactory
from workspaces.models import Role, UserPreference
from workspaces.preferences import user_language_remember

pytestmark = pytest.mark.django_db
DAY = date(2026, 9, 5)


def sent(fn):
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = fn()
    return result


def test_the_same_alert_reaches_each_person_in_their_language(account, owner):
    administrator = MembershipFactory(account=account, role=Role.ADMINISTRATOR)
    user_language_remember(user=owner, language="en")
    user_language_remember(user=administrator.user, language="zh-hans")
    ws = WorkspaceFactory(account=account, name="A")
    services.alert_rule_create(account=account, actor=owner, workspace_id=ws.pk, billing_item_id=None,
                               threshold="5.00", recipient_ids=[administrator.pk])
    f.usage(ws, "log", DAY, 4_000_000)
    f.night(account, DAY)
    assert sent(lambda: services.alerts_evaluate_day(day=DAY)) == 1
    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == sorted([owner.email, administrator.user.email])
    english, chinese = by_address[owner.email], by_address[administrator.user.email]
    assert "High spending in A on 2026-09-05" in english.subject
    assert "above your alert threshold" in english.body
    assert "High spending" not in chinese.subject and "above your alert threshold" not in chinese.body
    assert "2026-09-05" in chinese.subject


def test_times_name_the_account_zone_in_both_languages(account, owner):
    administrator = MembershipFactory(account=account, role=Role.OWNER).user
    user_language_remember(user=owner, language="en")
    user_language_remember(user=administrator, language="zh-hans")
    with time_machine.travel(datetime(2026, 12, 1, 17, 0, tzinfo=UTC), tick=False):
        card = give_card(account, "300.00", days=5)  # expires 2026-12-06 17:00 UTC = 12-07 01:00 in Shanghai
        assert sent(services.expiry_reminders_send) == 1
    assert len(mail.outbox) == 2
    shown = f"{card.expires_at.astimezone(ZoneInfo('Asia/Shanghai')):%Y-%m-%d %H:%M} (Asia/Shanghai)"
    assert [shown in m.body for m in mail.outbox] == [True, True]
    assert sorted("expires" in m.body for m in mail.outbox) == [False, True]


def test_nobody_remembered_gets_the_site_default(account, owner, administrator):
    assert recipients_by_language([owner.email, administrator.email, "", None]) == {
        settings.LANGUAGE_CODE: tuple(sorted([owner.email, administrator.email]))
    }


def test_invitation_in_the_inviting_owners_language(owner_client, account, owner):
    user_language_remember(user=owner, language="en")
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = owner_client.post(reverse("people", args=[account.pk]),
                                     {"email": "new@example.com", "role": Role.MEMBER})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "You are invited to join" in mail.outbox[0].body


def test_switching_language_remembers_it_once(client, owner):
    client.force_login(owner)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert UserPreference.objects.get(user=owner).language == "en"
    before = UserPreference.objects.get(user=owner).updated_at
    assert user_language_remember(user=owner, language="en") is False
    assert UserPreference.objects.get(user=owner).updated_at == before
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert UserPreference.objects.get(user=owner).language == "zh-hans"


def test_signing_in_remembers_the_asked_language(client, owner):
    owner.set_password("a-long-password-1")
    owner.save()
    client.post(reverse("login"), {"username": owner.get_username(), "password": "a-long-password-1"},
                HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert UserPreference.objects.get(user=owner).language == "en"


def test_remember_refuses_an_unknown_language(owner):
    assert user_language_remember(user=owner, language="fr") is False
    assert not UserPreference.objects.filter(user=owner).exists()
