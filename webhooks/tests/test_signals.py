"""Each listened signal becomes a message of its type, for the subscribed endpoint of the right account only."""

import datetime
import json

import pytest
from django.db import transaction
from standardwebhooks.webhooks import Webhook

from orders import signals as orders_signals
from orders.models import Package
from orders.tests.factories import paid_package
from payments import signals as payments_signals
from payments.models import Wallet
from quota import signals as quota_signals
from tests.factories import WorkspaceFactory
from webhooks import services
from webhooks.events import EventType
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed(account, owner, receiver):
    return services.endpoint_create(account=account, actor=owner, url=receiver.url, event_types=EventType.values)


def _messages(receiver, endpoint):
    return [Webhook(endpoint.secret).verify(r["body"], r["headers"]) for r in receiver.requests]


def test_package_signals(account, owner, receiver, subscribed, django_capture_on_commit_callbacks):
    workspace = WorkspaceFactory(account=account)
    package = paid_package(account, owner, workspaces=[workspace])
    receiver.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        orders_signals.package_expiring.send(sender=Package, package=package, days_before=7, ends_on=package.ends_on)
        orders_signals.package_renewed.send(sender=Package, package=package, renewal=package, order=None,
                                            automatic=True)
        orders_signals.package_expired.send(sender=Package, package=package, renewed=False)
    messages = _messages(receiver, subscribed)
    assert [m["type"] for m in messages] == ["package.expiring", "package.renewed", "package.expired"]
    assert messages[0]["data"]["days_before"] == 7 and messages[0]["data"]["package_id"] == package.pk
    assert messages[0]["data"]["ends_on"] == package.ends_on.isoformat()
    assert messages[1]["data"]["automatic"] is True and messages[1]["data"]["renewal"]["package_id"] == package.pk
    assert messages[2]["data"]["renewed"] is False


def test_arrears_and_night_signals(account, receiver, subscribed, django_capture_on_commit_callbacks):
    workspace = WorkspaceFactory(account=account)
    with django_capture_on_commit_callbacks(execute=True):
        quota_signals.arrears_countdown_started.send(sender=Workspace,
                                                     workspaces_by_account={account.pk: [workspace.pk]})
        payments_signals.arrears_cleared.send(sender=Wallet, account=account)
        quota_signals.night_settled.send(sender=None, day=datetime.date(2026, 11, 20), account_ids=[account.pk])
    messages = _messages(receiver, subscribed)
    assert [m["type"] for m in messages] == ["workspace.countdown_started", "workspace.unlocked",
                                            "bill.daily_settled"]
    assert messages[2]["data"] == {"account_id": account.pk, "day": "2026-11-20", "total": "0.00", "charged": "0.00"}
    assert all(m["data"]["account_id"] == account.pk for m in messages)
    assert json.loads(receiver.requests[0]["body"])["timestamp"].endswith("Z")


def test_a_failing_receiver_never_breaks_the_sender(account, subscribed, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("down")

    monkeypatch.setattr(services, "webhook_publish_many", boom)
    with transaction.atomic():
        quota_signals.workspaces_locked.send(sender=Workspace, workspaces_by_account={account.pk: [1]})
        assert Workspace.objects.count() >= 0  # the transaction is still usable
