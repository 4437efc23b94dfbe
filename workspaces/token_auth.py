"""The API's token authentication: `Authorization: Token <key>`, a person's named `ApiToken` (only its hash
stored; workspaces/credentials.py). Replaces DRF's authtoken (one unrevocable key per user). The metering
pipeline keeps its own `Authorization: Service <key>` (quota/authentication.py)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from workspaces.credentials import api_token_authenticate

KEYWORD = b"token"
REALM = 'Token realm="api"'


class TokenRejected(exceptions.APIException):
    """A token was presented and does not work (unknown, revoked, malformed): 401 with WWW-Authenticate.
    (DRF turns AuthenticationFailed into 403 when the first authentication class, the session's, names no
    scheme; a rejected credential is a 401.)"""

    status_code = 401
    default_code = "authentication_failed"
    default_detail = "Invalid or revoked token."
    auth_header = REALM


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if len(parts) != 2:
            raise TokenRejected("Use the header 'Authorization: Token <key>'.")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise TokenRejected() from None
        token = api_token_authenticate(key)
        if token is None or not token.user.is_active:
            raise TokenRejected()
        return token.user, token

    def authenticate_header(self, request) -> str:
        return REALM


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "workspaces.token_auth.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "`Token <key>`: a personal API token (POST /api/v1/auth/token/, or the security page).",
        }
