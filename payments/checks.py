"""Deployment checks of the payment gateways' settings (`manage.py check --deploy`), registered by
PaymentsConfig.ready()."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from payments.gateways import sandbox_enabled

DEFAULT_GATEWAY_SECRET = "sandbox-secret-change-me"


@register(Tags.security, deploy=True)
def check_gateway_secret(app_configs, **kwargs):
    secret = settings.FEE_CENTER.get("PAYMENT_GATEWAY_SECRET", "")
    if secret == DEFAULT_GATEWAY_SECRET or len(secret) < 32:
        return [
            Warning(
                "PAYMENT_GATEWAY_SECRET is the development default or shorter than 32 characters: anyone who "
                "knows it can forge a recharge callback.",
                hint="Set PAYMENT_GATEWAY_SECRET to a long random value shared only with the payment gateway.",
                id="fee_center.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_sandbox_gateway_disabled(app_configs, **kwargs):
    """The sandbox gateway's page lets anyone "pay" without money: in production it would mint cash."""
    if sandbox_enabled():
        return [
            Error(
                "PAYMENT_SANDBOX_ENABLED is on: the sandbox payment gateway credits cash that was never paid.",
                hint="Unset PAYMENT_SANDBOX_ENABLED in production (it is for the demo and the tests) and configure "
                     "a real gateway in PAYMENT_GATEWAYS, or leave online payment off.",
                id="fee_center.E001",
            )
        ]
    return []
