"""Production: the same settings with the security flags `manage.py check --deploy` asks for, a required
SECRET_KEY and hashed, compressed static files collected into STATIC_ROOT (docs/DEPLOYMENT.md)."""

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403
from .settings import BASE_DIR, env

DEBUG = False

# No development default here: a production process without its own key refuses to start.
SECRET_KEY = env("SECRET_KEY", default="")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-only-insecure-key"):
    raise ImproperlyConfigured(
        "Production needs SECRET_KEY: a random value of at least 50 characters, "
        "e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))'."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Static files: `collectstatic` (scripts/entrypoint.sh) writes hashed, compressed copies and a manifest into
# STATIC_ROOT; WhiteNoise serves only those (never the source folders) with far-future cache headers. The
# manifest is strict: a template naming a file that is not collected fails loudly (the smoke test catches it).
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
WHITENOISE_USE_FINDERS = False
STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"  # noqa: F405
