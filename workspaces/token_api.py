"""A person's API tokens (workspaces/credentials.py):

- POST /api/v1/auth/token/: username, password, a `name` (optional) and, once two-factor authentication is on
  (and for all finance staff, who must have it), `otp_token` (a current TOTP code or an unused recovery code).
  Each call makes a NEW named token and answers its key once (201).
- GET /api/v1/auth/tokens/: the caller's working tokens (name, prefix, created, last used; never the key).
- POST /api/v1/auth/tokens/ {"name"}: a new token, for a signed-in session only (a token cannot mint tokens,
  so a stolen one cannot outlive its own revocation).
- DELETE /api/v1/auth/tokens/{id}/: revoke one of the caller's tokens (another person's: 404).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from core.exceptions import ApplicationError
from core.throttling import AnonThrottle
from workspaces import credentials, two_factor
from workspaces.credential_models import ApiToken


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at"]
        read_only_fields = fields


class NewApiTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The key, shown only in this answer.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class TokenRequestSerializer(AuthTokenSerializer):
    name = serializers.CharField(required=False, max_length=100, default="API",
                                 help_text="What the token is for (shown on the security page).")
    otp_token = serializers.CharField(required=False, max_length=64, help_text="Required once two-factor is on.")


class TokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


def _new_token_body(new: credentials.NewToken) -> dict:
    return {**ApiTokenSerializer(new.token).data, "token": new.key}


class ObtainTokenApi(APIView):
    """POST username, password, a name and, once two-factor authentication is on, `otp_token`: a new token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle]
    parser_classes = cast("Sequence[type[BaseParser]]", api_settings.DEFAULT_PARSER_CLASSES)

    @extend_schema(request=TokenRequestSerializer, responses={201: NewApiTokenSerializer})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if two_factor.has_second_factor(user):
            code = serializer.validated_data.get("otp_token") or ""
            if not code:
                raise ApplicationError("Two-factor authentication is on: send a current code as otp_token.",
                                       code="second_factor_required", fields={"otp_token": ["A valid code."]})
            result = two_factor.second_factor_verify(user=user, token=code)
            if not result.ok:
                raise ApplicationError(result.message(), code=f"second_factor_{result.outcome}",
                                       fields={"otp_token": [result.message()]},
                                       status=429 if result.outcome == two_factor.Outcome.THROTTLED else 400)
        elif two_factor.requires_second_factor(user):
            raise ApplicationError("Finance staff must turn on two-factor authentication first.",
                                   code="second_factor_required")
        new = credentials.api_token_create(user=user, name=serializer.validated_data["name"])
        return Response(_new_token_body(new), status=status.HTTP_201_CREATED)


class ApiTokenListApi(APIView):
    """GET the caller's working tokens; POST {"name"} makes one (signed-in session only), key shown once."""

    @extend_schema(responses=ApiTokenSerializer(many=True))
    def get(self, request):
        return Response(ApiTokenSerializer(credentials.api_tokens_of(request.user), many=True).data)

    @extend_schema(request=TokenCreateSerializer, responses={201: NewApiTokenSerializer})
    def post(self, request):
        if not isinstance(request.successful_authenticator, SessionAuthentication):
            raise ApplicationError("Tokens are made from a signed-in session or with the password "
                                   "(POST /api/v1/auth/token/), not with another token.",
                                   code="session_required", status=403)
        serializer = TokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new = credentials.api_token_create(user=request.user, name=serializer.validated_data["name"])
        return Response(_new_token_body(new), status=status.HTTP_201_CREATED)


class ApiTokenDetailApi(APIView):
    """DELETE revokes one of the caller's tokens (it answers 401 from then on)."""

    @extend_schema(responses={204: None})
    def delete(self, request, token_id: int):
        credentials.api_token_revoke(user=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
