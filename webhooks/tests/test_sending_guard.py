"""Sending is aimed at the tenant's endpoint and nowhere else, and one endpoint cannot stall the rest:
addresses resolved and checked at sending time (pinned), one deadline per attempt, a capped read, error classes
instead of exception text, one attempt at a time per endpoint, auto-disabling, resend chains."""

from __future__ import annotations

import ast
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from core.exceptions import ApplicationError
from tests.concurrency import run_together
from webhooks import delivery as delivery_module
from webhooks import services
from webhooks.addresses import is_public_address, parse_ip
from webhooks.delivery import attempt_delivery
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.tasks import deliver_webhook
from webhooks.tests.servers import ScriptedServer, dribble, huge, silent, slow_ok
from webhooks.validation import validate_endpoint_url

pytestmark = pytest.mark.django_db


class FakeResolver:
    """host -> addresses, recording every name asked."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        return self.table[host]


@pytest.fixture
def resolver(settings):
    fake = FakeResolver({})
    settings.WEBHOOKS_RESOLVER = fake
    return fake


def _endpoint(account, owner, url: str) -> WebhookEndpoint:
    return services.endpoint_create(account=account, actor=owner, url=url, event_types=["recharge.credited"])


def _delivery(endpoint: WebhookEndpoint, n: int = 1) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        account_id=endpoint.account_id, endpoint=endpoint, event_type="recharge.credited",
        message_id=f"msg_test{endpoint.pk}_{n}",
        body=services.message_body(event_type="recharge.credited", data={"account_id": endpoint.account_id}),
    )


# --------------------------------------------------------------------------------------------------------------
# addresses


@pytest.mark.parametrize("url", [
    "https://localhost./", "https://127.0.0.1./", "https://2130706433./", "https://0x7f000001./",
    "https://2130706433/", "https://[::127.0.0.1]/", "https://[64:ff9b::a9fe:a9fe]/", "https://[2002:7f00:1::1]/",
    "https://[::ffff:127.0.0.1]/", "https://[::ffff:8.8.8.8]/", "https://[64:ff9b:1::808:808]/",
    "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "https://[fe80::1%25eth0]/", "https://[::]/",
    "https://0.0.0.0/", "https://100.64.0.1/", "https://localhost../",
])
def test_saving_refuses_every_private_or_embedded_form(url, settings):
    settings.WEBHOOKS_ALLOW_INSECURE_LOOPBACK = False  # the production rule
    with pytest.raises(ApplicationError) as raised:
        validate_endpoint_url(url)
    assert raised.value.code == "webhook_private_address"


def test_trailing_dots_of_a_host_name_are_dropped():
    assert validate_endpoint_url("https://hooks.example.com./x?a=1") == "https://hooks.example.com/x?a=1"
    assert validate_endpoint_url("https://hooks.example.com.:8443/x") == "https://hooks.example.com:8443/x"


@pytest.mark.parametrize(("text", "public"), [
    ("8.8.8.8", True), ("2606:4700:4700::1111", True), ("127.0.0.1", False), ("10.1.2.3", False),
    ("169.254.169.254", False), ("::1", False), ("fc00::1", False), ("::127.0.0.1", False),
    ("::ffff:8.8.8.8", False), ("64:ff9b::808:808", False), ("2002:808:808::1", False),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False), ("224.0.0.1", False), ("ff02::1", False),
])
def test_the_address_rule(text, public):
    address = parse_ip(text)
    assert address is not None and is_public_address(address) is public


@pytest.mark.parametrize("resolved", [["127.0.0.1"], ["10.0.0.7"], ["93.184.216.34", "192.168.1.1"],
                                      ["::ffff:127.0.0.1"]])
def test_a_name_resolving_to_a_private_address_is_refused_at_sending(account, owner, settings, receiver, resolver,
                                                                     resolved):
    settings.WEBHOOKS_ALLOW_INSECURE_LOOPBACK = False  # the production policy
    port = receiver.server.server_address[1]
    endpoint = _endpoint(account, owner, f"https://hooks.example.com:{port}/hook")  # a name passes saving
    resolver.table["hooks.example.com"] = resolved
    delivery = _delivery(endpoint)
    step = attempt_delivery(delivery_id=delivery.pk)
    attempt = delivery.attempts.get()
    assert resolver.asked == ["hooks.example.com"]
    assert receiver.requests == []
    assert attempt.error == "refused: private address" and attempt.status_code is None
    assert attempt.response_body == ""
    assert step.countdown == 30  # a failed attempt like any other


def test_the_request_goes_to_the_checked_address_with_the_host_name_kept(account, owner, receiver, resolver):
    port = receiver.server.server_address[1]
    # hooks.example.test resolves nowhere but in the test resolver: reaching the receiver proves the pinning
    resolver.table["hooks.example.test"] = ["127.0.0.1"]
    endpoint = _endpoint(account, owner, f"http://hooks.example.test:{port}/hook")
    delivery = _delivery(endpoint)
    attempt_delivery(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    (request,) = receiver.requests
    assert request["headers"]["Host"] == f"hooks.example.test:{port}"
    assert request["path"] == "/hook"
    assert Webhook(endpoint.secret).verify(request["body"], request["headers"])["type"] == "recharge.credited"


def test_errors_are_classes_never_exception_text(account, owner, resolver, settings):
    settings.WEBHOOKS_DEADLINE_SECONDS = 2
    resolver.table["closed.example.test"] = ["127.0.0.1"]
    with ScriptedServer(silent) as server:
        port = server.port
    endpoint = _endpoint(account, owner, f"http://closed.example.test:{port}/hook")  # nobody listens any more
    delivery = _delivery(endpoint)
    attempt_delivery(delivery_id=delivery.pk)
    assert delivery.attempts.get().error == "connection failed"


def test_tls_failures_are_one_class(account, owner, receiver, resolver):
    resolver.table["tls.example.test"] = ["127.0.0.1"]
    port = receiver.server.server_address[1]  # speaks plain HTTP: the TLS handshake fails
    endpoint = _endpoint(account, owner, f"https://tls.example.test:{port}/hook")
    delivery = _delivery(endpoint)
    attempt_delivery(delivery_id=delivery.pk)
    attempt = delivery.attempts.get()
    assert attempt.error == "TLS error" and attempt.response_body == ""


def test_an_unresolvable_name_is_a_connection_failure(account, owner, resolver):
    endpoint = _endpoint(account, owner, "https://nowhere.example.com/hook")  # absent from the table
    delivery = _delivery(endpoint)
    attempt_delivery(delivery_id=delivery.pk)
    assert delivery.attempts.get().error == "connection failed"


# --------------------------------------------------------------------------------------------------------------
# deadline and caps


@pytest.mark.parametrize("behaviour", [dribble, silent])
def test_an_attempt_ends_at_its_deadline(account, owner, resolver, settings, behaviour):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 1  # per read: a dribble of a byte every 0.2 s never trips it
    settings.WEBHOOKS_DEADLINE_SECONDS = 1
    resolver.table["slow.example.test"] = ["127.0.0.1"]
    with ScriptedServer(behaviour) as server:
        endpoint = _endpoint(account, owner, f"http://slow.example.test:{server.port}/hook")
        delivery = _delivery(endpoint)
        started = time.monotonic()
        attempt_delivery(delivery_id=delivery.pk)
        elapsed = time.monotonic() - started
    attempt = delivery.attempts.get()
    assert attempt.error == "timed out" and not attempt.succeeded
    assert elapsed < 2.5
    assert attempt.duration_ms < 2500


def test_a_huge_reply_is_read_up_to_the_cap_and_stored_short(account, owner, resolver, settings):
    resolver.table["huge.example.test"] = ["127.0.0.1"]
    with ScriptedServer(huge) as server:
        endpoint = _endpoint(account, owner, f"http://huge.example.test:{server.port}/hook")
        delivery = _delivery(endpoint)
        started = time.monotonic()
        attempt_delivery(delivery_id=delivery.pk)
        elapsed = time.monotonic() - started
        time.sleep(0.2)
        sent = server.sent
    attempt = delivery.attempts.get()
    assert attempt.status_code == 200 and attempt.succeeded
    assert len(attempt.response_body) == settings.WEBHOOKS_RESPONSE_BODY_CHARS == 512
    assert "\x00" not in attempt.response_body  # PostgreSQL text cannot hold NUL
    assert sent < 20 * 1024 * 1024  # the client hung up long before 300 MiB
    assert elapsed < 5


# --------------------------------------------------------------------------------------------------------------
# one attempt at a time per endpoint


def test_an_endpoint_busy_with_another_attempt_sends_the_task_back(account, owner, receiver, settings):
    settings.WEBHOOKS_BUSY_RETRY_SECONDS = 7
    endpoint = _endpoint(account, owner, receiver.url)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(busy_until=timezone.now() + timedelta(seconds=30))
    delivery = _delivery(endpoint)
    step = attempt_delivery(delivery_id=delivery.pk, manual=True)
    assert (step.countdown, step.generation, step.manual) == (7, 0, True)
    assert receiver.requests == [] and not delivery.attempts.exists()
    # an expired lease (a crashed worker) is taken over
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(busy_until=timezone.now() - timedelta(seconds=1))
    step = attempt_delivery(delivery_id=delivery.pk)
    assert step.countdown is None and len(receiver.requests) == 1
    endpoint.refresh_from_db()
    assert endpoint.busy_until is None  # given back


@pytest.mark.django_db(transaction=True)
def test_two_attempts_at_one_endpoint_never_run_at_once(account, owner, resolver):
    resolver.table["one.example.test"] = ["127.0.0.1"]
    with ScriptedServer(slow_ok) as server:
        endpoint = _endpoint(account, owner, f"http://one.example.test:{server.port}/hook")
        first, second = _delivery(endpoint, 1), _delivery(endpoint, 2)
        steps = run_together([lambda: attempt_delivery(delivery_id=first.pk),
                              lambda: attempt_delivery(delivery_id=second.pk)])
        connections = server.connections
    assert sorted(step.countdown is None for step in steps) == [False, True]
    assert connections == 1
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 1


# --------------------------------------------------------------------------------------------------------------
# auto-disabling


def test_the_endpoint_is_disabled_after_n_failures_in_a_row_and_the_owner_mailed(
        account, owner, receiver, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    settings.WEBHOOKS_MAX_ATTEMPTS = 2
    receiver.statuses = [500, 200, 500, 500, 500, 500]
    endpoint = _endpoint(account, owner, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        first = _delivery(endpoint, 1)
        deliver_webhook(first.pk)  # 500, then 200: the count starts over
        second = _delivery(endpoint, 2)
        deliver_webhook(second.pk)  # 500, 500 -> failed (2 in a row)
        third = _delivery(endpoint, 3)
        deliver_webhook(third.pk)  # 500: the third in a row -> disabled, no retry
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.auto_disabled_at is not None
    assert endpoint.consecutive_failures == 3
    third.refresh_from_db()
    assert third.status == DeliveryStatus.FAILED and third.attempts.count() == 1
    assert len(receiver.requests) == 5
    (mail,) = mailoutbox
    assert mail.to == [owner.email] and "事件回调端点已停用" in mail.subject and receiver.url in mail.body
    services.endpoint_update(endpoint=endpoint, is_active=True)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 0 and endpoint.auto_disabled_at is None


# --------------------------------------------------------------------------------------------------------------
# resend chains


def test_a_resend_replaces_the_chain_it_resends(account, owner, receiver, django_capture_on_commit_callbacks):
    receiver.statuses = [500]
    endpoint = _endpoint(account, owner, receiver.url)
    delivery = _delivery(endpoint)
    step = attempt_delivery(delivery_id=delivery.pk, generation=0)
    assert step.countdown == 30 and step.generation == 0  # the retry the old chain would queue
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_resend(delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.generation == 1 and delivery.status == DeliveryStatus.SUCCEEDED
    # the old chain's retry arrives: pending again (resent a second time) or not, it sends nothing
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING, generation=2)
    deliver_webhook(delivery.pk, generation=0)
    assert len(receiver.requests) == 2 and delivery.attempts.count() == 2


def test_an_attempt_finishing_after_a_resend_only_leaves_its_log(account, owner, receiver, resolver, monkeypatch):
    endpoint = _endpoint(account, owner, receiver.url)
    delivery = _delivery(endpoint)
    real_send = delivery_module._send

    def resend_meanwhile(endpoint_, delivery_):
        outcome = real_send(endpoint_, delivery_)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(generation=1, attempt_count=0)
        return outcome

    monkeypatch.setattr("webhooks.delivery._send", resend_meanwhile)
    receiver.statuses = [500]
    step = attempt_delivery(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert step.countdown is None  # no retry of the replaced chain
    assert delivery.attempt_count == 0 and delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts.get().status_code == 500


# --------------------------------------------------------------------------------------------------------------
# the module graph


def test_no_function_local_imports_in_webhooks():
    root = Path(__file__).resolve().parents[1]
    found = []
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not (
                    path.name == "apps.py" and node.name == "ready"):
                found += [f"{path.name}:{inner.lineno}" for inner in ast.walk(node)
                          if isinstance(inner, ast.Import | ast.ImportFrom)]
    assert found == []


# --------------------------------------------------------------------------------------------------------------
# what people see


def test_the_pages_and_api_show_an_automatic_disabling_and_the_error_class(
        account, owner, client, owner_api, django_assert_max_num_queries):
    endpoint = _endpoint(account, owner, "https://hooks.example.com/x")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False, consecutive_failures=10,
                                                          auto_disabled_at=timezone.now())
    delivery = _delivery(endpoint)
    attempt_delivery(delivery_id=delivery.pk)  # disabled: logged without a request
    client.force_login(owner)
    page = client.get(f"/a/{account.pk}/webhooks/{endpoint.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and 'id="auto-disabled"' in page.content.decode()
    assert "after 10 failed attempts in a row" in page.content.decode()
    with django_assert_max_num_queries(12):
        detail = client.get(f"/a/{account.pk}/webhooks/deliveries/{delivery.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "endpoint disabled" in detail.content.decode()
    answer = owner_api.get(f"/api/v1/accounts/{account.pk}/webhooks/{endpoint.pk}/")
    assert answer.json()["consecutive_failures"] == 10 and answer.json()["auto_disabled_at"]
