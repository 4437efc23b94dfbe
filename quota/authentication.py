"""The metering pipeline's authentication: `Authorization: Service <key>` (a ServiceToken, only its hash stored)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission

from quota.ingest import hash_key
from quota.models import ServiceToken

KEYWORD = b"service"


class ServicePrincipal:
    """request.user for a service token: authenticated, no account membership, no staff rights."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    def __init__(self, token: ServiceToken) -> None:
        self.token = token
        self.pk = f"service-{token.pk}"  # throttling identity
        self.username = f"service:{token.name}"

    def __str__(self) -> str:
        return self.username


class ServiceTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Use the header 'Authorization: Service <key>'.")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid service token.") from None
        token = ServiceToken.objects.filter(key_hash=hash_key(key), is_active=True).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or inactive service token.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            ServiceToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return ServicePrincipal(token), token

    def authenticate_header(self, request) -> str:
        return 'Service realm="usage"'


class IsServiceToken(BasePermission):
    message = "A service token is required."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ServiceToken)


class ServiceTokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI description of the service token."""

    target_class = "quota.authentication.ServiceTokenAuthentication"
    name = "serviceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "`Service <key>`: a service token (manage.py create_service_token NAME).",
        }
