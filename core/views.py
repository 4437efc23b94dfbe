from collections.abc import Sequence
from typing import cast

from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import BaseParser
from rest_framework.settings import api_settings

from core.throttling import AnonThrottle


class ObtainTokenApi(ObtainAuthToken):
    """POST username and password, get the caller's API token (`Authorization: Token <key>`)."""

    throttle_classes = [AnonThrottle]
    # ObtainAuthToken lists DRF's JSON parser: use ours (api_settings imports the dotted paths as classes)
    parser_classes = cast("Sequence[type[BaseParser]]", api_settings.DEFAULT_PARSER_CLASSES)


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """The trivial endpoint load tests compare against (one cheap query)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
