"""API throttles that fail open: their counters live in Redis, and rate limiting protects the service; it must
not turn a Redis outage into refused payments. When the cache cannot be reached the request goes through and
a warning is logged. (Login throttling, django-axes, keeps its counters in PostgreSQL.)

The client's address is decided here, in `client_ip`, for every throttle and for django-axes
(AXES_CLIENT_IP_CALLABLE): X-Forwarded-For is believed only for settings.TRUSTED_PROXY_COUNT proxies in front
of the app (environment TRUSTED_PROXY_COUNT, default 0 = the header is ignored and REMOTE_ADDR is the client).
With N proxies, the N-th address from the right of X-Forwarded-For is the client (the one the outermost
trusted proxy saw); anything left of it was written by the client and is ignored."""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)


def client_ip(request: Any) -> str:
    """The client's IP address as the trusted proxies (settings.TRUSTED_PROXY_COUNT) report it; REMOTE_ADDR when
    no proxy is trusted, the header is missing, or the trusted position does not hold a valid address."""
    meta = getattr(request, "META", {})
    remote = meta.get("REMOTE_ADDR", "") or ""
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if count <= 0 or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
    if not addresses:
        return remote
    candidate = addresses[-min(count, len(addresses))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class FailOpenMixin:
    def get_ident(self, request: Request) -> str:
        """Anonymous requests are counted per client_ip (never per a header the client writes)."""
        return client_ip(request)

    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except (RedisError, OSError):
            logger.warning("throttle cache unreachable; letting %s through", request.path, exc_info=True)
            return True


class AnonThrottle(FailOpenMixin, AnonRateThrottle):
    pass


class UserThrottle(FailOpenMixin, UserRateThrottle):
    pass


class ScopedThrottle(FailOpenMixin, ScopedRateThrottle):
    pass


class PerObjectThrottle(FailOpenMixin, ScopedRateThrottle):
    """A limit per object, whoever asks (e.g. test events per webhook endpoint): the view names its scope
    (`throttle_scope`, rate in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]) and the URL keyword of the object
    (`throttle_object_kwarg`). One bucket per scope, account and object, shared by the API view and the page
    (see `object_throttle_allows`)."""

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        kwargs = getattr(view, "kwargs", None) or {}
        key = kwargs.get(getattr(view, "throttle_object_kwarg", ""))
        if key is None:
            return None
        # the account of the URL too: a stranger's requests to another account's object never fill its bucket
        return self.cache_format % {"scope": self.scope, "ident": f"{kwargs.get('account_id')}:{key}"}


def object_throttle_allows(request: Any, view: Any) -> tuple[bool, int | None]:
    """PerObjectThrottle checked by the view itself, after tenancy and the role check (so requests that are
    refused anyway never count), the same way for a page and for the API: (allowed, seconds to wait). Counts
    this request when allowed."""
    throttle = PerObjectThrottle()
    if throttle.allow_request(request, view):
        return True, None
    wait = throttle.wait()
    return False, int(wait) + 1 if wait is not None else None
