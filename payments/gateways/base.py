"""The pluggable payment-gateway interface and its registry.

A gateway turns a pending online Recharge into a URL where the payer pays (`create_payment`), and checks the
gateway's callback (`verify_callback`), answering a CallbackResult or raising CallbackRejected. Gateways never
touch the database: payments.services does, under its locks. A real gateway's outside call belongs outside any
lock (the recharge service holds none while calling `create_payment`).

Registry: settings.FEE_CENTER["PAYMENT_GATEWAYS"] maps a provider name to a dotted class path (default: only
"sandbox"); settings.FEE_CENTER["DEFAULT_PAYMENT_GATEWAY"] names the default (default "sandbox")."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from payments.models import Recharge

DEFAULT_GATEWAYS = {"sandbox": "payments.gateways.sandbox.SandboxGateway"}


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


def _registry() -> dict[str, str]:
    config = getattr(settings, "FEE_CENTER", {}) or {}
    return dict(config.get("PAYMENT_GATEWAYS") or DEFAULT_GATEWAYS)


def providers() -> list[str]:
    return sorted(_registry())


def default_provider() -> str:
    config = getattr(settings, "FEE_CENTER", {}) or {}
    return config.get("DEFAULT_PAYMENT_GATEWAY") or "sandbox"


@cache
def _load(path: str) -> type[PaymentGateway]:
    return import_string(path)


def get_gateway(provider: str) -> PaymentGateway | None:
    """The gateway registered under `provider`, or None."""
    path = _registry().get(provider)
    if path is None:
        return None
    gateway = _load(path)()
    gateway.name = provider
    return gateway
