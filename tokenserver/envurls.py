"""URLs from the environment: the database, the cache, and public origins.

Like every reader of tokenserver/envvars.py, a URL it cannot use stops
startup with ConfigError naming the variable, never printing the URL (it
may hold a password).
"""

import re
import warnings
from typing import Any
from urllib.parse import urlsplit

from django.utils.module_loading import import_string
from redis.connection import parse_url as parse_redis_url

from tokenserver.envvars import ConfigError, env, env_str

PERCENT_ENCODE = (
    "Percent-encode special characters in the user name and password "
    "(/ as %2F, ? as %3F, # as %23, @ as %40, : as %3A, % as %25, $ as %24)."
)
# $HOST or ${HOST}: a shell or unit file that did not expand it. Left in, it
# is a host name nobody has (redis://$HOST:6379/0 fails at the first login).
UNEXPANDED = re.compile(r"\$(?:[A-Za-z_]|\{)")


def refuse_unexpanded(name: str, url: str) -> None:
    if UNEXPANDED.search(url):
        raise ConfigError(
            f"{name} holds an unexpanded $VARIABLE: give the URL itself "
            "(a $ in a password as %24)."
        )


# The drivers this server installs; django-environ knows many more (mysql://
# ended in "Error loading MySQLdb module", naming no variable).
DATABASE_ENGINES = ("django.db.backends.postgresql", "django.db.backends.sqlite3")


def database_config(name: str, *, default: str) -> dict:
    """The DATABASES entry for a database URL; unset or empty: `default`.

    django-environ's errors and warnings quote parts of the URL, the password
    included, and it turns a URL it cannot read into a config without ENGINE.
    """
    url = env_str(name)
    refuse_unexpanded(name, url)  # not the default: a project path may hold a $
    url = url or default
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            config = env.db_url_config(url)
        except Exception:  # any message may quote the password
            config = {}
    # A scheme it does not know becomes the ENGINE as it is ("db.internal").
    engine = config.get("ENGINE", "")
    # An unencoded / or ? in the password can still parse, as a host and port
    # with the rest of the password in the database name.
    misread = not engine.endswith("sqlite3") and "@" in str(config.get("NAME", ""))
    if engine not in env.DB_SCHEMES.values() or misread:
        raise ConfigError(
            f"{name} is not a database URL Django can use, such as "
            f"postgres://user:password@host:5432/name. {PERCENT_ENCODE}"
        )
    if engine not in DATABASE_ENGINES:
        raise ConfigError(
            f"{name} names a database this server has no driver for: use "
            "PostgreSQL (postgres://user:password@host:5432/name) or SQLite "
            "(sqlite:////absolute/path/db.sqlite3)."
        )
    return config


REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def is_redis_url(url: str) -> bool:
    """Whether redis-py connects where `url` says: checked here, since it
    reads the URL only at the first request (a 500 for every login)."""
    if not url.startswith(REDIS_SCHEMES):
        return False
    try:
        parse_redis_url(url)
        parts = urlsplit(url)
        _ = parts.port  # a password cut at / or ? leaves a port that is not one
    except ValueError:
        return False
    if "@" in parts.path + parts.query + parts.fragment:
        return False  # the rest of a password cut at /, ? or #
    if parts.scheme == "unix":
        return bool(parts.path)
    return bool(parts.hostname) and re.fullmatch(r"/?[0-9]*", parts.path) is not None


def redis_location(name: str, url: str) -> str:
    """The cache LOCATION for a Redis URL (or several, comma-separated)."""
    # RedisCache splits LOCATION at , and ; into servers: the first writes.
    refuse_unexpanded(name, url)
    servers = [server.strip() for server in re.split("[;,]", url)]
    if not all(is_redis_url(server) for server in servers):
        raise ConfigError(
            f"{name} must be a Redis URL: redis://[:password@]host:6379/0, "
            f"rediss://... (TLS) or unix:///path/to/redis.sock. {PERCENT_ENCODE}"
        )
    return ",".join(servers)


# django-environ's other names for a Redis cache, as redis-py's schemes.
REDIS_ALIASES = {"rediscache": "redis", "valkey": "redis", "valkeys": "rediss"}


def names_redis(url: str) -> bool:
    """Whether django-environ would hand `url` to the Redis backend."""
    scheme = url.split(":", 1)[0].lower()
    return f"{scheme}://" in REDIS_SCHEMES or scheme in REDIS_ALIASES


