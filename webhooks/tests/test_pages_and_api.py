"""Pages and API: register (URL rules), the secret shown once, edit, rotate, delivery log, resend, isolation."""

import pytest
from django.urls import reverse
from standardwebhooks.webhooks import Webhook

from core.exceptions import ApplicationError
from payments.models import Recharge, RechargeMethod
from payments.signals import recharge_credited
from tests.factories import AccountFactory, MembershipFactory
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.tests.receiver import Receiver
from webhooks.validation import validate_endpoint_url
from workspaces.models import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("url", "code"), [
    ("http://hooks.example.com/x", "webhook_insecure_url"),
    ("https://user:pw@hooks.example.com/x", "webhook_url_credentials"),
    ("https://hooks.example.com@evil.example.com/", "webhook_url_credentials"),
    ("https://10.0.0.5/x", "webhook_private_address"),
    ("https://[::1]/x", "webhook_private_address"),
    ("https://169.254.169.254/latest", "webhook_private_address"),
    ("https://localhost/x", "webhook_private_address"),
    ("ftp://hooks.example.com/x", "webhook_insecure_url"),
    ("https://hooks.example.com:99999/", "webhook_invalid_url"),
    ("https://hooks.exa mple.com/", "webhook_invalid_url"),
    ("http://127.0.0.2:8000/", "webhook_insecure_url"),
    ("", "webhook_invalid_url"),
])
def test_bad_urls_are_refused(url, code):
    with pytest.raises(ApplicationError) as error:
        validate_endpoint_url(url)
    assert error.value.code == code and error.value.fields["url"]


def test_https_and_the_test_loopback_are_accepted(settings):
    assert validate_endpoint_url(" https://hooks.example.com/fee ") == "https://hooks.example.com/fee"
    assert validate_endpoint_url("http://127.0.0.1:8123/x")
    settings.WEBHOOKS_ALLOW_INSECURE_LOOPBACK = False

    with pytest.raises(ApplicationError):
        validate_endpoint_url("http://127.0.0.1:8123/x")


def test_the_owner_registers_an_endpoint_and_sees_its_secret_once(owner_client, account):
    url = reverse("webhook-list", args=[account.pk])
    response = owner_client.post(url, {"url": "https://hooks.example.com/a", "event_types": ["package.expired"],
                                       "description": "ops", "is_active": "on"})
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and endpoint.secret.startswith("whsec_")
    detail = reverse("webhook-endpoint", args=[account.pk, endpoint.pk])
    assert endpoint.secret in owner_client.get(detail).content.decode()
    assert endpoint.secret not in owner_client.get(detail).content.decode()


def test_a_bad_form_keeps_the_input_and_shows_the_error_next_to_the_field(owner_client, account):
    url = reverse("webhook-list", args=[account.pk])
    response = owner_client.post(url, {"url": "http://hooks.example.com/a", "event_types": ["package.expired"]})
    assert response.status_code == 400
    content = response.content.decode()
    assert "is-invalid" in content and "http://hooks.example.com/a" in content and "https://" in content
    response = owner_client.post(url, {"url": "https://hooks.example.com/a"})
    assert response.status_code == 400 and not WebhookEndpoint.objects.exists()


def test_administrators_read_but_only_the_owner_writes(client, account, administrator, member):
    client.force_login(administrator)
    url = reverse("webhook-list", args=[account.pk])
    assert client.get(url).status_code == 200
    data = {"url": "https://hooks.example.com/a", "event_types": ["package.expired"]}
    assert client.post(url, data).status_code == 403
    client.force_login(member)
    assert client.get(url).status_code == 403


