"""Deliveries to a receiver on loopback, verified with standardwebhooks' Webhook.verify."""

import json
import socket
from unittest import mock

import pytest
from django.db import transaction
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from payments.models import Recharge, RechargeMethod
from payments.signals import recharge_credited
from quota.signals import workspaces_locked
from tests.factories import AccountFactory
from webhooks import delivery as delivery_module
from webhooks import services
from webhooks.models import DeliveryStatus, WebhookDelivery
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def _endpoint(account, owner, url, events=("recharge.credited",)):
    return services.endpoint_create(account=account, actor=owner, url=url, event_types=list(events))


def _recharge(account, owner, amount="100.00"):
    return Recharge.objects.create(account=account, method=RechargeMethod.OFFLINE, amount=amount,
                                   requested_by=owner, transfer_reference="T1")


def test_a_signal_delivers_a_signed_message(account, owner, receiver, django_capture_on_commit_callbacks):
    endpoint = _endpoint(account, owner, receiver.url)
    recharge = _recharge(account, owner)
    with django_capture_on_commit_callbacks(execute=True):
        recharge_credited.send(sender=Recharge, recharge=recharge)
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    payload = Webhook(endpoint.secret).verify(request["body"], request["headers"])
    assert payload["type"] == "recharge.credited"
    assert payload["data"] == {"account_id": account.pk, "recharge_id": recharge.pk, "amount": "100.00",
                               "method": "offline"}
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert request["headers"]["webhook-id"] == delivery.message_id
    attempt = delivery.attempts.get()
    assert attempt.status_code == 200 and attempt.succeeded and attempt.response_body == "answer 200"
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=").verify(request["body"], request["headers"])


def _credit_then_roll_back(recharge) -> None:
    with transaction.atomic():
        recharge_credited.send(sender=Recharge, recharge=recharge)
        raise RuntimeError("rolled back")


def test_nothing_is_sent_when_the_transaction_rolls_back(account, owner, receiver):
    _endpoint(account, owner, receiver.url)
    recharge = _recharge(account, owner)
    with pytest.raises(RuntimeError, match="rolled back"):
        _credit_then_roll_back(recharge)
    assert not WebhookDelivery.objects.exists() and receiver.requests == []


def test_events_are_filtered_per_endpoint(account, owner, receiver, django_capture_on_commit_callbacks):
    _endpoint(account, owner, receiver.url, events=["workspace.locked"])
    with django_capture_on_commit_callbacks(execute=True):
        recharge_credited.send(sender=Recharge, recharge=_recharge(account, owner))
    assert receiver.requests == []
    workspace = Workspace.objects.create(account=account, name="prod")
    with django_capture_on_commit_callbacks(execute=True):
        workspaces_locked.send(sender=Workspace, workspaces_by_account={account.pk: [workspace.pk]})
    assert [json.loads(r["body"])["type"] for r in receiver.requests] == ["workspace.locked"]
    assert json.loads(receiver.requests[0]["body"])["data"]["workspace_ids"] == [workspace.pk]


def test_another_accounts_event_never_reaches_this_endpoint(account, owner, receiver,
                                                             django_capture_on_commit_callbacks):
    _endpoint(account, owner, receiver.url)
    other = AccountFactory()
    with django_capture_on_commit_callbacks(execute=True):
        recharge_credited.send(sender=Recharge, recharge=_recharge(other, owner))
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()


def test_a_500_is_retried_with_backoff_until_it_succeeds(account, owner, receiver, settings,
                                                         django_capture_on_commit_callbacks):
    settings.WEBHOOKS_MAX_ATTEMPTS = 5
    receiver.statuses = [500, 500]
    endpoint = _endpoint(account, owner, receiver.url)
    countdowns = []
    real = delivery_module.backoff_seconds

    def spy(n):
        countdowns.append(real(n))
        return real(n)

    with mock.patch.object(delivery_module, "backoff_seconds", side_effect=spy), \
            django_capture_on_commit_callbacks(execute=True):
        recharge_credited.send(sender=Recharge, recharge=_recharge(account, owner))
    assert len(receiver.requests) == 3
    assert countdowns == [30, 120]  # 30 s * 4^(n-1)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert [(a.number, a.status_code, a.succeeded) for a in delivery.attempts.all()] == [
        (1, 500, False), (2, 500, False), (3, 200, True)]
    assert {r["headers"]["webhook-id"] for r in receiver.requests} == {delivery.message_id}
    for request in receiver.requests:
        Webhook(endpoint.secret).verify(request["body"], request["headers"])


def test_attempts_are_bounded_and_the_owner_can_send_again(account, owner, receiver, settings,
                                                           django_capture_on_commit_callbacks):
    settings.WEBHOOKS_MAX_ATTEMPTS = 3
    receiver.statuses = [500, 503, 500]
    _endpoint(account, owner, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        recharge_credited.send(sender=Recharge, recharge=_recharge(account, owner))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts.count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_resend(delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    last = delivery.attempts.last()
    assert last.number == 4 and last.manual and last.status_code == 200
    assert len(receiver.requests) == 4


def test_a_redirect_is_not_followed(account, owner, receiver, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOKS_MAX_ATTEMPTS = 1
    receiver.statuses = [302]
    _endpoint(account, owner, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        recharge_credited.send(sender=Recharge, recharge=_recharge(account, owner))
    attempt = WebhookDelivery.objects.get().attempts.get()
    assert attempt.status_code == 302 and not attempt.succeeded and attempt.error == "HTTP 302"


def test_an_unreachable_endpoint_logs_the_error(account, owner, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOKS_MAX_ATTEMPTS = 1
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _endpoint(account, owner, f"http://127.0.0.1:{port}/hook")
    with django_capture_on_commit_callbacks(execute=True):
        recharge_credited.send(sender=Recharge, recharge=_recharge(account, owner))
    delivery = WebhookDelivery.objects.get()
    attempt = delivery.attempts.get()
    assert delivery.status == DeliveryStatus.FAILED and attempt.status_code is None and attempt.error


def test_rotation_signs_with_both_secrets_during_the_grace(account, owner, receiver, settings,
                                                           django_capture_on_commit_callbacks):
    endpoint = _endpoint(account, owner, receiver.url)
    old = endpoint.secret
    endpoint = services.endpoint_rotate_secret(endpoint=endpoint)
    assert endpoint.secret != old and endpoint.previous_secret == old
    with django_capture_on_commit_callbacks(execute=True):
        recharge_credited.send(sender=Recharge, recharge=_recharge(account, owner))
    request = receiver.requests[-1]
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    Webhook(endpoint.secret).verify(request["body"], request["headers"])
    Webhook(old).verify(request["body"], request["headers"])

    settings.WEBHOOKS_SECRET_GRACE_HOURS = 0
    endpoint = services.endpoint_rotate_secret(endpoint=endpoint)
    with django_capture_on_commit_callbacks(execute=True):
        recharge_credited.send(sender=Recharge, recharge=_recharge(account, owner))
    request = receiver.requests[-1]
    Webhook(endpoint.secret).verify(request["body"], request["headers"])
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(request["body"], request["headers"])


def test_a_disabled_endpoint_gets_nothing(account, owner, receiver, django_capture_on_commit_callbacks):
    endpoint = _endpoint(account, owner, receiver.url)
    services.endpoint_update(endpoint=endpoint, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        recharge_credited.send(sender=Recharge, recharge=_recharge(account, owner))
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()
