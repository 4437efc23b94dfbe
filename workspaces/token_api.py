"""POST /api/v1/auth/token/ with the second factor: a person who turned it on (and all finance staff who have
one) sends `otp_token` (a current TOTP code or an unused recovery code) with the username and password."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.response import Response

from core.exceptions import ApplicationError
from core.views import ObtainTokenApi
from workspaces import two_factor


class SecondFactorTokenApi(ObtainTokenApi):
    """POST username, password and, once two-factor authentication is on, `otp_token`; get the API token."""

    @extend_schema(
        request=inline_serializer("TokenRequest", {
            "username": serializers.CharField(), "password": serializers.CharField(),
            "otp_token": serializers.CharField(required=False, help_text="Required once two-factor is on."),
        }),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if two_factor.has_second_factor(user):
            token = request.data.get("otp_token") if hasattr(request.data, "get") else None
            if not isinstance(token, str) or two_factor.second_factor_verify(user=user, token=token) is None:
                raise ApplicationError("Two-factor authentication is on: send a current code as otp_token.",
                                       code="second_factor_required", fields={"otp_token": ["A valid code."]})
        elif two_factor.requires_second_factor(user):
            raise ApplicationError("Finance staff must turn on two-factor authentication first.",
                                   code="second_factor_required")
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
