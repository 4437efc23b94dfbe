"""Password reset and change; the second factor (enrol, sign-in, recovery codes); finance admin requires it."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory, confirmed_totp_device, totp_code
from workspaces import two_factor

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def test_password_reset_mail_and_new_password(client, owner, django_capture_on_commit_callbacks):
    login_page = client.get(reverse("login")).content.decode()
    assert reverse("password_reset") in login_page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": owner.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [owner.email]
    link = re.search(r"https?://[^/]+(/password/reset/[^\s]+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    response = client.post(form.redirect_chain[-1][0], {"new_password1": "Brand-new-pass-77",
                                                        "new_password2": "Brand-new-pass-77"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("Brand-new-pass-77")
    again = client.get(link, follow=True).content.decode()
    assert 'id="reset-invalid"' in again  # the link works once


def test_password_reset_of_unknown_address_sends_nothing(client, django_capture_on_commit_callbacks, db):
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("password_reset"), {"email": "nobody@example.com"}).status_code == 302
    assert mail.outbox == []


def test_password_change(client, owner):
    client.force_login(owner)
    bad = client.post(reverse("password_change"), {"old_password": "wrong", "new_password1": "Brand-new-pass-77",
                                                   "new_password2": "Brand-new-pass-77"})
    assert bad.status_code == 200 and "is-invalid" in bad.content.decode()
    response = client.post(reverse("password_change"), {"old_password": PASSWORD,
                                                        "new_password1": "Brand-new-pass-77",
                                                        "new_password2": "Brand-new-pass-77"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("Brand-new-pass-77")


def _enrol(client) -> tuple[TOTPDevice, list[str]]:
    client.post(reverse("security"), {"action": "start"})
    page = client.get(reverse("security")).content.decode()
    assert "otpauth://totp/" in page and "data:image/svg+xml;base64," in page
    device = TOTPDevice.objects.get(confirmed=False)
    wrong = client.post(reverse("security"), {"action": "confirm", "token": "000000" if totp_code(device) != "000000"
                                              else "111111"})
    assert wrong.status_code == 400
    response = client.post(reverse("security"), {"action": "confirm", "token": totp_code(device)})
    assert response.status_code == 200
    codes = re.findall(r"<li>([a-z0-9]{10})</li>", response.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    return device, codes


def test_enrol_then_login_asks_for_the_code_and_recovery_codes_work_once(client, owner, account):
    client.force_login(owner)
    _device, codes = _enrol(client)
    client.logout()
    # sign in: the password alone reaches no page
    response = client.post(reverse("login"), {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 302
    page = client.get(reverse("account-home", args=[account.id]))
    assert page.status_code == 302 and page.url.startswith(reverse("two-factor-verify"))
    api = client.get(f"/api/v1/accounts/{account.id}/workspaces/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "second_factor_required"
    assert client.post(reverse("two-factor-verify"), {"token": "nonsense"}).status_code == 400
    # a wrong code slows the next attempts down (django-otp's throttling); let that second pass
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=owner).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    response = client.post(reverse("two-factor-verify"), {"token": codes[0], "next": "/"})
    assert response.status_code == 302
    assert client.get(reverse("account-home", args=[account.id])).status_code == 200
    # the recovery code is spent
    client.logout()
    client.post(reverse("login"), {"username": owner.username, "password": PASSWORD})
    assert client.post(reverse("two-factor-verify"), {"token": codes[0]}).status_code == 400
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=owner).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    assert StaticToken.objects.filter(device__user=owner).count() == 9
    assert client.post(reverse("two-factor-verify"), {"token": codes[1]}).status_code == 302


def test_tenant_user_may_turn_it_off(client, owner):
    client.force_login(owner)
    _enrol(client)
    client.post(reverse("security"), {"action": "disable"})
    assert not two_factor.has_second_factor(owner)


def test_finance_admin_requires_the_second_factor(client, db):
    staff = UserFactory(username="fin", is_staff=True, is_superuser=True)
    response = client.post("/admin/login/", {"username": "fin", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith(reverse("security"))  # enrol first
    assert client.get("/admin/workspaces/account/").status_code == 302
    # enrol, then admin opens
    _enrol(client)
    assert client.get("/admin/").status_code == 200
    # staff cannot turn it off
    client.post(reverse("security"), {"action": "disable"})
    assert two_factor.has_second_factor(staff)
    # next sign-in asks for the code before admin
    client.logout()
    client.post("/admin/login/", {"username": "fin", "password": PASSWORD, "next": "/admin/"})
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith(reverse("two-factor-verify"))


def test_staff_helper_device_verifies(client, db):
    staff = UserFactory(username="fin2", is_staff=True)
    device = confirmed_totp_device(staff)
    client.post("/admin/login/", {"username": "fin2", "password": PASSWORD})
    assert client.post(reverse("two-factor-verify"), {"token": totp_code(device), "next": "/admin/"}).url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_api_token_needs_the_code_once_two_factor_is_on(api_client, owner):
    device = confirmed_totp_device(owner)
    response = api_client.post("/api/v1/auth/token/", {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 400 and response.json()["error"]["code"] == "second_factor_required"
    response = api_client.post("/api/v1/auth/token/", {"username": owner.username, "password": PASSWORD,
                                                       "otp_token": totp_code(device)})
    assert response.status_code == 201 and response.json()["token"]
