"""The second factor (django-otp): one TOTP authenticator per person plus ten single-use recovery codes.

- Optional for tenant users: enrol on the security page (scan the QR code or type the key, confirm with a
  code, keep the recovery codes shown once), disable there too.
- Required for finance staff (is_staff or is_superuser): SecondFactorMiddleware sends them to enrol first.
- Once a person has a confirmed device, every sign-in asks for a code (TOTP or one recovery code) before any
  page; a recovery code works once.
"""

from __future__ import annotations

import base64
import io
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.exceptions import ApplicationError

RECOVERY_CODE_COUNT = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"


SESSION_KEY = "fee_second_factor"  # what this session still needs: "verify", "enrol" or "" (nothing)


def second_factor_need(user: AbstractBaseUser) -> str:
    if has_second_factor(user):
        return "verify"
    return "enrol" if requires_second_factor(user) else ""


def remember_need(request, user: AbstractBaseUser) -> str:
    """Computed once per sign-in and kept in the session, so pages pay no query for it."""
    need = second_factor_need(user)
    request.session[SESSION_KEY] = need
    return need


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        remember_need(request, user)


def has_second_factor(user: AbstractBaseUser) -> bool:
    return any(True for _device in devices_for_user(user, confirmed=True))


def requires_second_factor(user: AbstractBaseUser) -> bool:
    """Finance staff must use a second factor; everyone else may."""
    return bool(getattr(user, "is_staff", False) or getattr(user, "is_superuser", False))


def pending_totp_device(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


@transaction.atomic
def totp_enrol_start(*, user: AbstractBaseUser) -> TOTPDevice:
    """A new unconfirmed authenticator (any earlier unconfirmed one is replaced)."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ApplicationError(_("Two-factor authentication is already on."), code="second_factor_enabled")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


@transaction.atomic
def totp_enrol_confirm(*, user: AbstractBaseUser, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with a code from the app; returns it and the new recovery codes
    (shown once, never again)."""
    device = pending_totp_device(user)
    if device is None:
        raise ApplicationError(_("Start the set-up again: no authenticator is waiting for confirmation."),
                               code="no_pending_device")
    if not _clean(token) or not device.verify_token(_clean(token)):
        raise ApplicationError(_("That code is not right. Type the 6 digits your app shows now."),
                               code="invalid_code", fields={"token": ["Wrong code."]})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, recovery_codes_regenerate(user=user)


@transaction.atomic
def recovery_codes_regenerate(*, user: AbstractBaseUser) -> list[str]:
    """Ten fresh single-use recovery codes; earlier ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def second_factor_disable(*, user: AbstractBaseUser) -> None:
    if requires_second_factor(user):
        raise ApplicationError(_("Finance staff must keep two-factor authentication on."),
                               code="second_factor_required")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def second_factor_verify(*, user: AbstractBaseUser, token: str):
    """The device that accepts `token` (TOTP code or an unused recovery code, which is then spent), or None."""
    token = _clean(token)
    if not token:
        return None
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


def second_factor_throttled(user: AbstractBaseUser) -> bool:
    """After wrong codes django-otp refuses every code for a growing delay (1 s, 2 s, 4 s, ...)."""
    return any(not device.verify_is_allowed()[0] for device in devices_for_user(user, confirmed=True))


def qr_code_data_uri(uri: str) -> str:
    """The otpauth URI as an SVG QR code, as a data: URI for an <img> (no inline script or style)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def totp_secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def _recovery_code() -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def _clean(token: str | None) -> str:
    return "".join((token or "").split()).lower()[:16]
