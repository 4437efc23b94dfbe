"""Password reset through the one mail sender: Django's PasswordResetForm finds the users and builds the
token; this form renders the message with notifications.mail instead of Django's own sending.

Reset requests are throttled per address and per client IP (`core.throttling.client_ip`, the one owner):
at most PASSWORD_RESET_THROTTLE["per_address"] requests for one address and ["per_ip"] from one client in
["window_seconds"]. Every request counts, known address or not; a throttled one sends nothing and the page
answers exactly as for any other request (no account enumeration). The counters live in the cache (Redis):
when it cannot be reached the request goes through and a warning is logged, as for the API throttles."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from redis.exceptions import RedisError

from core.throttling import client_ip
from notifications.mail import preferred_language, send_email

logger = logging.getLogger(__name__)

DEFAULT_THROTTLE = {"per_address": 3, "per_ip": 10, "window_seconds": 900}


def _throttle_settings() -> dict[str, int]:
    return {**DEFAULT_THROTTLE, **getattr(settings, "PASSWORD_RESET_THROTTLE", {})}


def _hit(key: str, *, limit: int, window: int) -> bool:
    """Count one request under `key`; True while the count stays within `limit` for the window."""
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


def password_reset_allowed(*, email: str, request) -> bool:
    """Count this reset request for its address and its client IP; False when either is over its limit."""
    limits = _throttle_settings()
    window = int(limits["window_seconds"])
    address = hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()
    ip = client_ip(request) if request is not None else ""
    try:
        by_address = _hit(f"password-reset:address:{address}", limit=int(limits["per_address"]), window=window)
        by_ip = _hit(f"password-reset:ip:{ip}", limit=int(limits["per_ip"]), window=window)
    except (RedisError, OSError):
        logger.warning("password reset throttle: cache unreachable; letting the request through", exc_info=True)
        return True
    if not (by_address and by_ip):
        logger.info("password reset throttled (%s)", "address" if not by_address else "client IP")
        return False
    return True


class FeeCenterPasswordResetForm(PasswordResetForm):
    def save(self, domain_override=None, subject_template_name="registration/password_reset_subject.txt",
             email_template_name="registration/password_reset_email.txt", use_https=False,
             token_generator=default_token_generator, from_email=None, request=None,
             html_email_template_name=None, extra_email_context=None) -> None:
        """Mail a reset link to each active user with a usable password and this address (none, or a
        throttled request: nothing is sent, and the page says the same either way)."""
        email = self.cleaned_data["email"]
        if not password_reset_allowed(email=email, request=request):
            return
        domain = domain_override or (request.get_host() if request is not None else "localhost")
        protocol = "https" if use_https else "http"
        for user in self.get_users(email):
            context = {
                "email": email, "domain": domain, "site_name": domain, "user": user, "protocol": protocol,
                "uid": urlsafe_base64_encode(force_bytes(user.pk)), "token": token_generator.make_token(user),
                **(extra_email_context or {}),
            }
            send_email(to=[getattr(user, user.get_email_field_name())], subject_template=subject_template_name,
                       body_template=email_template_name, context=context, language=preferred_language(user))
