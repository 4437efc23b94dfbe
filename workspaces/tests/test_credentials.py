"""Item 4 and 5: named API tokens (shown once, hashed at rest, listed, revocable on the page and the API), the
events that end credentials (second factor turned on, password changed, password reset), and the throttled
password reset. Attacker tests: a revoked token or one from before the event answers 401; an old session is out."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from statements.tests.test_i18n import english_left
from tests.factories import UserFactory, api_token_key, confirmed_totp_device, totp_code
from workspaces.credential_models import ApiToken

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "Brand-new-pass-77"


def _token_api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _reads_wallet(key: str, account) -> int:
    return _token_api(key).get(f"/api/v1/accounts/{account.id}/wallet/").status_code


# --------------------------------------------------------------------------------------------------------------
# tokens


def test_each_call_makes_a_new_named_token_shown_once_and_hashed_at_rest(api_client, owner, account):
    first = api_client.post("/api/v1/auth/token/", {"username": owner.username, "password": PASSWORD,
                                                    "name": "nightly export"})
    second = api_client.post("/api/v1/auth/token/", {"username": owner.username, "password": PASSWORD})
    assert first.status_code == second.status_code == 201
    key1, key2 = first.json()["token"], second.json()["token"]
    assert key1 != key2 and first.json()["name"] == "nightly export"
    row = ApiToken.objects.get(pk=first.json()["id"])
    assert row.key_hash == hashlib.sha256(key1.encode()).hexdigest()
    assert key1.startswith(f"fc_{row.prefix}_")
    with connection.cursor() as cursor:  # the key is nowhere in the table
        cursor.execute("SELECT count(*) FROM workspaces_apitoken WHERE row(workspaces_apitoken.*)::text LIKE %s",
                       [f"%{key1.split('_', 2)[2]}%"])
        assert cursor.fetchone()[0] == 0
    assert _reads_wallet(key1, account) == 200
    listing = _token_api(key1).get("/api/v1/auth/tokens/").json()
    assert {t["name"] for t in listing} == {"nightly export", "API"}
    assert "token" not in listing[0] and key1 not in str(listing)


def test_a_revoked_token_answers_401(owner, account):
    key = api_token_key(owner)
    token_id = ApiToken.objects.get(user=owner).pk
    response = _token_api(key).delete(f"/api/v1/auth/tokens/{token_id}/")
    assert response.status_code == 204
    answer = _token_api(key).get(f"/api/v1/accounts/{account.id}/wallet/")
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "authentication_failed"


def test_another_users_token_id_is_a_404_and_stays_valid(owner, account):
    victim = UserFactory()
    victim_key = api_token_key(victim)
    victim_token = ApiToken.objects.get(user=victim)
    response = _token_api(api_token_key(owner)).delete(f"/api/v1/auth/tokens/{victim_token.pk}/")
    assert response.status_code == 404
    victim_token.refresh_from_db()
    assert victim_token.revoked_at is None
    assert _token_api(victim_key).get("/api/v1/auth/tokens/").status_code == 200


def test_made_up_or_tampered_keys_answer_401(owner, account):
    key = api_token_key(owner)
    for bad in (key[:-1] + ("A" if key[-1] != "A" else "B"), "fc_deadbeef_nothing", "x" * 40, key + "x"):
        assert _reads_wallet(bad, account) == 401


def test_another_persons_token_cannot_be_revoked(owner, other_owner):
    api_token_key(other_owner)
    theirs = ApiToken.objects.get(user=other_owner)
    client = APIClient()
    client.force_login(owner)
    response = client.delete(f"/api/v1/auth/tokens/{theirs.pk}/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None


def test_a_session_makes_tokens_but_a_token_cannot_mint_one(owner):
    session = APIClient()
    session.force_login(owner)
    made = session.post("/api/v1/auth/tokens/", {"name": "ci"}, format="json")
    assert made.status_code == 201 and made.json()["token"].startswith("fc_")
    refused = _token_api(made.json()["token"]).post("/api/v1/auth/tokens/", {"name": "sneaky"}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "session_required"
    empty = session.post("/api/v1/auth/tokens/", {"name": ""}, format="json")
    assert empty.status_code == 400 and "name" in empty.json()["error"]["fields"]
    assert list(ApiToken.objects.filter(user=owner).values_list("name", flat=True)) == ["ci"]


def test_the_token_list_costs_constant_queries(owner, django_assert_max_num_queries):
    for n in range(5):
        api_token_key(owner, name=f"t{n}")
    client = APIClient()
    client.force_login(owner)
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/v1/auth/tokens/").json()) == 5


def test_last_used_is_written_at_most_once_a_minute(owner, account):
    key = api_token_key(owner)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _reads_wallet(key, account)
        assert ApiToken.objects.get(user=owner).last_used_at == start
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        _reads_wallet(key, account)
        assert ApiToken.objects.get(user=owner).last_used_at == start
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        _reads_wallet(key, account)
        assert ApiToken.objects.get(user=owner).last_used_at == start + timedelta(seconds=61)


def test_token_endpoints_are_in_the_schema(api_client):
    schema = api_client.get("/api/v1/schema/", {"format": "json"}).json()
    assert {"/api/v1/auth/token/", "/api/v1/auth/tokens/", "/api/v1/auth/tokens/{token_id}/"} <= set(schema["paths"])
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_token_endpoint_needs_the_code_once_two_factor_is_on(api_client, owner):
    device = confirmed_totp_device(owner)
    body = {"username": owner.username, "password": PASSWORD}
    response = api_client.post("/api/v1/auth/token/", body)
    assert response.status_code == 400 and response.json()["error"]["code"] == "second_factor_required"
    code = totp_code(device)
    assert api_client.post("/api/v1/auth/token/", {**body, "otp_token": code}).status_code == 201
    again = api_client.post("/api/v1/auth/token/", {**body, "otp_token": code})
    assert again.status_code == 400 and again.json()["error"]["code"] == "second_factor_used"


# --------------------------------------------------------------------------------------------------------------
# the security page


def test_the_page_makes_shows_once_lists_and_revokes_tokens(client, owner, account):
    client.force_login(owner)
    made = client.post(reverse("security"), {"action": "token_create", "name": "robot"})
    key = re.search(r'id="new-token-key"[^>]*>([^<]+)<', made.content.decode()).group(1)
    assert _reads_wallet(key, account) == 200
    page = client.get(reverse("security")).content.decode()
    assert "robot" in page and key not in page  # shown once
    token = ApiToken.objects.get(user=owner)
    response = client.post(reverse("security"), {"action": "token_revoke", "token_id": str(token.pk)})
    assert response.status_code == 302
    assert _reads_wallet(key, account) == 401
    assert client.post(reverse("security"), {"action": "token_revoke", "token_id": "\uff11"}).status_code == 400


def test_the_security_page_costs_constant_queries(client, owner, django_assert_max_num_queries):
    client.force_login(owner)
    for n in range(6):
        api_token_key(owner, name=f"t{n}")
    with django_assert_max_num_queries(12):
        page = client.get(reverse("security"))
    assert page.content.decode().count('value="token_revoke"') == 6


def test_the_page_keeps_the_account_shell_and_offers_copy_and_download(client, owner, account):
    client.force_login(owner)
    page = client.get(reverse("security"), {"account": account.id}).content.decode()
    assert account.name in page and 'id="sidebar"' in page and "Choose an account" not in page
    assert client.get(reverse("security"), {"account": "999999"}).status_code == 200  # no shell, no error
    client.post(reverse("security"), {"action": "start"})
    device = TOTPDevice.objects.get(user=owner, confirmed=False)
    done = client.post(reverse("security"), {"action": "confirm", "token": totp_code(device)}).content.decode()
    assert 'data-copy-from="recovery-code-list"' in done and 'data-download-from="recovery-code-list"' in done
    assert "js/security.js" in done and "<script>" not in done


# --------------------------------------------------------------------------------------------------------------
# events that end credentials


def _second_session(user) -> Client:
    other = Client()
    assert other.post(reverse("login"), {"username": user.username, "password": PASSWORD}).status_code == 302
    return other


def _signed_in(client: Client) -> bool:
    response = client.get(reverse("security"))
    return response.status_code == 200


def test_turning_on_two_factor_ends_older_tokens_and_other_sessions(client, owner, account, settings,
                                                                     django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = "en"
    key = api_token_key(owner)
    other = _second_session(owner)
    client.post(reverse("login"), {"username": owner.username, "password": PASSWORD})
    client.post(reverse("security"), {"action": "start"})
    device = TOTPDevice.objects.get(user=owner, confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("security"), {"action": "confirm", "token": totp_code(device)}).status_code == 200
    assert _reads_wallet(key, account) == 401
    assert not _signed_in(other)
    assert _signed_in(client)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [owner.email]
    assert "Two-factor authentication is on" in mail.outbox[0].subject
    assert "1 API token was revoked." in mail.outbox[0].body


def test_changing_the_password_ends_tokens_and_other_sessions_but_not_this_one(client, owner, account, settings,
                                                                               django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = "en"
    key = api_token_key(owner)
    other = _second_session(owner)
    client.post(reverse("login"), {"username": owner.username, "password": PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                            "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert _reads_wallet(key, account) == 401
    assert not _signed_in(other)
    assert _signed_in(client)
    assert [m.subject for m in mail.outbox] == [
        "[Fee Center] Your password was changed: your API tokens and other sessions ended"]


def test_a_password_reset_ends_every_token_and_session(client, owner, account, settings,
                                                      django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = "en"
    key = api_token_key(owner)
    old_session = _second_session(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": owner.email})
    link = re.search(r"https?://[^/]+(/password/reset/[^\s]+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert _reads_wallet(key, account) == 401
    assert not _signed_in(old_session)
    assert not Session.objects.filter(session_key=old_session.session.session_key).exists()
    notice = mail.outbox[1]
    assert notice.to == [owner.email] and "Every signed-in session was ended" in notice.body


def test_the_notice_is_in_the_site_language_by_default(client, owner, django_capture_on_commit_callbacks):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                 "new_password2": NEW_PASSWORD})
    assert mail.outbox[0].subject == "【费用中心】您的密码已修改：您的 API 令牌和其他会话已结束"  # noqa: RUF001


# --------------------------------------------------------------------------------------------------------------
# password reset throttling


def _reset(client: Client, email: str, ip: str = "203.0.113.9"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_reset_mails_to_one_address_are_throttled_with_the_same_page(client, owner, settings,
                                                                     django_capture_on_commit_callbacks):
    settings.PASSWORD_RESET_THROTTLE = {"per_address": 3, "per_ip": 10, "window_seconds": 900}
    with django_capture_on_commit_callbacks(execute=True):
        answers = [_reset(client, owner.email, ip=f"198.51.100.{n}") for n in range(7)]
    assert len(mail.outbox) == 3
    assert {(a.status_code, a.url) for a in answers} == {(302, reverse("password_reset_done"))}


def test_reset_requests_from_one_client_ip_are_throttled(client, settings, django_capture_on_commit_callbacks):
    settings.PASSWORD_RESET_THROTTLE = {"per_address": 3, "per_ip": 4, "window_seconds": 900}
    users = [UserFactory(username=f"reset{n}") for n in range(6)]
    with django_capture_on_commit_callbacks(execute=True):
        for user in users:
            assert _reset(client, user.email).status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users[:4])


def test_the_reset_throttle_uses_the_one_client_ip_rule(client, owner, settings, django_capture_on_commit_callbacks):
    """X-Forwarded-For is ignored without trusted proxies: a client cannot reset its counter by writing one."""
    settings.PASSWORD_RESET_THROTTLE = {"per_address": 100, "per_ip": 2, "window_seconds": 900}
    settings.TRUSTED_PROXY_COUNT = 0
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(4):
            client.post(reverse("password_reset"), {"email": owner.email}, REMOTE_ADDR="192.0.2.1",
                        HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert len(mail.outbox) == 2


def test_the_reset_window_ends(client, owner, settings, django_capture_on_commit_callbacks):
    settings.PASSWORD_RESET_THROTTLE = {"per_address": 1, "per_ip": 10, "window_seconds": 1}
    with django_capture_on_commit_callbacks(execute=True):
        _reset(client, owner.email)
        _reset(client, owner.email)
    assert len(mail.outbox) == 1
    time.sleep(1.2)  # the counter lives in Redis, on the real clock
    with django_capture_on_commit_callbacks(execute=True):
        _reset(client, owner.email)
    assert len(mail.outbox) == 2


def test_the_token_section_speaks_chinese(client, owner, account):
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    client.force_login(owner)
    made = client.post(reverse("security"), {"action": "token_create", "name": "机器人"})
    key = re.search(r'id="new-token-key"[^>]*>([^<]+)<', made.content.decode()).group(1)
    prefix = ApiToken.objects.get(user=owner).prefix
    allowed = {owner.username, owner.email, key, f"fc_{prefix}…", "Authorization: Token fc_…", "QR", "Fee",
               "Center", account.name}
    assert english_left(made.content.decode(), allowed) == []
    assert english_left(client.get(reverse("security")).content.decode(), allowed) == []
