"""What-if experiments for the benchmark: the project's WSGI app with one change.

bench/run.py serves `bench.whatif:application` with BENCH_WHATIF set to a
comma-separated list of the changes below, to measure what a suggested change
to the code or settings would bring before anyone makes it. Nothing here is
meant for production: each change is applied by patching after Django setup.
"""

import os
import tempfile

# Multiprocess metrics must be chosen before prometheus_client is imported.
if "metrics_multiproc" in os.environ.get("BENCH_WHATIF", ""):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="bench-metrics-")

from tokenserver.wsgi import application as project_application


def no_health_check() -> None:
    """CONN_HEALTH_CHECKS off: no "SELECT 1" before each request's first query."""
    from django.db import connections

    connections.settings["default"]["CONN_HEALTH_CHECKS"] = False


def async_commit() -> None:
    """synchronous_commit=off: a commit does not wait for the WAL flush."""
    from django.db import connections

    options = connections.settings["default"].setdefault("OPTIONS", {})
    options["options"] = "-c synchronous_commit=off"


def no_throttle() -> None:
    """No /token rate limit: what its two Redis round trips cost."""
    from tokens.api.views import TokenView

    TokenView.throttle_classes = []


def prepared_statements() -> None:
    """Server-side binding with psycopg's automatic prepared statements.

    A statement run 5 times on a connection is prepared, and later runs skip
    PostgreSQL's planning (1.3 ms of the subject query's 1.7 ms). Django turns
    both off by default: they break poolers in transaction mode.
    """
    from django.db import connections

    options = connections.settings["default"].setdefault("OPTIONS", {})
    options["server_side_binding"] = True
    options["prepare_threshold"] = 5


def orm_rows() -> None:
    """The public ORM instead of tokens/rows.py: the API token and its user by a
    queryset, the audit row by Model.save(force_insert=True). Same queries."""
    from knox.settings import CONSTANTS

    from tokens import rows
    from tokens.api import authentication
    from tokens.api.authentication import ApiTokenAuthentication
    from tokens.models import ApiToken

    def authenticate_credentials(self, token: bytes):
        from hmac import compare_digest

        from knox.crypto import hash_token
        from rest_framework import exceptions

        text = token.decode("ascii", errors="replace")
        if not authentication.TOKEN_PATTERN.fullmatch(text):
            raise exceptions.AuthenticationFailed("Invalid token.")
        digest = hash_token(text)
        key = text[: CONSTANTS.TOKEN_KEY_LENGTH]
        for api_token in ApiToken.objects.select_related("user").filter(token_key=key):
            if compare_digest(digest, api_token.digest):
                return self._check(api_token)
        raise exceptions.AuthenticationFailed("Invalid token.")

    def insert(instance, using="default"):
        instance.save(force_insert=True, using=using)
        return instance

    ApiTokenAuthentication.authenticate_credentials = authenticate_credentials
    rows.insert = insert


def no_metrics() -> None:
    """Every metrics recording helper a no-op: what counting costs."""
    from tokens.metrics import record

    for name in ("issued", "refused", "login", "request", "webhook", "twiml"):
        setattr(record, name, lambda *args, **kwargs: None)


def metrics_multiproc() -> None:
    """Counting into PROMETHEUS_MULTIPROC_DIR (mmap files), as under
    gunicorn in production; set above, before the import."""


CHANGES = {
    "no_metrics": no_metrics,
    "metrics_multiproc": metrics_multiproc,
    "prepared_statements": prepared_statements,
    "no_health_check": no_health_check,
    "async_commit": async_commit,
    "no_throttle": no_throttle,
    "orm_rows": orm_rows,
}

for name in filter(None, os.environ.get("BENCH_WHATIF", "").split(",")):
    CHANGES[name]()

application = project_application
