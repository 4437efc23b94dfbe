"""Sending one attempt of a delivery, outside any transaction or lock (docs/RULES-webhooks.md "Delivery"):

1. read the delivery and its endpoint (no lock); nothing to do when it is no longer pending, or when the task
   belongs to an older chain of attempts (a resend started a new one: `generation`);
2. take the endpoint's lease (one attempt at a time per endpoint, an UPDATE, no lock held during the request);
   when another attempt holds it, the task is told to come back after WEBHOOKS_BUSY_RETRY_SECONDS;
3. check the URL again (webhooks/validation.py), resolve the host name and refuse it when any of its addresses
   is not public (webhooks/addresses.py), then POST to the address that was checked (pinned), the host name
   kept for TLS (SNI, certificate) and the Host header. Every read, write and connect is clamped to one
   overall deadline (WEBHOOKS_DEADLINE_SECONDS); at most WEBHOOKS_RESPONSE_READ_BYTES of the reply are read;
4. record the attempt in a short transaction: its error is a class ("timed out", "HTTP 500", ...), never the
   text of an exception. 2xx = succeeded; else the next attempt after backoff (WEBHOOKS_RETRY_BASE_SECONDS *
   4^(n-1), at most 6 h) while fewer than WEBHOOKS_MAX_ATTEMPTS of this round were made, else failed. After
   WEBHOOKS_DISABLE_AFTER_FAILURES failed attempts in a row the endpoint is disabled and its owners mailed.

This module never queues a task: `attempt_delivery` returns a `Step` and the task (webhooks/tasks.py) acts on it.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpcore
from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.exceptions import ApplicationError
from notifications.mail import owner_emails, send_email
from webhooks.addresses import IPAddress, ResolutionError, address_allowed, resolve
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.signing import signed_headers
from webhooks.validation import validate_endpoint_url

MAX_BACKOFF_SECONDS = 6 * 3600
LEASE_MARGIN_SECONDS = 30

# The classes of error an attempt records (translated when shown). Never the text of an exception: the log
# must not tell what answers inside a network.
ERROR_PRIVATE_ADDRESS = gettext_noop("refused: private address")
ERROR_URL_REFUSED = gettext_noop("refused: URL not accepted")
ERROR_CONNECTION = gettext_noop("connection failed")
ERROR_TIMEOUT = gettext_noop("timed out")
ERROR_TLS = gettext_noop("TLS error")
ERROR_DISABLED = gettext_noop("endpoint disabled")


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    body: str
    error: str
    duration_ms: int
    requested: bool = True  # False: nothing was tried (the endpoint is disabled)

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class Step:
    """What the task does next: nothing (countdown None) or queue the delivery again after `countdown` s."""

    countdown: int | None = None
    generation: int = 0
    manual: bool = False
    attempt: WebhookAttempt | None = None


def backoff_seconds(attempt_number: int) -> int:
    """Seconds to wait after the n-th failed attempt of a round (n >= 1)."""
    base = int(settings.WEBHOOKS_RETRY_BASE_SECONDS)
    return min(base * 4 ** max(attempt_number - 1, 0), MAX_BACKOFF_SECONDS)


# ---------------------------------------------------------------------------------------------------------------
# the request: pinned address, one deadline, a capped read


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.started = time.monotonic()
        self.at = self.started + seconds

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def clamp(self, timeout: float | None, error: type[Exception]) -> float:
        left = self.remaining()
        if left <= 0:
            raise error("deadline")
        return left if timeout is None else min(timeout, left)

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write waits at most until the attempt's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname,
                                      self._deadline.clamp(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects to the address that was checked, whatever host the URL names (the URL's host name still
    serves for SNI, the certificate check and the Host header)."""

    def __init__(self, address: IPAddress, deadline: _Deadline) -> None:
        self._inner = httpcore.SyncBackend()
        self._address = address
        self._deadline = deadline

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(str(self._address), port,
                                         self._deadline.clamp(timeout, httpcore.ConnectTimeout),
                                         local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("no unix sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def _error_class(error: Exception) -> str:
    if isinstance(error, httpcore.TimeoutException):
        return ERROR_TIMEOUT
    cause = error.__cause__ or error.__context__
    if isinstance(error, ssl.SSLError) or isinstance(cause, ssl.SSLError):
        return ERROR_TLS
    return ERROR_CONNECTION


def _clean_body(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    return text[: int(settings.WEBHOOKS_RESPONSE_BODY_CHARS)]


def _post_pinned(url: str, address: IPAddress, headers: dict[str, str], body: str, deadline: _Deadline) -> Outcome:
    cap = int(settings.WEBHOOKS_RESPONSE_READ_BYTES)
    per_step = float(settings.WEBHOOKS_TIMEOUT_SECONDS)
    timeouts = {"connect": per_step, "read": per_step, "write": per_step, "pool": per_step}
    try:
        with httpcore.ConnectionPool(network_backend=_PinnedBackend(address, deadline), retries=0,
                                     max_connections=1) as pool, \
                pool.stream("POST", url, headers=list(headers.items()), content=body.encode("utf-8"),
                            extensions={"timeout": timeouts}) as response:
            received = bytearray()
            for chunk in response.iter_stream():
                received.extend(chunk[: cap - len(received)])
                if len(received) >= cap:
                    break  # the rest is never read: closing drops the connection
            status = response.status
    except (httpcore.ConnectError, httpcore.ReadError, httpcore.WriteError, httpcore.TimeoutException,
            httpcore.ProtocolError, httpcore.UnsupportedProtocol, httpcore.NetworkError, OSError) as error:
        return Outcome(None, "", _error_class(error), deadline.elapsed_ms())
    error_text = "" if 200 <= status < 300 else f"HTTP {status}"
    return Outcome(status, _clean_body(bytes(received)), error_text, deadline.elapsed_ms())


def _send(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> Outcome:
    deadline = _Deadline(float(settings.WEBHOOKS_DEADLINE_SECONDS))
    try:
        url = validate_endpoint_url(endpoint.url)
    except ApplicationError as error:
        code = str(getattr(error, "code", ""))
        reason = ERROR_PRIVATE_ADDRESS if code == "webhook_private_address" else ERROR_URL_REFUSED
        return Outcome(None, "", reason, 0)
    host = (urlsplit(url).hostname or "").rstrip(".")
    try:
        addresses = resolve(host, timeout=max(deadline.remaining(), 0.0))
    except ResolutionError as error:
        reason = ERROR_TIMEOUT if str(error) == "timed out" else ERROR_CONNECTION
        return Outcome(None, "", reason, deadline.elapsed_ms())
    if not all(address_allowed(address) for address in addresses):
        return Outcome(None, "", ERROR_PRIVATE_ADDRESS, deadline.elapsed_ms())
    headers = signed_headers(endpoint=endpoint, message_id=delivery.message_id, body=delivery.body)
    return _post_pinned(url, addresses[0], headers, delivery.body, deadline)


# ---------------------------------------------------------------------------------------------------------------
# the endpoint's lease (one attempt at a time)


def _take_lease(endpoint_id: int) -> datetime | None:
    """The lease's end when taken, None when another attempt holds it."""
    now = timezone.now()
    until = now + timedelta(seconds=float(settings.WEBHOOKS_DEADLINE_SECONDS) + LEASE_MARGIN_SECONDS)
    taken = WebhookEndpoint.objects.filter(pk=endpoint_id).filter(
        Q(busy_until__isnull=True) | Q(busy_until__lte=now)
    ).update(busy_until=until)
    return until if taken else None


def _give_back_lease(endpoint_id: int, until: datetime) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint_id, busy_until=until).update(busy_until=None)


# ---------------------------------------------------------------------------------------------------------------
# one attempt


def attempt_delivery(*, delivery_id: int, manual: bool = False, generation: int | None = None) -> Step:
    """One attempt (see the module docstring). `generation` None (a task queued before chains were numbered)
    counts as the current chain."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return Step()
    if generation is not None and generation != delivery.generation:
        return Step()  # a resend replaced this chain
    generation = delivery.generation
    endpoint = delivery.endpoint
    started_at = timezone.now()
    if not endpoint.is_active:
        outcome = Outcome(None, "", ERROR_DISABLED, 0, requested=False)
    else:
        lease = _take_lease(endpoint.pk)
        if lease is None:
            return Step(countdown=int(settings.WEBHOOKS_BUSY_RETRY_SECONDS), generation=generation, manual=manual)
        try:
            outcome = _send(endpoint, delivery)
        finally:
            _give_back_lease(endpoint.pk, lease)
    return _record(delivery_id, outcome, started_at=started_at, manual=manual, generation=generation)


def _disable(endpoint: WebhookEndpoint, *, now: datetime) -> None:
    endpoint.is_active = False
    endpoint.auto_disabled_at = now
    account = endpoint.account
    base = settings.FEE_CENTER["PUBLIC_BASE_URL"].rstrip("/")
    send_email(
        to=owner_emails(account),
        subject_template="email/webhook_endpoint_disabled_subject.txt",
        body_template="email/webhook_endpoint_disabled_body.txt",
        context={
            "account": account, "endpoint": endpoint, "failures": endpoint.consecutive_failures,
            "endpoint_url": base + reverse("webhook-endpoint", kwargs={"account_id": account.pk,
                                                                        "endpoint_id": endpoint.pk}),
        },
    )


def _record(delivery_id: int, outcome: Outcome, *, started_at: datetime, manual: bool, generation: int) -> Step:
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        number = (delivery.attempts.aggregate(n=Max("number"))["n"] or 0) + 1
        attempt = WebhookAttempt.objects.create(
            delivery=delivery, number=number, manual=manual, started_at=started_at,
            duration_ms=outcome.duration_ms, status_code=outcome.status_code, response_body=outcome.body,
            error=outcome.error[:500], succeeded=outcome.succeeded,
        )
        if delivery.generation != generation or delivery.status != DeliveryStatus.PENDING:
            return Step(attempt=attempt)  # a resend started a new chain meanwhile: this one only leaves its log
        endpoint = WebhookEndpoint.objects.select_for_update().select_related("account").get(pk=delivery.endpoint_id)
        if outcome.requested:
            if outcome.succeeded:
                endpoint.consecutive_failures = 0
            else:
                endpoint.consecutive_failures = F("consecutive_failures") + 1
            endpoint.save(update_fields=["consecutive_failures"])
            endpoint.refresh_from_db(fields=["consecutive_failures"])
            limit = int(settings.WEBHOOKS_DISABLE_AFTER_FAILURES)
            if not outcome.succeeded and endpoint.is_active and limit and endpoint.consecutive_failures >= limit:
                _disable(endpoint, now=timezone.now())
                endpoint.save(update_fields=["is_active", "auto_disabled_at", "updated_at"])
        delivery.attempt_count += 1
        delivery.last_attempt_at = started_at
        step = Step(attempt=attempt)
        if outcome.succeeded:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.next_attempt_at = None
        elif endpoint.is_active and delivery.attempt_count < int(settings.WEBHOOKS_MAX_ATTEMPTS):
            wait = backoff_seconds(delivery.attempt_count)
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=wait)
            step = Step(countdown=wait, generation=generation, attempt=attempt)
        else:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        delivery.save(update_fields=["attempt_count", "last_attempt_at", "status", "next_attempt_at"])
    return step
