"""Refuse NUL characters in query strings and form posts at the door (PostgreSQL cannot store them, so they
would otherwise reach the database as a 500). Forms and DRF fields refuse them already; this covers every
view that reads request.GET / request.POST directly. JSON bodies are checked by DRF's fields."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from core.api import json_error_response


class RejectNulMiddleware:
    def __init__(self, get_response):
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
