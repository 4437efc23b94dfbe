"""The second factor (django-otp): one TOTP authenticator per person plus ten single-use recovery codes.

- Optional for tenant users: enrol on the security page (scan the QR code or type the key, confirm with a
  code, keep the recovery codes shown once), disable there too.
- Required for finance staff (is_staff or is_superuser): SecondFactorMiddleware sends them to enrol first.
- Once a person has a confirmed device, every sign-in asks for a code (TOTP or one recovery code) before any
  page; a recovery code works once, a TOTP code once per time step: `second_factor_verify` spends it under the
  row locks of the person's devices, so of concurrent sign-ins with one code exactly one succeeds.
- A wrong code is told apart from a code already used and from "too many wrong codes, wait N s".
- Turning it on revokes the person's API tokens and other sessions (workspaces/credentials.py).
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.exceptions import ApplicationError
from workspaces.credential_models import SpentRecoveryCode
from workspaces.credentials import RevokeReason, credentials_revoke

if TYPE_CHECKING:
    from django.contrib.auth.models import User

RECOVERY_CODE_COUNT = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"


SESSION_KEY = "fee_second_factor"  # what this session still needs: "verify", "enrol" or "" (nothing)


def second_factor_need(user: User) -> str:
    if has_second_factor(user):
        return "verify"
    return "enrol" if requires_second_factor(user) else ""


def remember_need(request, user: User) -> str:
    """Computed once per sign-in and kept in the session, so pages pay no query for it."""
    need = second_factor_need(user)
    request.session[SESSION_KEY] = need
    return need


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        remember_need(request, user)


def has_second_factor(user: User) -> bool:
    return any(True for _device in devices_for_user(user, confirmed=True))


def requires_second_factor(user: User) -> bool:
    """Finance staff must use a second factor; everyone else may."""
    return bool(getattr(user, "is_staff", False) or getattr(user, "is_superuser", False))


def pending_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


@transaction.atomic
def totp_enrol_start(*, user: User) -> TOTPDevice:
    """A new unconfirmed authenticator (any earlier unconfirmed one is replaced)."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ApplicationError(_("Two-factor authentication is already on."), code="second_factor_enabled")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


@transaction.atomic
def totp_enrol_confirm(*, user: User, token: str,
                       keep_session_key: str | None = None) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with a code from the app; returns it and the new recovery codes
    (shown once, never again). Turning the second factor on revokes the person's API tokens and ends their
    other sessions (all but `keep_session_key`), which were opened without it."""
    device = (TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-id").first())
    if device is None:
        raise ApplicationError(_("Start the set-up again: no authenticator is waiting for confirmation."),
                               code="no_pending_device")
    if _totp_outcome(device, _clean(token)) != Outcome.OK:
        raise ApplicationError(_("That code is not right. Type the 6 digits your app shows now."),
                               code="invalid_code", fields={"token": [_("Wrong code.")]})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_regenerate(user=user)
    credentials_revoke(user=user, reason=RevokeReason.SECOND_FACTOR_ON, keep_session_key=keep_session_key)
    return device, codes


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Ten fresh single-use recovery codes; earlier ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    SpentRecoveryCode.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def second_factor_disable(*, user: User) -> None:
    if requires_second_factor(user):
        raise ApplicationError(_("Finance staff must keep two-factor authentication on."),
                               code="second_factor_required")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    SpentRecoveryCode.objects.filter(user=user).delete()


class Outcome:
    OK = "ok"
    WRONG = "wrong"  # not a current code nor an unused recovery code
    USED = "used"  # a code that already signed someone in (TOTP code of a spent time step, spent recovery code)
    THROTTLED = "throttled"  # too many wrong codes in a row: nothing is checked until the wait is over


@dataclass(frozen=True)
class Verification:
    outcome: str
    device: Device | None = None
    wait_seconds: int = 0

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.OK

    def message(self) -> str:
        """What happened, for the person."""
        if self.outcome == Outcome.USED:
            return _("That code was already used. Wait for your app to show a new code, or type another "
                     "recovery code.")
        if self.outcome == Outcome.THROTTLED:
            return ngettext(
                "Too many wrong codes. Wait %(seconds)d second, then type the code your app shows.",
                "Too many wrong codes. Wait %(seconds)d seconds, then type the code your app shows.",
                self.wait_seconds,
            ) % {"seconds": self.wait_seconds}
        return _("That code is not right. Type the code your app shows now, or an unused recovery code.")


FREE_WRONG_CODES = 3  # the wrong code in a row from which each one imposes a wait (the first two cost none)
FIRST_WAIT_SECONDS = 30  # then 30 s, 60 s, 120 s, ... per further wrong code
MAX_WAIT_SECONDS = 15 * 60


def wait_after(failures: int) -> int:
    """Seconds to wait after `failures` wrong codes in a row."""
    if failures < FREE_WRONG_CODES:
        return 0
    return min(FIRST_WAIT_SECONDS * 2 ** (failures - FREE_WRONG_CODES), MAX_WAIT_SECONDS)


def _seconds_left(counter: Device) -> int:
    wait = wait_after(counter.throttling_failure_count)
    since = counter.throttling_failure_timestamp
    if not wait or since is None:
        return 0
    left = (since + timedelta(seconds=wait) - timezone.now()).total_seconds()
    return max(0, math.ceil(left))


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def _totp_outcome(device: TOTPDevice, token: str) -> str:
    """OK (and the time step recorded), USED, or WRONG: the caller holds the device's row lock."""
    if not re.fullmatch(rf"[0-9]{{{device.digits}}}", token):
        return Outcome.WRONG
    now = time.time()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = now
    if totp.verify(int(token), device.tolerance, device.last_t + 1):
        device.last_t = totp.t()
        device.drift = totp.drift
        device.last_used_at = timezone.now()
        device.save(update_fields=["last_t", "drift", "last_used_at"])
        return Outcome.OK
    replay = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    replay.time = now
    return Outcome.USED if replay.verify(int(token), device.tolerance) else Outcome.WRONG


