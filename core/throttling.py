"""API throttles that fail open: their counters live in Redis, and rate limiting protects the service; it must
not turn a Redis outage into refused payments. When the cache cannot be reached the request goes through and
a warning is logged. (Login throttling, django-axes, keeps its counters in PostgreSQL.)"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)


class FailOpenMixin:
    def allow_request(self, request, view) -> bool:
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
