"""Sending one attempt of a delivery, outside any transaction or lock:

1. read the delivery and its endpoint (no lock); skip it when it is no longer pending or the endpoint is
   inactive;
2. check the URL again (webhooks/validation.py), sign (webhooks/signing.py) and POST with httpx: a short
   timeout, redirects never followed (a 3xx counts as a failure);
3. record the attempt (status code, the start of the response body, duration, error) in a short transaction;
   2xx = succeeded; otherwise, while fewer than WEBHOOKS_MAX_ATTEMPTS attempts of this round were made, the next
   one is queued after commit with exponential backoff (WEBHOOKS_RETRY_BASE_SECONDS * 4^(n-1), at most 6 h),
   else the delivery is failed (a person may send it again).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.exceptions import ApplicationError
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from webhooks.signing import signed_headers
from webhooks.validation import validate_endpoint_url

MAX_BACKOFF_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    body: str
    error: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def backoff_seconds(attempt_number: int) -> int:
    """Seconds to wait after the n-th failed attempt of a round (n >= 1)."""
    base = int(settings.WEBHOOKS_RETRY_BASE_SECONDS)
    return min(base * 4 ** max(attempt_number - 1, 0), MAX_BACKOFF_SECONDS)


def _post(url: str, headers: dict[str, str], body: str) -> Outcome:
    limit = int(settings.WEBHOOKS_RESPONSE_BODY_CHARS)
    started = time.monotonic()
    try:
        with httpx.Client(timeout=float(settings.WEBHOOKS_TIMEOUT_SECONDS), follow_redirects=False,
                          trust_env=False) as client:
            response = client.post(url, content=body.encode("utf-8"), headers=headers)
        error = ""
        if 300 <= response.status_code < 400:
            error = "Redirect not followed: answer the webhook URL itself."
        return Outcome(response.status_code, response.text[:limit], error,
                       int((time.monotonic() - started) * 1000))
    except httpx.TimeoutException:
        return Outcome(None, "", "Timed out.", int((time.monotonic() - started) * 1000))
    except httpx.HTTPError as exc:
        return Outcome(None, "", f"{type(exc).__name__}: {exc}"[:500], int((time.monotonic() - started) * 1000))


def attempt_delivery(*, delivery_id: int, manual: bool = False) -> WebhookAttempt | None:
    """One attempt (see the module docstring). Returns the attempt recorded, or None when nothing was due."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None
    endpoint = delivery.endpoint
    started_at = timezone.now()
    if not endpoint.is_active:
        outcome = Outcome(None, "", "The endpoint is disabled.", 0)
    else:
        try:
            url = validate_endpoint_url(endpoint.url)
        except ApplicationError as error:
            outcome = Outcome(None, "", error.message, 0)
        else:
            headers = signed_headers(endpoint=endpoint, message_id=delivery.message_id, body=delivery.body)
            outcome = _post(url, headers, delivery.body)
    return _record(delivery_id, outcome, started_at=started_at, manual=manual,
                   retry=endpoint.is_active)


def _record(delivery_id: int, outcome: Outcome, *, started_at, manual: bool, retry: bool) -> WebhookAttempt:
    from webhooks.tasks import deliver_webhook  # the task module imports this one

    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        number = (delivery.attempts.aggregate(n=Max("number"))["n"] or 0) + 1
        attempt = WebhookAttempt.objects.create(
            delivery=delivery, number=number, manual=manual, started_at=started_at,
            duration_ms=outcome.duration_ms, status_code=outcome.status_code, response_body=outcome.body,
            error=outcome.error, succeeded=outcome.succeeded,
        )
        delivery.attempt_count += 1
        delivery.last_attempt_at = started_at
        if outcome.succeeded:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.next_attempt_at = None
        elif retry and delivery.attempt_count < int(settings.WEBHOOKS_MAX_ATTEMPTS):
            wait = backoff_seconds(delivery.attempt_count)
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=wait)
            transaction.on_commit(lambda: deliver_webhook.apply_async(args=[delivery_id], countdown=wait))
        else:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        delivery.save(update_fields=["attempt_count", "last_attempt_at", "status", "next_attempt_at"])
    return attempt