def _recovery_outcome(user: User, device: StaticDevice, token: str) -> str:
    """Spend the recovery code with one conditional DELETE: only one caller deletes the row."""
    deleted, _rows = StaticToken.objects.filter(device=device, token=token).delete()
    if deleted:
        SpentRecoveryCode.objects.get_or_create(user=user, code_hash=_code_hash(token))
        return Outcome.OK
    if SpentRecoveryCode.objects.filter(user=user, code_hash=_code_hash(token)).exists():
        return Outcome.USED
    return Outcome.WRONG


@transaction.atomic
def second_factor_verify(*, user: User, token: str) -> Verification:
    """Check and spend a code (a TOTP code or an unused recovery code) under the row locks of the person's
    devices: of concurrent sign-ins with one code exactly one gets OK, the others USED. Wrong codes in a row
    count on the authenticator's row; from the FREE_WRONG_CODES-th on, each imposes a doubling wait."""
    totps = list(TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk"))
    statics = list(StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk"))
    devices: list[Device] = [*totps, *statics]
    if not devices:
        return Verification(Outcome.WRONG)
    counter = devices[0]
    left = _seconds_left(counter)
    if left:
        return Verification(Outcome.THROTTLED, wait_seconds=left)
    token = _clean(token)
    outcome = Outcome.WRONG
    winner: Device | None = None
    if token:
        for device in devices:
            found = (_totp_outcome(device, token) if isinstance(device, TOTPDevice)
                     else _recovery_outcome(user, device, token))  # type: ignore[arg-type]
            if found == Outcome.OK:
                outcome, winner = found, device
                break
            if found == Outcome.USED:
                outcome = found
    if outcome == Outcome.OK:
        if counter.throttling_failure_count:
            counter.throttling_failure_count = 0
            counter.throttling_failure_timestamp = None
            counter.save(update_fields=["throttling_failure_count", "throttling_failure_timestamp"])
        return Verification(Outcome.OK, device=winner)
    if outcome == Outcome.WRONG:
        counter.throttling_failure_count += 1
        counter.throttling_failure_timestamp = timezone.now()
        counter.save(update_fields=["throttling_failure_count", "throttling_failure_timestamp"])
        wait = wait_after(counter.throttling_failure_count)
        if wait:
            return Verification(Outcome.THROTTLED, wait_seconds=wait)
    return Verification(outcome)


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