def test_api_crud_rotate_deliveries_resend(owner_api, owner, account, settings, django_capture_on_commit_callbacks):
    base = f"/api/v1/accounts/{account.pk}/webhooks/"
    bad = owner_api.post(base, {"url": "http://x.example.com/", "event_types": ["recharge.credited"]}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "webhook_insecure_url"
    bad = owner_api.post(base, {"url": "https://x.example.com/", "event_types": ["nope"]}, format="json")
    assert bad.status_code == 400 and "event_types" in bad.json()["error"]["fields"]
    with Receiver() as receiver:
        created = owner_api.post(base, {"url": receiver.url, "event_types": ["recharge.credited"]}, format="json")
        assert created.status_code == 201
        body = created.json()
        secret, endpoint_id = body["secret"], body["id"]
        listed = owner_api.get(base).json()
        assert listed["count"] == 1 and "secret" not in listed["results"][0]
        assert "secret" not in owner_api.get(f"{base}{endpoint_id}/").json()

        recharge = Recharge.objects.create(account=account, method=RechargeMethod.OFFLINE, amount="5.00",
                                           requested_by=owner, transfer_reference="T")
        with django_capture_on_commit_callbacks(execute=True):
            recharge_credited.send(sender=Recharge, recharge=recharge)
        Webhook(secret).verify(receiver.requests[0]["body"], receiver.requests[0]["headers"])

        rotated = owner_api.post(f"{base}{endpoint_id}/rotate-secret/").json()
        assert rotated["secret"] != secret and rotated["previous_secret_valid_until"]

        deliveries = owner_api.get(f"{base}deliveries/").json()
        assert deliveries["count"] == 1 and deliveries["results"][0]["attempts"][0]["status_code"] == 200
        delivery_id = deliveries["results"][0]["id"]
        with django_capture_on_commit_callbacks(execute=True):
            resent = owner_api.post(f"{base}deliveries/{delivery_id}/resend/")
        assert resent.status_code == 202
        assert len(receiver.requests) == 2
        second = receiver.requests[1]
        Webhook(rotated["secret"]).verify(second["body"], second["headers"])
        Webhook(secret).verify(second["body"], second["headers"])  # the grace period
        assert second["headers"]["webhook-id"] == receiver.requests[0]["headers"]["webhook-id"]

    patched = owner_api.patch(f"{base}{endpoint_id}/", {"event_types": ["package.renewed"], "is_active": False},
                              format="json")
    assert patched.status_code == 200 and patched.json()["event_types"] == ["package.renewed"]
    assert owner_api.delete(f"{base}{endpoint_id}/").status_code == 204
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()


def test_another_accounts_endpoints_and_deliveries_are_404(owner_api, account):
    other = AccountFactory()
    other_owner = MembershipFactory(account=other, role=Role.OWNER).user
    endpoint = services.endpoint_create(account=other, actor=other_owner, url="https://x.example.com/",
                                        event_types=["package.expired"])
    delivery = WebhookDelivery.objects.create(account=other, endpoint=endpoint, event_type="package.expired",
                                              message_id="msg_x", body="{}")
    mine = f"/api/v1/accounts/{account.pk}/webhooks/"
    assert owner_api.get(f"{mine}{endpoint.pk}/").status_code == 404
    assert owner_api.post(f"{mine}{endpoint.pk}/rotate-secret/").status_code == 404
    assert owner_api.post(f"{mine}deliveries/{delivery.pk}/resend/").status_code == 404
    assert owner_api.get(f"{mine}deliveries/").json()["count"] == 0
    assert owner_api.get(f"/api/v1/accounts/{other.pk}/webhooks/").status_code == 404


def test_the_delivery_page_shows_each_attempt_and_resends(owner_client, owner, account, receiver,
                                                         django_capture_on_commit_callbacks):
    services.endpoint_create(account=account, actor=owner, url=receiver.url, event_types=["recharge.credited"])
    receiver.statuses = [500]
    recharge = Recharge.objects.create(account=account, method=RechargeMethod.OFFLINE, amount="5.00",
                                       requested_by=owner, transfer_reference="T")
    with django_capture_on_commit_callbacks(execute=True):
        recharge_credited.send(sender=Recharge, recharge=recharge)
    delivery = WebhookDelivery.objects.get()
    page = owner_client.get(reverse("webhook-delivery", args=[account.pk, delivery.pk])).content.decode()
    assert "attempt-1" in page and "attempt-2" in page and "answer 500" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("webhook-resend", args=[account.pk, delivery.pk]))
    assert response.status_code == 302
    assert delivery.attempts.filter(manual=True).count() == 1
