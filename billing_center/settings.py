"""Settings for every environment, read from the environment (see .env.example).

Production runs with DJANGO_SETTINGS_MODULE=billing_center.settings_production, which only tightens the
security flags below.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]", "testserver"]),
    CELERY_TASK_ALWAYS_EAGER=(bool, False),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789abcdef")
DEBUG = env("DEBUG")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "axes",
    "django_otp",  # second factor (TOTP + recovery codes): workspaces/two_factor.py
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "workspaces",
    "plans",
    "payments",
    "orders",
    "quota",
    "statements",
    "notifications",
    "advisor",  # the package advisor: replays past usage under the packages on sale (top layer)
    "forecasts",  # month-end forecast, runway and warnings (docs/PRODUCT.md)
    # issue 12: the audit trail (django-pghistory on django-pgtrigger) and signed webhooks; top layer.
    "pgtrigger",
    "pghistory",
    "audit",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who and from which URL each audited change came (pghistory context, docs/RULES-audit.md).
    "pghistory.middleware.HistoryMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "workspaces.second_factor_middleware.SecondFactorMiddleware",
    "core.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "billing_center.urls"

# Content-Security-Policy (django-csp): only same-origin files; no inline script, style attribute or event
# handler anywhere (see "HTTP headers" in docs/ARCHITECTURE.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.branding.brand",
                "workspaces.context_processors.fee_center",
                "quota.context_processors.arrears",
                "orders.context_processors.package_banners",
                "advisor.context_processors.advisor_hint",  # a callable: replays only where read (home)
                "forecasts.context_processors.warning_banners",
            ],
        },
    },
]

WSGI_APPLICATION = "billing_center.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/fee_center"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A kept connection (CONN_MAX_AGE > 0) is checked before a request reuses it (docs/DEPLOYMENT.md).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_URL", default=REDIS_URL),
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="fee"),
        "TIMEOUT": 300,
        # Fail fast when Redis is unreachable (throttles then fail open, see core/throttling.py).
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "fee-center-entry"
LOGOUT_REDIRECT_URL = "login"
# Second factor (django-otp): the name authenticator apps show; invitations' validity (workspaces/people.py).
OTP_TOTP_ISSUER = "Fee Center"
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)

# Login throttling (django-axes): lock a username+IP after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# The client address: X-Forwarded-For is believed for this many reverse proxies in front of the app (0 = none,
# the header is ignored). One rule, core.throttling.client_ip, for every throttle and for axes.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "core.throttling.client_ip"
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT  # unused while the callable is set; kept consistent
# Password reset requests per address and per client IP in a window (notifications/password_reset.py).
PASSWORD_RESET_THROTTLE = {
    "per_address": env.int("PASSWORD_RESET_PER_ADDRESS", default=3),
    "per_ip": env.int("PASSWORD_RESET_PER_IP", default=10),
    "window_seconds": env.int("PASSWORD_RESET_WINDOW_SECONDS", default=900),
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = True  # serve static/ without collectstatic in development and tests
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND", default="django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
MEDIA_URL = "media/"

# The deployment's brand and billing-centre domain (core/branding.py): header, mail, invoice PDF, admin.
BRAND_NAME = env("BRAND_NAME", default="Fee Center")
BILLING_DOMAIN = env("BILLING_DOMAIN", default="")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "artifacts" / "mail"))  # the file backend's folder
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Fee Center <billing@fee-center.invalid>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "workspaces.token_auth.ApiTokenAuthentication",  # named, revocable tokens (workspaces/credentials.py)
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.ProjectJSONParser",  # bounded nesting: a deep body is a 400, never a RecursionError 500
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,  # DRF's own reading; our throttles use core.throttling.client_ip
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttling.AnonThrottle",
        "core.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="120/min"),
        "user": env("THROTTLE_USER", default="6000/min"),
        "usage": env("THROTTLE_USAGE", default="6000/min"),
        "webhook_test": env("THROTTLE_WEBHOOK_TEST", default="5/min"),  # test events per endpoint
    },
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fee Center API",
    "DESCRIPTION": "Plan packages, wallet, usage and bills of the observability SaaS Fee Center. "
    "Errors always have the shape {\"error\": {\"code\", \"message\", \"fields\"}}.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrderKindEnum": "orders.models.OrderKind.choices",
        "OrderLineKindEnum": "orders.models.OrderLineKind.choices",
        "VoucherKindEnum": "payments.models.VoucherKind.choices",
        "TenderKindEnum": "payments.models.TenderKind.choices",
        "OrderStatusEnum": "orders.models.OrderStatus.choices",
        "PackageStatusEnum": "orders.models.PackageStatus.choices",
        "VoucherStatusEnum": "payments.models.VoucherStatus.choices",
        "CardStatusEnum": "payments.models.CardStatus.choices",
        "RechargeStatusEnum": "payments.models.RechargeStatus.choices",
        "WorkspaceStatusEnum": "workspaces.models.WorkspaceStatus.choices",
        "WebhookEventTypeEnum": "webhooks.events.EventType.choices",
        "WebhookDeliveryEventTypeEnum": "webhooks.events.DELIVERY_EVENT_CHOICES",
        "WarningKindEnum": "forecasts.models.WarningKind.choices",
    },
}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env("CELERY_TASK_ALWAYS_EAGER")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Longer than the longest chunk of the night, so an unacknowledged chunk is redelivered only when its
# worker really died.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Three queues (docs/DEPLOYMENT.md "Queues"): "night" for the quota app's batch work (the hourly fan-out, the
# night's chunks, usage partitions, the arrears sweep), "webhooks" for webhook deliveries (tenants' endpoints,
# slow or not, never hold up other work) and "default" for everything else (mail, exports, alerts,
# statements, whatever a web request queues). A worker started without -Q consumes all;
# production runs one worker service per queue, so none ever waits behind another.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = {"default": {"routing_key": "default"}, "night": {"routing_key": "night"},
                      "webhooks": {"routing_key": "webhooks"}}
CELERY_TASK_ROUTES = {"quota.*": {"queue": "night"}, "webhooks.*": {"queue": "webhooks"}}

# Business settings (finance may override some of them in admin where a model exists for it).
FEE_CENTER = {
    # The development default; `check --deploy` refuses it (payments/checks.py).
    "PAYMENT_GATEWAY_SECRET": env("PAYMENT_GATEWAY_SECRET", default="sandbox-secret-change-me"),
    "PUBLIC_BASE_URL": env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000"),
    # Online payment gateways, "name=dotted.Class,..." (payments/gateways/base.py). None by default: online
    # recharge then answers "online payment is not configured" and offline remittance is the only way.
    "PAYMENT_GATEWAYS": env.dict("PAYMENT_GATEWAYS", default={}),
    "DEFAULT_PAYMENT_GATEWAY": env("DEFAULT_PAYMENT_GATEWAY", default=""),
    # The sandbox gateway lets anyone who opens its page "pay": demo and tests only. `check --deploy` refuses it.
    "PAYMENT_SANDBOX_ENABLED": env.bool("PAYMENT_SANDBOX_ENABLED", default=False),
    # Gateway callbacks: largest accepted body, and rejected (unsigned/forged) callbacks per provider a minute
    # before the rest are answered 429 and not stored. Correctly signed callbacks are never throttled.
    "GATEWAY_CALLBACK_MAX_BYTES": env.int("GATEWAY_CALLBACK_MAX_BYTES", default=16384),
    "GATEWAY_CALLBACK_REJECTIONS_PER_MINUTE": env.int("GATEWAY_CALLBACK_REJECTIONS_PER_MINUTE", default=30),
    # Activation codes tried per user and account (page and API alike), DRF rate syntax.
    "VOUCHER_ACTIVATE_RATE": env("VOUCHER_ACTIVATE_RATE", default="20/min"),
}

# Audit trail (docs/RULES-audit.md): pghistory's triggers live on other apps' tables, so they are installed
# by `pgtrigger install` after every migrate instead of by migrations of those apps.
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = True
# Reads change nothing: the request context (user, URL) is attached to writing methods only.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# Webhooks (docs/RULES-webhooks.md).
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=5.0)
WEBHOOKS_MAX_ATTEMPTS = env.int("WEBHOOKS_MAX_ATTEMPTS", default=6)
WEBHOOKS_RETRY_BASE_SECONDS = env.int("WEBHOOKS_RETRY_BASE_SECONDS", default=30)
WEBHOOKS_DEADLINE_SECONDS = env.float("WEBHOOKS_DEADLINE_SECONDS", default=10.0)  # one attempt, all in
WEBHOOKS_RESPONSE_READ_BYTES = 4096  # read at most this much of a reply
WEBHOOKS_RESPONSE_BODY_CHARS = 512  # and keep at most this much of it
WEBHOOKS_DISABLE_AFTER_FAILURES = env.int("WEBHOOKS_DISABLE_AFTER_FAILURES", default=10)
WEBHOOKS_BUSY_RETRY_SECONDS = 10  # come back after this when another attempt holds the endpoint
WEBHOOKS_RESOLVER = None  # tests only: a callable host -> [address strings] instead of getaddrinfo
WEBHOOKS_SECRET_GRACE_HOURS = env.int("WEBHOOKS_SECRET_GRACE_HOURS", default=24)
# Tests only: accept http://127.0.0.1:<port>/ and http://<name>.test:<port>/ endpoints and let 127.0.0.1 through
# the sending address check (a receiver on loopback). Never set in production.
WEBHOOKS_ALLOW_INSECURE_LOOPBACK = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
