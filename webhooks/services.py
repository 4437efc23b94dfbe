"""Every write of the webhooks app: endpoints (create, update, delete, rotate the secret), publishing an event
to the subscribed endpoints of an account (deliveries queued after commit) and sending a delivery again.
The HTTP request itself is in webhooks/delivery.py, called by the Celery task."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, Conflict
from webhooks import signing
from webhooks.error_codes import WebhooksErrorCode as Code
from webhooks.events import TEST_EVENT, EventType
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.tasks import queue_attempt
from webhooks.validation import validate_endpoint_url
from workspaces.models import Account

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_ENDPOINTS_PER_ACCOUNT = 20
MAX_DESCRIPTION = 200


def _clean_events(event_types: Iterable[Any] | None) -> list[str]:
    chosen = []
    for raw in event_types or []:
        value = str(raw)
        if value not in EventType.values:
            message = f"Unknown event {value[:64]!r}."
            raise ApplicationError(message, code=Code.UNKNOWN_EVENT, fields={"event_types": [message]})
        if value not in chosen:
            chosen.append(value)
    if not chosen:
        message = "Choose at least one event."
        raise ApplicationError(message, code=Code.NO_EVENTS, fields={"event_types": [message]})
    return sorted(chosen, key=EventType.values.index)


def _clean_description(description: str | None) -> str:
    text = (description or "").strip()
    if len(text) > MAX_DESCRIPTION:
        message = f"At most {MAX_DESCRIPTION} characters."
        raise ApplicationError(message, code=Code.DESCRIPTION_TOO_LONG, fields={"description": [message]})
    return text


def endpoint_create(
    *, account: Account, actor: User, url: str, event_types: Iterable[Any], description: str = ""
) -> WebhookEndpoint:
    """A new endpoint with a fresh secret (the caller shows `endpoint.secret` once, now)."""
    clean_url = validate_endpoint_url(url)
    events = _clean_events(event_types)
    text = _clean_description(description)
    if WebhookEndpoint.objects.for_account(account).count() >= MAX_ENDPOINTS_PER_ACCOUNT:
        raise ApplicationError(f"An account has at most {MAX_ENDPOINTS_PER_ACCOUNT} endpoints.",
                               code=Code.TOO_MANY_ENDPOINTS)
    return WebhookEndpoint.objects.create(
        account=account, url=clean_url, event_types=events, description=text, secret=signing.new_secret(),
        created_by=actor,
    )


def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    event_types: Iterable[Any] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given (None = keep). Validates everything before writing."""
    changes: dict[str, Any] = {}
    if url is not None:
        changes["url"] = validate_endpoint_url(url)
    if event_types is not None:
        changes["event_types"] = _clean_events(event_types)
    if description is not None:
        changes["description"] = _clean_description(description)
    if is_active is not None:
        changes["is_active"] = bool(is_active)
        if changes["is_active"] and not endpoint.is_active:
            # enabled again (after an automatic disabling, say): its count of failures starts over
            changes["consecutive_failures"] = 0
            changes["auto_disabled_at"] = None
    for field, value in changes.items():
        setattr(endpoint, field, value)
    if changes:
        endpoint.save(update_fields=[*changes, "updated_at"])
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret; the old one keeps signing (alongside) for WEBHOOKS_SECRET_GRACE_HOURS, then never again.
    Rotating again during a grace period ends the older grace at once (only one previous secret is kept)."""
    now = timezone.now()
    grace = timedelta(hours=settings.WEBHOOKS_SECRET_GRACE_HOURS)
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.previous_secret = locked.secret if grace.total_seconds() > 0 else ""
        locked.previous_secret_until = now + grace if grace.total_seconds() > 0 else None
        locked.secret = signing.new_secret()
        locked.secret_rotated_at = now
        locked.save(update_fields=["previous_secret", "previous_secret_until", "secret", "secret_rotated_at",
                                   "updated_at"])
    return locked


def message_body(*, event_type: str, data: dict[str, Any], at=None) -> str:
    at = at or timezone.now()
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps({"type": event_type, "timestamp": stamp, "data": data}, separators=(",", ":"),
                      ensure_ascii=False, sort_keys=True, default=str)


def _queue(delivery_ids: list[int], *, manual: bool = False, generation: int = 0) -> None:
    def send() -> None:
        for delivery_id in delivery_ids:
            queue_attempt(delivery_id, manual=manual, generation=generation)

    if delivery_ids:
        transaction.on_commit(send)


def webhook_publish(*, account_id: int, event_type: str, data: dict[str, Any]) -> list[WebhookDelivery]:
    """One delivery per active endpoint of the account subscribed to `event_type`, queued after commit
    (a rolled-back transaction sends nothing). Called by the signal receivers (webhooks/receivers.py)."""
    return webhook_publish_many(event_type=event_type, data_by_account={account_id: data})


def webhook_publish_many(
    *, event_type: str, data_by_account: dict[int, dict[str, Any]] | Callable[[list[int]], dict[int, dict]]
) -> list[WebhookDelivery]:
    """The same for many accounts at once, in a constant number of queries. `data_by_account` may be a callable
    given the ids of the accounts that have a subscribed endpoint (so the data is read only for them); it is
    then called with those ids and returns {account_id: data}."""
    if event_type not in EventType.values:
        raise ApplicationError(f"Unknown event {event_type!r}.", code=Code.UNKNOWN_EVENT)
    wanted = None if callable(data_by_account) else [int(a) for a in data_by_account]
    active = WebhookEndpoint.objects.filter(is_active=True, event_types__contains=[event_type])
    if wanted is not None:
        active = active.filter(account_id__in=wanted)
    endpoints = list(active.order_by("pk"))
    if not endpoints:
        return []
    if callable(data_by_account):
        data_by_account = data_by_account(sorted({e.account_id for e in endpoints}))
    now = timezone.now()
    bodies = {
        int(account_id): message_body(event_type=event_type, data={"account_id": int(account_id), **data}, at=now)
        for account_id, data in data_by_account.items()
    }
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(account_id=endpoint.account_id, endpoint=endpoint, event_type=event_type,
                            message_id=signing.new_message_id(), body=bodies[endpoint.account_id])
            for endpoint in endpoints
            if endpoint.account_id in bodies
        ]
    )
    _queue([d.pk for d in deliveries])
    return deliveries


def endpoint_send_test(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue one `webhook.test` message to this endpoint (whatever events it subscribes to), after commit. It is
    an ordinary delivery: signed, address checked at sending time, under the deadline and the endpoint's lease,
    retried and logged like every other. A disabled endpoint is refused (409): nothing would be sent."""
    if not endpoint.is_active:
        raise Conflict(_("This endpoint is disabled: enable it before sending a test event."),
                       code=Code.ENDPOINT_INACTIVE)
    data = {"account_id": endpoint.account_id, "endpoint_id": endpoint.pk,
            "message": "A test event sent from the Fee Center."}
    delivery = WebhookDelivery.objects.create(
        account_id=endpoint.account_id, endpoint=endpoint, event_type=TEST_EVENT,
        message_id=signing.new_message_id(), body=message_body(event_type=TEST_EVENT, data=data),
    )
    _queue([delivery.pk])
    return delivery


def delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (whatever its status): a new round of attempts with the same message id and body,
    signed with the endpoint's current secret at sending time. The round is a new chain (`generation` + 1):
    the retries still queued from the round it replaces find themselves stale and exit."""
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        locked.status = DeliveryStatus.PENDING
        locked.attempt_count = 0
        locked.generation += 1
        locked.next_attempt_at = timezone.now()
        locked.save(update_fields=["status", "attempt_count", "generation", "next_attempt_at"])
        _queue([locked.pk], manual=True, generation=locked.generation)
    return locked