def redis_scheme(url: str) -> str:
    """`url` with django-environ's rediscache:// (valkey://...) as redis://."""
    scheme, sep, rest = url.partition("://")
    return f"{REDIS_ALIASES.get(scheme.lower(), scheme)}{sep}{rest}"


def cache_config(name: str, url: str) -> dict:
    """The CACHES entry for a cache URL that is not Redis (e.g. dummycache://).

    The backend is built once here: one whose module or client library is
    missing (memcache://, pymemcache:// without pylibmc) would otherwise
    fail at the first throttled request, a 500 for every login.
    """
    refuse_unexpanded(name, url)
    try:
        config = env.cache_url_config(url)
        params = {k: v for k, v in config.items() if k not in ("BACKEND", "LOCATION")}
        import_string(config["BACKEND"])(config.get("LOCATION", ""), params)
    except Exception:  # its messages quote the URL
        config = {}
    if not config.get("BACKEND"):
        raise ConfigError(
            f"{name} must be a cache URL such as locmemcache://name, "
            "dummycache:// or redis://host:6379/0, whose backend this server "
            "can load."
        )
    return config


def _origin(text: str) -> str | None:
    """`scheme://host[:port]` without a trailing slash, or None if not one."""
    try:
        parts = urlsplit(text)
        _ = parts.port  # "host:abc" raises here
    except ValueError:
        return None
    bare = not (parts.query or parts.fragment or parts.username or parts.password)
    if parts.scheme not in ("http", "https") or not parts.hostname or not bare:
        return None
    if parts.path not in ("", "/") or any(c.isspace() for c in text):
        return None
    return f"{parts.scheme}://{parts.netloc}"


def env_origin(name: str, *, require_https: bool) -> str:
    """An origin such as https://tokens.example.com; unset or empty: "".

    A path would be silently dropped or doubled when URLs are built from it,
    so it is refused; so are a query, a fragment and a user name.
    """
    text = env_str(name)
    if not text:
        return ""
    origin = _origin(text)
    if origin is None or (require_https and not origin.startswith("https://")):
        scheme = "https" if require_https else "http or https"
        raise ConfigError(
            f"{name} must be {scheme}://host[:port] with no path, query or "
            "user name, e.g. https://tokens.example.com."
        )
    return origin


def database_options(
    config: dict[str, Any],
    *,
    conn_max_age: int,
    connect_timeout: int,
    prepared_statements: bool,
) -> None:
    """Complete DATABASES["default"] with the options of its engine."""
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL and immediate transactions let concurrent writers wait instead of
        # failing with "database is locked".
        config.setdefault("OPTIONS", {}).update(
            {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
        return
    config["CONN_MAX_AGE"] = conn_max_age
    config["CONN_HEALTH_CHECKS"] = True
    # A database that does not answer costs seconds, not minutes.
    options = config.setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", connect_timeout)
    # Prepared statements: a query run 5 times on a connection is planned
    # once. Planning was 1.3 of the 1.7 ms PostgreSQL spent on a /token;
    # PostgreSQL CPU per /token 3.0 -> 1.0 ms (docs/performance.md).
    # Turn off behind a pooler in transaction mode (pgbouncer < 1.21).
    if prepared_statements:
        options.setdefault("server_side_binding", True)
        options.setdefault("prepare_threshold", 5)


def cache_settings(*, redis_timeout: float) -> tuple[dict[str, dict[str, Any]], str]:
    """CACHES and REDIS_URL from REDIS_URL or CACHE_URL; unset: local memory.

    A value that is set but unusable stops startup: a silent fallback to a
    cache per process would stop sharing the limits.
    """
    name = "REDIS_URL" if env_str("REDIS_URL") else "CACHE_URL"
    url = env_str(name)
    if not url:
        local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        return {"default": {**local, "LOCATION": "tokenserver"}}, ""
    if name == "CACHE_URL" and not names_redis(url):
        return {"default": cache_config(name, url)}, ""
    location = redis_location(name, redis_scheme(url))
    redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": "tokenserver",
        # Fail fast when Redis is down or slow: throttled endpoints then
        # answer 503 instead of hanging (see tokens/limits/throttles.py).
        "OPTIONS": {
            "socket_connect_timeout": redis_timeout,
            "socket_timeout": redis_timeout,
        },
    }
    return {"default": redis}, location
