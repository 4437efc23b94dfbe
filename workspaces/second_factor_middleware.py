"""Signed in but not past the second factor: only the verify page (or, for finance staff without an
authenticator, the enrol page), logging out, the language switch and static files are reachable. Pages
redirect there; the API answers 403 with the error envelope. Runs after django_otp's OTPMiddleware."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from workspaces.two_factor import SESSION_KEY, remember_need

ALWAYS_OPEN = ("/static/", "/i18n/", "/logout/", "/admin/logout/", "/health/")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return self.get_response(request)
        path = request.path
        if path.startswith(ALWAYS_OPEN):
            return self.get_response(request)
        need = request.session.get(SESSION_KEY)
        if need is None:
            need = remember_need(request, user)
        if need == "verify":
            target = reverse("two-factor-verify")
        elif need == "enrol":
            target = reverse("security")
        else:
            return self.get_response(request)
        if path == target or path.startswith(target):
            return self.get_response(request)
        if path.startswith("/api/"):
            return JsonResponse(
                {"error": {"code": "second_factor_required",
                           "message": "Sign in with your second factor first.", "fields": {}}},
                status=403,
            )
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
