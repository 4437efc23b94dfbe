"""Item 3 and 7: a code is spent once under concurrent sign-ins (real requests, each on its own connection), and
the verify page says what happened: wrong code, code already used, or too many wrong codes with the wait."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.concurrency import run_together
from tests.factories import UserFactory, confirmed_totp_device, totp_code
from workspaces import two_factor

PASSWORD = "correct-horse-battery"


def _signed_in_clients(user, n: int) -> list[Client]:
    """n sessions past the password, waiting for the second factor."""
    clients = []
    for _ in range(n):
        client = Client()
        assert client.post(reverse("login"), {"username": user.username, "password": PASSWORD}).status_code == 302
        clients.append(client)
    return clients


def _verified(client: Client) -> bool:
    return client.get(reverse("security")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_one_recovery_code_posted_by_five_sessions_at_once_signs_in_exactly_one():
    user = UserFactory(username="racer")
    confirmed_totp_device(user)
    code = two_factor.recovery_codes_regenerate(user=user)[0]
    clients = _signed_in_clients(user, 5)

    responses = run_together([lambda c=c: c.post(reverse("two-factor-verify"), {"token": code}) for c in clients])

    assert sorted(r.status_code for r in responses) == [302, 400, 400, 400, 400]
    assert {r.context["outcome"] for r in responses if r.status_code == 400} == {two_factor.Outcome.USED}
    assert [_verified(c) for c in clients].count(True) == 1
    assert not StaticToken.objects.filter(device__user=user, token=code).exists()


@pytest.mark.django_db(transaction=True)
def test_one_totp_code_posted_by_three_sessions_at_once_verifies_exactly_one():
    user = UserFactory(username="racer2")
    device = confirmed_totp_device(user)
    clients = _signed_in_clients(user, 3)
    code = totp_code(device)

    responses = run_together([lambda c=c: c.post(reverse("two-factor-verify"), {"token": code}) for c in clients])

    assert sorted(r.status_code for r in responses) == [302, 400, 400]
    assert [_verified(c) for c in clients].count(True) == 1


@pytest.mark.django_db(transaction=True)
def test_the_service_spends_a_code_once_under_concurrency():
    user = UserFactory(username="racer3")
    confirmed_totp_device(user)
    code = two_factor.recovery_codes_regenerate(user=user)[3]

    results = run_together([lambda: two_factor.second_factor_verify(user=user, token=code)] * 6)

    assert [r.outcome for r in results].count(two_factor.Outcome.OK) == 1
    assert [r.outcome for r in results].count(two_factor.Outcome.USED) == 5


# --------------------------------------------------------------------------------------------------------------
# what the verify page says


@pytest.fixture
def waiting(db, client):
    user = UserFactory(username="verifier")
    device = confirmed_totp_device(user)
    codes = two_factor.recovery_codes_regenerate(user=user)
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    return client, user, device, codes


def _wrong(device) -> str:
    return "000000" if totp_code(device) != "000000" else "111111"


def _message(response) -> str:
    return re.search(r'id="verify-message"[^>]*>([^<]*)<', response.content.decode()).group(1)


def test_one_wrong_code_says_wrong_and_the_next_right_code_passes(waiting, settings):
    settings.LANGUAGE_CODE = "en"
    client, _user, device, _codes = waiting
    wrong = client.post(reverse("two-factor-verify"), {"token": _wrong(device)}, HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 400 and wrong.context["outcome"] == "wrong"
    assert _message(wrong) == "That code is not right. Type the code your app shows now, or an unused recovery code."
    right = client.post(reverse("two-factor-verify"), {"token": totp_code(device), "next": "/"})
    assert right.status_code == 302 and right.url == "/"


def test_a_used_totp_code_says_already_used(waiting, settings):
    settings.LANGUAGE_CODE = "en"
    client, user, device, _codes = waiting
    code = totp_code(device)
    assert two_factor.second_factor_verify(user=user, token=code).ok  # another session spent it
    response = client.post(reverse("two-factor-verify"), {"token": code})
    assert response.context["outcome"] == "used"
    assert _message(response).startswith("That code was already used.")


def test_a_used_recovery_code_says_already_used_and_does_not_count_as_wrong(waiting, settings):
    settings.LANGUAGE_CODE = "en"
    client, user, _device, codes = waiting
    assert two_factor.second_factor_verify(user=user, token=codes[0]).ok
    for _ in range(5):
        response = client.post(reverse("two-factor-verify"), {"token": codes[0]})
        assert response.context["outcome"] == "used"
    assert _message(response).startswith("That code was already used.")
    assert client.post(reverse("two-factor-verify"), {"token": codes[1]}).status_code == 302


def test_too_many_wrong_codes_says_how_long_to_wait_then_the_right_code_passes(waiting, settings):
    settings.LANGUAGE_CODE = "en"
    client, _user, device, codes = waiting
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(two_factor.FREE_WRONG_CODES - 1):
            assert client.post(reverse("two-factor-verify"), {"token": "zzzzzzzzzz"}).context["outcome"] == "wrong"
        third = client.post(reverse("two-factor-verify"), {"token": "zzzzzzzzzz"})
        assert third.context["outcome"] == "throttled"
        assert _message(third) == "Too many wrong codes. Wait 30 seconds, then type the code your app shows."
        refused = client.post(reverse("two-factor-verify"), {"token": codes[0]})
        assert refused.context["outcome"] == "throttled"
    with time_machine.travel(start + timedelta(seconds=10), tick=False):
        later = client.post(reverse("two-factor-verify"), {"token": codes[0]})
        assert _message(later) == "Too many wrong codes. Wait 20 seconds, then type the code your app shows."
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        assert client.post(reverse("two-factor-verify"), {"token": codes[0]}).status_code == 302
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 0


def test_the_wait_doubles_and_is_capped():
    assert [two_factor.wait_after(n) for n in range(7)] == [0, 0, 0, 30, 60, 120, 240]
    assert two_factor.wait_after(50) == two_factor.MAX_WAIT_SECONDS


def test_messages_are_translated(waiting):
    client, _user, device, _codes = waiting
    response = client.post(reverse("two-factor-verify"), {"token": _wrong(device)}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert _message(response) == "验证码不正确。请输入应用当前显示的验证码，或一个未使用的恢复码。"  # noqa: RUF001
