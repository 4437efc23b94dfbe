"""The sandbox gateway: a payment page in this project stands in for the bank (payments/views.py,
/sandbox-gateway/pay/<reference>/) and calls back with an HMAC-SHA256-signed payload, in-process.

Signed message: "<reference>|<status>|<amount>|<timestamp>|<nonce>" with
settings.FEE_CENTER["PAYMENT_GATEWAY_SECRET"]. A callback older (or newer) than MAX_AGE seconds is stale."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.urls import reverse

from payments.gateways.base import CallbackRejected, CallbackResult, PaymentGateway

MAX_AGE = 300
FIELDS = ("reference", "status", "amount", "timestamp", "nonce", "signature")


def _secret() -> bytes:
    return str(settings.FEE_CENTER["PAYMENT_GATEWAY_SECRET"]).encode()


def sign(*, reference: str, status: str, amount: str, timestamp: str, nonce: str) -> str:
    message = f"{reference}|{status}|{amount}|{timestamp}|{nonce}".encode()
    return hmac.new(_secret(), message, hashlib.sha256).hexdigest()


def signed_payload(*, reference: str, status: str, amount: Decimal | str, timestamp: int | None = None,
                   nonce: str | None = None) -> dict[str, str]:
    """What the simulated bank posts back."""
    payload = {
        "reference": reference,
        "status": status,
        "amount": f"{Decimal(amount):.2f}",
        "timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "nonce": nonce or secrets.token_hex(16),
    }
    payload["signature"] = sign(**payload)
    return payload


class SandboxGateway(PaymentGateway):
    name = "sandbox"

    def create_payment(self, recharge) -> str:
        return reverse("sandbox-gateway-pay", kwargs={"reference": recharge.gateway_reference})

    def verify_callback(self, data: Mapping[str, Any]) -> CallbackResult:
        values = {}
        for field in FIELDS:
            value = data.get(field)
            if not isinstance(value, str) or not value or len(value) > 200:
                raise CallbackRejected("malformed", f"The callback field {field!r} is missing or invalid.")
            values[field] = value
        expected = sign(**{k: v for k, v in values.items() if k != "signature"})
        if not hmac.compare_digest(expected, values["signature"]):
            raise CallbackRejected("bad_signature", "The callback signature does not match.")
        try:
            timestamp = int(values["timestamp"])
        except ValueError:
            raise CallbackRejected("malformed", "The callback timestamp is not a number.") from None
        if abs(time.time() - timestamp) > MAX_AGE:
            raise CallbackRejected("stale_timestamp", "The callback is too old (or from the future).")
        if values["status"] not in ("succeeded", "failed"):
            raise CallbackRejected("malformed", "Unknown callback status.")
        try:
            amount = Decimal(values["amount"])
        except InvalidOperation:
            raise CallbackRejected("malformed", "The callback amount is not a number.") from None
        return CallbackResult(reference=values["reference"], succeeded=values["status"] == "succeeded",
                              amount=amount, nonce=values["nonce"])
