"""The pluggable payment-gateway interface and its registry.

A gateway turns a pending online Recharge into a URL where the payer pays (`create_payment`), and checks the
gateway's callback (`verify_callback`), answering a CallbackResult or raising CallbackRejected. Gateways never
touch the database: payments.recharges does, under its locks. A real gateway's outside call belongs outside any
lock (the recharge service holds none while calling `create_payment`).

Registry (read at every call, so a test's `settings` override takes effect at once):
- settings.FEE_CENTER["PAYMENT_GATEWAYS"] maps a provider name to a dotted class path: the real gateways
  (environment PAYMENT_GATEWAYS, default none).
- The sandbox gateway ("sandbox") is registered only when settings.FEE_CENTER["PAYMENT_SANDBOX_ENABLED"] is true
  (environment PAYMENT_SANDBOX_ENABLED, default false). It stands in for the bank and lets anyone who can open
  its page "pay", so it is for the demo and the tests only; `check --deploy` refuses it (payments/checks.py).
  Whatever PAYMENT_GATEWAYS says, the sandbox's name or class is dropped while it is off.
- settings.FEE_CENTER["DEFAULT_PAYMENT_GATEWAY"] names the default; else the only (or first, by name) provider.
With no provider at all, online payment is unavailable (`online_payment_available()` is false)."""

from __future__ import annotations

import abc
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from payments.models import Recharge

SANDBOX_PROVIDER = "sandbox"
SANDBOX_GATEWAY = "payments.gateways.sandbox.SandboxGateway"


@dataclass(frozen=True)
class CallbackResult:
    reference: str  # our Recharge.gateway_reference
    succeeded: bool  # the bank says paid (True) or failed (False)
    amount: Decimal  # what the bank says was paid
    nonce: str  # unique per callback the gateway sends


class CallbackRejected(Exception):
    """The callback is not acceptable; `outcome` is logged in GatewayCallback."""

    def __init__(self, outcome: str, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message


class PaymentGateway(abc.ABC):
    name: str = ""

    @abc.abstractmethod
    def create_payment(self, recharge: Recharge) -> str:
        """The URL to send the payer to for this (pending, online) recharge."""

    @abc.abstractmethod
    def verify_callback(self, data: Mapping[str, Any]) -> CallbackResult:
        """Check the callback's signature and freshness; CallbackRejected if anything is wrong."""


def _config() -> Mapping[str, Any]:
    return getattr(settings, "FEE_CENTER", {}) or {}


def sandbox_enabled() -> bool:
    """Whether the sandbox gateway (and its payment page) is switched on. Off unless explicitly enabled."""
    return _config().get("PAYMENT_SANDBOX_ENABLED") is True


def _registry() -> dict[str, str]:
    configured = {str(name): str(path) for name, path in dict(_config().get("PAYMENT_GATEWAYS") or {}).items()}
    registry = {name: path for name, path in configured.items()
                if name != SANDBOX_PROVIDER and path != SANDBOX_GATEWAY}
    if sandbox_enabled():
        registry[SANDBOX_PROVIDER] = SANDBOX_GATEWAY
    return registry


def online_payment_available() -> bool:
    return bool(_registry())


def default_provider() -> str | None:
    """The provider an online recharge uses when none is named; None when online payment is unavailable."""
    registry = _registry()
    configured = _config().get("DEFAULT_PAYMENT_GATEWAY")
    if configured and configured in registry:
        return configured
    return sorted(registry)[0] if registry else None


@cache
def _load(path: str) -> type[PaymentGateway]:
    return import_string(path)


def get_gateway(provider: str | None) -> PaymentGateway | None:
    """The gateway registered under `provider` (and enabled), or None."""
    path = _registry().get(provider or "")
    if path is None:
        return None
    gateway = _load(path)()
    gateway.name = cast(str, provider)  # registered: a name
    return gateway


# What the GatewayCallback audit log keeps of one callback: a payload whose JSON is at most this many bytes is
# kept whole (a real callback is ~250 bytes); a larger one only as its first bytes, its size and its SHA-256.
STORED_PAYLOAD_BYTES = 512


def stored_callback_payload(data: Mapping[str, Any]) -> dict[str, Any]:
    """The bounded, PostgreSQL-safe form of a callback payload for the audit log."""

    def clean(value: Any) -> str:  # PostgreSQL jsonb refuses NUL and lone surrogates
        text = str(value).replace("\x00", "")
        return text.encode("utf-8", "replace").decode("utf-8")

    items = list(data.items())
    payload = {clean(k)[:64]: clean(v)[:STORED_PAYLOAD_BYTES] for k, v in items[:32]}
    full = json.dumps({clean(k): clean(v) for k, v in items}, sort_keys=True, ensure_ascii=False).encode()
    if len(full) <= STORED_PAYLOAD_BYTES and len(items) <= 32:
        return payload
    return {
        "_truncated": full[:STORED_PAYLOAD_BYTES].decode("utf-8", "ignore"),
        "_bytes": len(full),
        "_sha256": hashlib.sha256(full).hexdigest(),
    }
