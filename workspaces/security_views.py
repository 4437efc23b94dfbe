"""The signed-in person's security page (/account/security/: second factor on/off, recovery codes, password
change link) and the sign-in step that asks for the code (/login/verify/). Not tenant pages: they belong to
the person, whatever their accounts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.exceptions import ApplicationError
from workspaces import two_factor


def _safe_next(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


class SecurityView(LoginRequiredMixin, View):
    template_name = "workspaces/people/security.html"

    def get(self, request):
        return self._page(request)

    def post(self, request):
        action = request.POST.get("action", "")
        try:
            if action == "start":
                two_factor.totp_enrol_start(user=request.user)
            elif action == "confirm":
                device, codes = two_factor.totp_enrol_confirm(user=request.user, token=request.POST.get("token", ""))
                otp_login(request, device)
                request.session[two_factor.SESSION_KEY] = "verify"
                messages.success(request, _("Two-factor authentication is on."))
                return self._page(request, recovery_codes=codes)
            elif action == "regenerate":
                _require_verified(request)
                codes = two_factor.recovery_codes_regenerate(user=request.user)
                return self._page(request, recovery_codes=codes)
            elif action == "disable":
                _require_verified(request)
                two_factor.second_factor_disable(user=request.user)
                request.session[two_factor.SESSION_KEY] = ""
                messages.success(request, _("Two-factor authentication is off."))
            else:
                return self._page(request, status=400)
        except ApplicationError as error:
            return self._page(request, error=error, status=400)
        return redirect("security")

    def _page(self, request, *, recovery_codes=None, error=None, status=200):
        user = request.user
        enabled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        pending = None if enabled else two_factor.pending_totp_device(user)
        context = {
            "enabled": enabled,
            "pending": pending,
            "required": two_factor.requires_second_factor(user),
            "recovery_codes": recovery_codes,
            "error": error,
            "next": _safe_next(request, ""),
        }
        if pending is not None:
            context["otpauth_uri"] = pending.config_url
            context["secret"] = two_factor.totp_secret_base32(pending)
            context["qr_code"] = two_factor.qr_code_data_uri(pending.config_url)
        return render(request, self.template_name, context, status=status)


def _require_verified(request) -> None:
    if not request.user.is_verified():
        raise ApplicationError(_("Sign in with your second factor first."), code="second_factor_required")


class VerifyView(LoginRequiredMixin, View):
    """After the password: a code from the authenticator app or one recovery code."""

    template_name = "workspaces/people/verify.html"

    def get(self, request):
        if request.user.is_verified():
            return redirect(_safe_next(request))
        return render(request, self.template_name, {"next": _safe_next(request, "")})

    def post(self, request):
        device = two_factor.second_factor_verify(user=request.user, token=request.POST.get("token", ""))
        if device is None:
            context = {"next": _safe_next(request, ""), "failed": True,
                       "throttled": two_factor.second_factor_throttled(request.user)}
            return render(request, self.template_name, context, status=400)
        otp_login(request, device)
        return redirect(_safe_next(request))
