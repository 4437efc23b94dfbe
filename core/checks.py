"""Deployment checks of the project's own settings (`manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

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
