"""Standard Webhooks signing (the `standardwebhooks` library): secrets and the three headers.

Secrets are `whsec_` + base64 of 32 random bytes. After a rotation, for settings.WEBHOOKS_SECRET_GRACE_HOURS the
signature header carries two signatures (new secret first, then the old), space-separated as the
specification allows, so a receiver that still has the old secret keeps verifying until it switches."""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import datetime

from django.utils import timezone
from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def signing_secrets(endpoint, *, now: datetime | None = None) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous one during its grace."""
    now = now or timezone.now()
    found = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        found.append(endpoint.previous_secret)
    return found


def signed_headers(*, endpoint, message_id: str, body: str, now: datetime | None = None) -> dict[str, str]:
    now = now or timezone.now()
    signature = " ".join(
        Webhook(secret).sign(msg_id=message_id, timestamp=now, data=body)
        for secret in signing_secrets(endpoint, now=now)
    )
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": "FeeCenter-Webhooks/1.0",
    }
