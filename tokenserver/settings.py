"""Settings for tokenserver, read from the environment (and `.env`, see README)."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def raw_env(*names: str) -> tuple[str, str] | None:
    """Return (name, value) of the first variable set, without interpolation.

    django-environ expands values starting with `$` as references to other
    variables and prints the value when that fails; secrets may start with `$`.
    """
    for name in names:
        value = env.ENVIRON.get(name)
        if value is not None:
            return name, value
    return None


TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "0"})


def env_bool(name: str, *, default: bool) -> bool:
    """A yes/no variable; unset or empty means the default.

    django-environ reads any word it does not know ("ture", "enabled") as
    false, so a typo would silently turn a setting off: here it is an error.
    """
    found = raw_env(name)
    word = found[1].strip().lower() if found else ""
    if not word:
        return default
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise ImproperlyConfigured(
        f"{name} must be true or false (or yes/no, on/off, 1/0)."
    )


# Real environment variables win over `.env`: read_env never overwrites them.
if env_bool("DJANGO_READ_DOT_ENV_FILE", default=True):
    env_file = Path(env.str("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env")))
    if env_file.is_file():
        env.read_env(env_file)


DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = (raw_env("DJANGO_SECRET_KEY") or ("", ""))[1].strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off."
        )
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)

INSTALLED_APPS = [
    # django.contrib.admin, with the login refusals of tokens/admin_site.py.
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
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and immediate transactions let concurrent writers wait instead of
    # failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # A database that does not answer costs seconds, not minutes.
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options.setdefault(
            "connect_timeout", env.int("DJANGO_DB_CONNECT_TIMEOUT", default=3)
        )
        # Prepared statements: a query run 5 times on a connection is planned
        # once. Planning was 1.3 of the 1.7 ms PostgreSQL spent on a /token;
        # PostgreSQL CPU per /token 3.0 -> 1.0 ms (docs/performance.md).
        # Turn off behind a pooler in transaction mode (pgbouncer < 1.21).
        if env_bool("DJANGO_DB_PREPARED_STATEMENTS", default=True):
            options.setdefault("server_side_binding", True)
            options.setdefault("prepare_threshold", 5)

# The cache holds throttle counters and login lockouts: with several processes
# or instances it must be Redis, so that the limits are shared.
REDIS_URL = env.str("REDIS_URL", default="") or env.str("CACHE_URL", default="")
if REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tokenserver",
            # Fail fast when Redis is down or slow: throttled endpoints then
            # answer 503 instead of hanging (see tokens/throttles.py).
            "OPTIONS": {
                "socket_connect_timeout": env.float("REDIS_TIMEOUT", default=0.5),
                "socket_timeout": env.float("REDIS_TIMEOUT", default=0.5),
            },
        }
    }
else:
    CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://tokenserver")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Error reports (the DEBUG page, mails to ADMINS) also hide connection URLs.
DEFAULT_EXCEPTION_REPORTER_FILTER = "tokens.reporting.SecretsFilter"
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
SECURE_HSTS_SECONDS = env.int(
    "DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 3600
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False
)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The CSRF secret lives in the session, not a cookie another site could plant.
CSRF_USE_SESSIONS = True
_proxy_header = env.str("DJANGO_SECURE_PROXY_SSL_HEADER", default="")
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header.split(",", 1)) if _proxy_header else None

# CORS for web clients on other origins: off unless origins are listed.
# Spaces after commas are common in lists written by hand: not part of origins.
CORS_ALLOWED_ORIGINS = [
    origin.strip()
    for origin in env.list("DJANGO_CORS_ALLOWED_ORIGINS", default=[])
    if origin.strip()
]
CORS_URLS_REGEX = r"^/(token|api/.*)$"
CORS_ALLOW_CREDENTIALS = False  # API tokens travel in a header, not cookies

REST_FRAMEWORK = {
    # Token first: an unauthenticated request then gets 401 with
    # `WWW-Authenticate: Token` instead of SessionAuthentication's 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tokens.auth.ApiTokenAuthentication",
        "tokens.auth.SameOriginSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "tokens.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
    ],
    "EXCEPTION_HANDLER": "tokens.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("TOKENSERVER_TOKEN_RATE", default="60/min"),
        "login": env.str("TOKENSERVER_LOGIN_RATE", default="30/min"),
    },
    # Without it DRF keys throttles on the whole X-Forwarded-For header,
    # which any client can rotate.
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=0),
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
        "tokens.schema.finish",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

REST_KNOX = {
    "TOKEN_MODEL": "tokens.ApiToken",
    "TOKEN_TTL": timedelta(
        seconds=env.int("TOKENSERVER_API_TOKEN_TTL", default=7 * 86400)
    ),
    "TOKEN_LIMIT_PER_USER": env.int("TOKENSERVER_API_TOKEN_LIMIT", default=None),
    "AUTO_REFRESH": False,
}
KNOX_TOKEN_MODEL = "tokens.ApiToken"  # noqa: S105  (a model name)

# knox's own table is never used (tokens.ApiToken replaces it); without its
# migrations it is not created, and no stray foreign key to the users table
# blocks flushing the database.
MIGRATION_MODULES = {"knox": None}

# Twilio. Read raw (see raw_env); validated by the `tokens` system checks.
TWILIO = {
    "TWILIO_ACCOUNT_SID": raw_env("TWILIO_ACCOUNT_SID"),
    "TWILIO_API_KEY": raw_env("TWILIO_API_KEY", "TWILIO_SIGNING_KEY"),
    "TWILIO_API_SECRET": raw_env("TWILIO_API_SECRET"),
    "TWILIO_CONVERSATIONS_SERVICE_SID": raw_env(
        "TWILIO_CONVERSATIONS_SERVICE_SID", "TWILIO_CHAT_SERVICE_SID"
    ),
    "TWILIO_SYNC_SERVICE_SID": raw_env("TWILIO_SYNC_SERVICE_SID"),
    "TWILIO_TWIML_APP_SID": raw_env("TWILIO_TWIML_APP_SID"),
    "TWILIO_PUSH_CREDENTIAL_SID": raw_env("TWILIO_PUSH_CREDENTIAL_SID"),
}
# Set only to tell the operator it is the wrong name (see the checks).
TWILIO_MISNAMED = sorted(
    name for name in ("TWILIO_SECRET", "TWILIO_AUTH_TOKEN") if name in env.ENVIRON
)

TOKENSERVER_DEMO = env_bool("TOKENSERVER_DEMO", default=False)
TOKENSERVER_DEFAULT_TTL = env.int("TOKENSERVER_DEFAULT_TTL", default=3600)
TOKENSERVER_DEFAULT_MAX_TTL = env.int("TOKENSERVER_DEFAULT_MAX_TTL", default=3600)
TOKENSERVER_LOGIN_FAILURE_LIMIT = env.int("TOKENSERVER_LOGIN_FAILURE_LIMIT", default=5)
TOKENSERVER_LOGIN_LOCKOUT_SECONDS = env.int(
    "TOKENSERVER_LOGIN_LOCKOUT_SECONDS", default=900
)

# DJANGO_LOG_FORMAT=json: one JSON object per line (tokens/logs.py).
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "tokens.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {
        "handlers": ["console"],
        "level": env.str("DJANGO_LOG_LEVEL", default="INFO"),
    },
}
