"""The signed-in person's security page (/account/security/: second factor on/off, recovery codes, API tokens,
password change link) and the sign-in step that asks for the code (/login/verify/). Not tenant pages: they
belong to the person, whatever their accounts; when the link names one of the person's accounts
(`?account=<id>`) the page keeps that account's shell.

Also the password change and reset-confirm views: both end the person's API tokens and other sessions (change
keeps the current session, reset ends all) through `workspaces.credentials.credentials_revoke`."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.exceptions import ApplicationError
from core.pages import ApplicationErrorPageMixin
from core.parsing import parse_id
from workspaces import credentials, two_factor
from workspaces.context_processors import _memberships
from workspaces.models import Capability
from workspaces.navigation import navigation


def _safe_next(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _account_shell(request) -> dict:
    """The layout of one of the person's accounts when the link names it (the memberships the switcher reads
    anyway: no extra query): its sidebar, with this page's place in it, and the switcher's label; otherwise
    nothing, and the page shows the plain shell."""
    account_id = parse_id(request.POST.get("account") or request.GET.get("account"))
    membership = next((m for m in _memberships(request) if m.account_id == account_id), None)
    if membership is None:
        return {}
    match = getattr(request, "resolver_match", None)
    return {
        **navigation(membership, match.url_name if match else "security"),
        "current_membership": membership,
        "current_account": membership.account,
        "nav_can_view_billing": membership.can(Capability.VIEW_BILLING),
        "nav_can_spend": membership.can(Capability.SPEND),
        "shell_account_id": membership.account_id,
    }


class SecurityView(LoginRequiredMixin, ApplicationErrorPageMixin, View):
    template_name = "workspaces/people/security.html"

    def application_error(self, request, error: ApplicationError):
        return self._page(request, error=error, status=400)

    def get(self, request):
        return self._page(request)

    def post(self, request):
        action = request.POST.get("action", "")
        if action == "start":
            two_factor.totp_enrol_start(user=request.user)
        elif action == "confirm":
            device, codes = two_factor.totp_enrol_confirm(user=request.user, token=request.POST.get("token", ""),
                                                          keep_session_key=request.session.session_key)
            otp_login(request, device)
            request.session[two_factor.SESSION_KEY] = "verify"
            messages.success(request, _("Two-factor authentication is on. Your API tokens were revoked and "
                                        "your other sessions ended."))
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
        elif action == "token_create":
            new = credentials.api_token_create(user=request.user, name=request.POST.get("name", ""))
            return self._page(request, new_token=new)
        elif action == "token_revoke":
            token_id = parse_id(request.POST.get("token_id"))
            if token_id is None:
                raise ApplicationError(_("No such token: it may already be revoked."), code="not_found")
            revoked = credentials.api_token_revoke(user=request.user, token_id=token_id)
            messages.success(request, _("The token “%(name)s” is revoked.") % {"name": revoked.name})
        else:
            return self._page(request, status=400)
        return redirect(self._self_url(request))

    @staticmethod
    def _self_url(request) -> str:
        shell = _account_shell(request)
        url = reverse("security")
        return f"{url}?{urlencode({'account': shell['shell_account_id']})}" if shell else url

    def _page(self, request, *, recovery_codes=None, new_token=None, error=None, status=200):
        user = request.user
        enabled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        pending = None if enabled else two_factor.pending_totp_device(user)
        context = {
            "enabled": enabled,
            "pending": pending,
            "required": two_factor.requires_second_factor(user),
            "recovery_codes": recovery_codes,
            "recovery_text": "\n".join(recovery_codes or []),
            "tokens": list(credentials.api_tokens_of(user)),
            "new_token": new_token,
            "error": error,
            "action": request.POST.get("action", "") if request.method == "POST" else "",
            "next": _safe_next(request, ""),
            **_account_shell(request),
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
        result = two_factor.second_factor_verify(user=request.user, token=request.POST.get("token", ""))
        if not result.ok:
            context = {"next": _safe_next(request, ""), "failed": True, "outcome": result.outcome,
                       "message": result.message()}
            return render(request, self.template_name, context, status=400)
        otp_login(request, result.device)
        return redirect(_safe_next(request))


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; then the person's API tokens and other sessions end (this one stays)."""

    def form_valid(self, form):
        response = super().form_valid(form)  # saves the password and cycles this session's key
        credentials.session_remember(user=form.user, session_key=self.request.session.session_key)
        credentials.credentials_revoke(user=form.user, reason=credentials.RevokeReason.PASSWORD_CHANGED,
                                       keep_session_key=self.request.session.session_key)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset link; the new password ends every API token and session of the person."""

    def form_valid(self, form):
        response = super().form_valid(form)
        credentials.credentials_revoke(user=form.user, reason=credentials.RevokeReason.PASSWORD_RESET)
        return response
