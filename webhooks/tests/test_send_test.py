"""Send a test event: a `webhook.test` delivery to one endpoint through the ordinary signed delivery path (address
checked at sending time, the endpoint's lease), from the page button and the API; roles, isolation, the
per-endpoint limit, a disabled endpoint."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from tests.factories import AccountFactory, MembershipFactory
from webhooks import services
from webhooks.delivery import attempt_delivery
from webhooks.events import TEST_EVENT, EventType
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from workspaces.models import Role

pytestmark = pytest.mark.django_db


def _endpoint(account, owner, url: str, events=("package.expired",)) -> WebhookEndpoint:
    return services.endpoint_create(account=account, actor=owner, url=url, event_types=list(events))


@pytest.fixture
def owner_client(owner_client):
    """The pages in English (the site's default language is Chinese; see the last test for it)."""
    owner_client.cookies["django_language"] = "en"
    return owner_client


def _api_url(account, endpoint) -> str:
    return f"/api/v1/accounts/{account.pk}/webhooks/{endpoint.pk}/test/"


def test_the_api_queues_a_signed_test_event_the_loopback_receiver_verifies(
        owner_api, owner, account, receiver, django_capture_on_commit_callbacks):
    endpoint = _endpoint(account, owner, receiver.url)  # subscribed to something else: the test goes anyway
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post(_api_url(account, endpoint))
    assert response.status_code == 202
    delivery = WebhookDelivery.objects.get()
    assert response.json() == {"delivery_id": delivery.pk, "event_type": "webhook.test", "status": "pending"}
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    payload = Webhook(endpoint.secret).verify(request["body"], request["headers"])
    assert payload["type"] == "webhook.test"
    assert payload["data"]["account_id"] == account.pk and payload["data"]["endpoint_id"] == endpoint.pk
    assert request["headers"]["webhook-id"] == delivery.message_id
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts.get().status_code == 200


def test_the_test_event_is_not_subscribable():
    assert TEST_EVENT not in EventType.values
    with pytest.raises(Exception, match="Unknown event"):
        services._clean_events([TEST_EVENT])


def test_a_private_address_is_refused_at_sending_like_every_delivery(account, owner, settings, receiver):
    settings.WEBHOOKS_ALLOW_INSECURE_LOOPBACK = False  # the production policy
    port = receiver.server.server_address[1]
    settings.WEBHOOKS_RESOLVER = lambda host: {"hooks.example.com": ["10.0.0.7"]}[host]
    endpoint = _endpoint(account, owner, f"https://hooks.example.com:{port}/hook")  # a name passes saving
    delivery = services.endpoint_send_test(endpoint=endpoint)
    step = attempt_delivery(delivery_id=delivery.pk)
    attempt = delivery.attempts.get()
    assert receiver.requests == []
    assert attempt.error == "refused: private address" and attempt.status_code is None
    assert step.countdown == 30  # retried like any other failed attempt


def test_a_busy_endpoint_gets_no_second_request_at_once(account, owner, receiver, settings):
    endpoint = _endpoint(account, owner, receiver.url)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(busy_until=timezone.now() + timedelta(seconds=30))
    delivery = services.endpoint_send_test(endpoint=endpoint)
    step = attempt_delivery(delivery_id=delivery.pk)
    assert receiver.requests == [] and not delivery.attempts.exists()
    assert step.countdown == int(settings.WEBHOOKS_BUSY_RETRY_SECONDS)


def test_another_accounts_endpoint_is_404(owner_api, owner_client, account):
    other = AccountFactory()
    other_owner = MembershipFactory(account=other, role=Role.OWNER).user
    endpoint = _endpoint(other, other_owner, "https://x.example.com/")
    response = owner_api.post(_api_url(account, endpoint))
    assert response.status_code == 404 and response.json()["error"]["code"]
    assert owner_client.post(reverse("webhook-test", args=[account.pk, endpoint.pk])).status_code == 404
    assert not WebhookDelivery.objects.exists()


def test_a_member_gets_403_an_administrator_may_send(api_client, client, account, owner, member, administrator):
    endpoint = _endpoint(account, owner, "https://x.example.com/")
    api_client.force_authenticate(member)
    assert api_client.post(_api_url(account, endpoint)).status_code == 403
    client.force_login(member)
    assert client.post(reverse("webhook-test", args=[account.pk, endpoint.pk])).status_code == 403
    assert not WebhookDelivery.objects.exists()
    api_client.force_authenticate(administrator)
    assert api_client.post(_api_url(account, endpoint)).status_code == 202
    client.force_login(administrator)
    page = client.get(reverse("webhook-endpoint", args=[account.pk, endpoint.pk])).content.decode()
    assert reverse("webhook-test", args=[account.pk, endpoint.pk]) in page


def test_more_than_five_a_minute_per_endpoint_is_429(owner_api, owner, account):
    endpoint = _endpoint(account, owner, "https://x.example.com/")
    second = _endpoint(account, owner, "https://y.example.com/")
    answers = [owner_api.post(_api_url(account, endpoint)).status_code for _ in range(6)]
    assert answers == [202] * 5 + [429]
    refused = owner_api.post(_api_url(account, endpoint))
    assert refused.json()["error"]["code"] == "throttled" and refused.has_header("Retry-After")
    assert owner_api.post(_api_url(account, second)).status_code == 202  # one bucket per endpoint
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 5


def test_the_page_shares_the_limit_and_says_so(owner_client, owner, account):
    endpoint = _endpoint(account, owner, "https://x.example.com/")
    url = reverse("webhook-test", args=[account.pk, endpoint.pk])
    for _ in range(5):
        assert owner_client.post(url).status_code == 302
    response = owner_client.post(url, follow=True)
    assert "Too many test events" in response.content.decode()
    assert WebhookDelivery.objects.filter(event_type=TEST_EVENT).count() == 5


def test_a_disabled_endpoint_is_409(owner_api, owner_client, owner, account):
    endpoint = _endpoint(account, owner, "https://x.example.com/")
    services.endpoint_update(endpoint=endpoint, is_active=False)
    response = owner_api.post(_api_url(account, endpoint))
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "webhook_endpoint_inactive" and error["message"]
    page = owner_client.post(reverse("webhook-test", args=[account.pk, endpoint.pk]), follow=True)
    assert page.redirect_chain[-1][0] == reverse("webhook-endpoint", args=[account.pk, endpoint.pk])
    assert "enable it before sending a test event" in page.content.decode()
    assert not WebhookDelivery.objects.exists()


def test_the_page_button_sends_and_flashes(owner_client, owner, account, receiver, django_capture_on_commit_callbacks):
    endpoint = _endpoint(account, owner, receiver.url)
    listing = owner_client.get(reverse("webhook-list", args=[account.pk])).content.decode()
    assert reverse("webhook-test", args=[account.pk, endpoint.pk]) in listing
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("webhook-test", args=[account.pk, endpoint.pk]), follow=True)
    body = response.content.decode()
    assert "A test event is on its way" in body and "webhook.test" in body
    assert json.loads(receiver.requests[0]["body"])["type"] == "webhook.test"


def test_the_flash_messages_in_chinese(client, owner, account):
    client.force_login(owner)
    client.cookies["django_language"] = "zh-hans"
    endpoint = _endpoint(account, owner, "https://x.example.com/")
    url = reverse("webhook-test", args=[account.pk, endpoint.pk])
    assert "测试事件正在发往此端点" in client.post(url, follow=True).content.decode()
    services.endpoint_update(endpoint=endpoint, is_active=False)
    assert "此端点已停用" in client.post(url, follow=True).content.decode()
