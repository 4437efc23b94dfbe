"""The wallet's own rate limits (docs/RULES-payments.md).

- Activation codes: one throttle, VoucherActivateThrottle, used by the API view (as a DRF throttle) and by the
  Vouchers page (`voucher_activation_allowed`), keyed by user AND account, at settings.FEE_CENTER
  ["VOUCHER_ACTIVATE_RATE"] (default 20 a minute). Guessing codes through the page is no cheaper than
  through the API.
- Gateway callbacks: only REJECTED callbacks (missing fields, bad signature) are counted, in one bucket per
  provider per minute: the sender can rotate its address and choose any reference, but not the provider of
  a registered gateway. Past settings.FEE_CENTER["GATEWAY_CALLBACK_REJECTIONS_PER_MINUTE"] (default 30) the
  rest of that minute's rejected callbacks are answered 429 and not stored. The signature is checked first,
  so a correctly signed callback (a retry included) is never counted nor throttled.

Both fail open like core/throttling.py: with Redis unreachable the request is let through (and logged)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

DEFAULT_VOUCHER_ACTIVATE_RATE = "20/min"
DEFAULT_CALLBACK_REJECTIONS_PER_MINUTE = 30
DEFAULT_CALLBACK_MAX_BYTES = 16384


def _config(name: str, default):
    return (getattr(settings, "FEE_CENTER", {}) or {}).get(name) or default


class VoucherActivateThrottle(SimpleRateThrottle):
    """Code activations per user and account. The one definition of the limit, for the page and the API."""

    scope = "voucher_activate"

    def get_rate(self) -> str:
        return str(_config("VOUCHER_ACTIVATE_RATE", DEFAULT_VOUCHER_ACTIVATE_RATE))

    def get_cache_key(self, request, view) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # anonymous requests never reach activation (login / tenancy first)
        account_id = (getattr(view, "kwargs", None) or {}).get("account_id")
        return self.cache_format % {"scope": self.scope, "ident": f"{user.pk}:{account_id}"}

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError):
            logger.warning("throttle cache unreachable; letting %s through", request.path, exc_info=True)
            return True


def voucher_activation_allowed(request, view) -> tuple[bool, int | None]:
    """For the page: (allowed, seconds to wait). Counts this attempt when allowed, as the API does."""
    throttle = VoucherActivateThrottle()
    if throttle.allow_request(request, view):
        return True, None
    wait = throttle.wait()
    return False, int(wait) + 1 if wait is not None else None


def callback_max_bytes() -> int:
    return int(_config("GATEWAY_CALLBACK_MAX_BYTES", DEFAULT_CALLBACK_MAX_BYTES))


def callback_rejection_allowed(provider: str) -> bool:
    """Count one rejected callback of `provider`; False once this minute's bucket is over its limit (the caller
    then answers 429 and stores nothing). Never call it for a correctly signed callback."""
    limit = int(_config("GATEWAY_CALLBACK_REJECTIONS_PER_MINUTE", DEFAULT_CALLBACK_REJECTIONS_PER_MINUTE))
    key = f"gateway-callback-rejected:{provider[:32]}:{int(time.time() // 60)}"
    try:
        cache.add(key, 0, timeout=120)
        count = cache.incr(key)
    except (RedisError, OSError, ValueError):
        logger.warning("throttle cache unreachable; counting no rejected %s callback", provider, exc_info=True)
        return True
    return count <= limit
