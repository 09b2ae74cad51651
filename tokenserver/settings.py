"""Settings for tokenserver, read from the environment (and `.env`, see README).

Each variable is read by a helper of tokenserver/envvars.py: a value it
cannot use stops startup naming the variable, never printing the value.
"""

from datetime import timedelta
from pathlib import Path

from tokenserver.envurls import (
    cache_settings,
    database_config,
    database_options,
)
from tokenserver.envvars import (
    ConfigError,
    env_bool,
    env_int,
    env_list,
    env_proxy_ssl_header,
    env_rate,
    env_seconds,
    env_str,
    env_word,
    raw_env,
    read_dot_env,
)
from tokenserver.logging_config import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

# Real environment variables win over `.env`: read_env never overwrites them.
if env_bool("DJANGO_READ_DOT_ENV_FILE", default=True):
    env_file = Path(env_str("DJANGO_ENV_FILE") or BASE_DIR / ".env")
    if env_file.is_file():
        read_dot_env(env_file)


DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = (raw_env("DJANGO_SECRET_KEY") or ("", ""))[1].strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)

INSTALLED_APPS = [
    # django.contrib.admin, with the login refusals of tokens/admin/site.py.
    "tokens.apps.TokenAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "tokens",
]

MIDDLEWARE = [
    "tokens.middleware.RequestLogMiddleware",
    "tokens.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tokenserver.urls"
WSGI_APPLICATION = "tokenserver.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": database_config(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
# Read whatever the database, so that a bad value stops startup on SQLite
# too, not first on the PostgreSQL of production.
database_options(
    DATABASES["default"],
    conn_max_age=env_int("DJANGO_CONN_MAX_AGE", default=60),
    connect_timeout=env_int("DJANGO_DB_CONNECT_TIMEOUT", default=3),
    prepared_statements=env_bool("DJANGO_DB_PREPARED_STATEMENTS", default=True),
)

# The cache holds throttle counters and login lockouts: with several processes
# or instances it must be Redis, so that the limits are shared.
REDIS_TIMEOUT = env_seconds("REDIS_TIMEOUT", default=0.5)
CACHES, REDIS_URL = cache_settings(redis_timeout=REDIS_TIMEOUT)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Error reports (the DEBUG page, mails to ADMINS) also hide connection URLs.
DEFAULT_EXCEPTION_REPORTER_FILTER = "tokens.error_reports.SecretsFilter"
AUTH_USER_MODEL = "tokens.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# HTTPS. Safe defaults with DEBUG off; the proxy header only when a proxy
# that sets it (and strips it from clients) is in front.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int(
    "DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 3600
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False
)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The CSRF secret lives in the session, not a cookie another site could plant.
CSRF_USE_SESSIONS = True
# Sessions without a login (a login page's CSRF secret) live in a signed
# cookie, so anonymous visits add no database rows (tokens/sessions.py).
SESSION_ENGINE = "tokens.sessions"
SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("DJANGO_SECURE_PROXY_SSL_HEADER")

# CORS for web clients on other origins: off unless origins are listed.
CORS_ALLOWED_ORIGINS = env_list("DJANGO_CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/(token|api/.*)$"
CORS_ALLOW_CREDENTIALS = False  # API tokens travel in a header, not cookies
# Response headers a web client may read besides the CORS-safelisted ones:
# how long to wait after 429/503, which credentials a 401 asks for, and the
# id to quote in a support request.
CORS_EXPOSE_HEADERS = ["Retry-After", "WWW-Authenticate", "X-Request-ID"]

REST_FRAMEWORK = {
    # Token first: an unauthenticated request then gets 401 with
    # `WWW-Authenticate: Token` instead of SessionAuthentication's 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tokens.api.authentication.ApiTokenAuthentication",
        "tokens.api.authentication.SameOriginSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "tokens.api.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
    ],
    "EXCEPTION_HANDLER": "tokens.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "token": env_rate("TOKENSERVER_TOKEN_RATE", default="60/min"),
        "login": env_rate("TOKENSERVER_LOGIN_RATE", default="30/min"),
    },
    # Without it DRF keys throttles on the whole X-Forwarded-For header,
    # which any client can rotate.
    "NUM_PROXIES": env_int("DJANGO_NUM_PROXIES", default=0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "tokenserver API",
    "DESCRIPTION": "Twilio Access Tokens for authenticated users.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Open to anyone, so no session is read: a logged-in browser following a
    # link from another site would otherwise be refused (cross_site_request).
    "SERVE_AUTHENTICATION": [],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tokens.api.docs.finish",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

REST_KNOX = {
    "TOKEN_MODEL": "tokens.ApiToken",
    "TOKEN_TTL": timedelta(
        seconds=env_int("TOKENSERVER_API_TOKEN_TTL", default=7 * 86400, minimum=1)
    ),
    "TOKEN_LIMIT_PER_USER": env_int(
        "TOKENSERVER_API_TOKEN_LIMIT", default=None, minimum=1
    ),
    "AUTO_REFRESH": False,
}
KNOX_TOKEN_MODEL = "tokens.ApiToken"  # noqa: S105  (a model name)

# knox's own table is never used (tokens.ApiToken replaces it); without its
# migrations it is not created, and no stray foreign key to the users table
# blocks flushing the database.
MIGRATION_MODULES = {"knox": None}

# Twilio: credentials, rooms after the token, the worker, voice calls.
from tokenserver.twilio_settings import *  # noqa: E402, F403

# Single sign-on (tokens/sso/): the one OpenID Connect provider whose ID
# tokens `POST /api/auth/oidc/` takes, and the `aud` values (the apps' client
# IDs or bundle IDs) accepted. Unset: the endpoint answers oidc_not_configured.
# Checked by tokens/sso/checks.py (an https issuer, at least one audience).
OIDC_ISSUER = env_str("OIDC_ISSUER")
# /metrics (tokens/metrics/): off (404) unless a bearer token is set.
TOKENSERVER_METRICS_TOKEN = env_str("TOKENSERVER_METRICS_TOKEN")
# Traces (tokens/metrics/traces.py): on when an OTLP endpoint is set.
OTEL_EXPORTER_OTLP_ENDPOINT = env_str("OTEL_EXPORTER_OTLP_ENDPOINT")
OIDC_AUDIENCES = env_list("OIDC_AUDIENCES", default=[])
# The longest wait for the provider's discovery document or keys, and the
# least time between two key refreshes that an unknown `kid` may cause.
OIDC_TIMEOUT = env_seconds("OIDC_TIMEOUT", default=3.0)
OIDC_JWKS_COOLDOWN = env_seconds("OIDC_JWKS_COOLDOWN", default=60.0)
# Several providers (OIDC_PROVIDERS), accounts, groups, password login.
from tokenserver.oidc_settings import *  # noqa: E402, F403

TOKENSERVER_DEMO = env_bool("TOKENSERVER_DEMO", default=False)
# Twilio refuses tokens that live longer than 24 hours.
TOKENSERVER_DEFAULT_TTL = env_int(
    "TOKENSERVER_DEFAULT_TTL", default=3600, minimum=1, maximum=86400
)
TOKENSERVER_DEFAULT_MAX_TTL = env_int(
    "TOKENSERVER_DEFAULT_MAX_TTL", default=3600, minimum=1, maximum=86400
)
TOKENSERVER_LOGIN_FAILURE_LIMIT = env_int(
    "TOKENSERVER_LOGIN_FAILURE_LIMIT", default=5, minimum=1
)
TOKENSERVER_LOGIN_LOCKOUT_SECONDS = env_int(
    "TOKENSERVER_LOGIN_LOCKOUT_SECONDS", default=900, minimum=1
)

# DJANGO_LOG_FORMAT=json: one JSON object per line (tokens/logs.py).
LOG_FORMAT = env_word("DJANGO_LOG_FORMAT", ("text", "json"), default="text")
LOG_LEVEL = env_word(
    "DJANGO_LOG_LEVEL",
    ("debug", "info", "warning", "error", "critical"),
    default="info",
).upper()
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
