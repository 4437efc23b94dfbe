"""Settings of the test suite (pyproject's [tool.pytest.ini_options] DJANGO_SETTINGS_MODULE): the development
settings with what only costs time in a test made cheap. Nothing here may change what a test proves.

- Passwords are hashed with MD5: a PBKDF2 hash takes a noticeable fraction of a second, and every user a factory
  makes (and every sign-in through a form) pays it. No test is about the strength of the hash.
- The cache is in the process's memory (LocMemCache), cleared before each test by the root conftest. Tests of
  what Redis itself does (a cache that is down, counters shared by several processes) carry the `redis_cache`
  marker, and the root conftest points the cache back at the run's Redis for them (docs/RULES-proof.md).
"""

from . import settings as _development
from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

REDIS_CACHE = _development.CACHES["default"]  # what `redis_cache` tests switch back to
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fee-center-tests",
        "TIMEOUT": 300,
    }
}
