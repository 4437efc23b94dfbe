"""Refuse NUL characters in query strings and form posts at the door (PostgreSQL cannot store them, so they
would otherwise reach the database as a 500). Forms and DRF fields refuse them already; this covers every
view that reads request.GET / request.POST directly. JSON bodies are checked by DRF's fields."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.cache import add_never_cache_headers

from core.api import json_error_response


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            message = "Input may not contain NUL characters."
            if request.path.startswith("/api/"):
                return json_error_response(request, "invalid_characters", message, 400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        sources = [request.GET]
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded", "multipart/form-data"
        ):
            sources.append(request.POST)
        return any("\x00" in key or any("\x00" in v for v in values)
                   for source in sources for key, values in source.lists())


class NoStoreMiddleware:
    """`Cache-Control: no-store` (via Django's add_never_cache_headers) on every answer that may hold one
    tenant's data or a credential: any response to a signed-in user, every /api/ response, and the login pages.
    Static files (served by WhiteNoise before this runs) and anonymous public pages such as the catalogue keep
    their own caching."""

    LOGIN_PATHS = ("/login/", "/admin/login/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self._private(request):
            add_never_cache_headers(response)
        return response

    def _private(self, request: HttpRequest) -> bool:
        path = request.path_info
        if path.startswith("/api/") or path in self.LOGIN_PATHS:
            return True
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)
