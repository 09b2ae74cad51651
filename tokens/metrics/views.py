"""GET /metrics: Prometheus' text format, for a bearer token only.

No token configured (TOKENSERVER_METRICS_TOKEN unset): 404, as if absent.
A missing or wrong token: 401 with `WWW-Authenticate: Bearer`. The token is
compared in constant time; nothing of it is echoed or logged.
"""

import hmac
import os

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

import tokens.metrics.counters  # noqa: F401  (every metric, registered)
from tokens.errors import json_error


def _authorized(request: HttpRequest, expected: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), expected.encode()
    )


def exposition() -> bytes:
    """All processes' metrics under gunicorn, else this process's."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)
    return generate_latest(registry)


def metrics(request: HttpRequest) -> HttpResponse | JsonResponse:
    expected = settings.TOKENSERVER_METRICS_TOKEN
    if not expected:
        return json_error(404, "not_found", "Not found.")
    if not _authorized(request, expected):
        response = json_error(
            401, "not_authenticated", "Send the metrics token as a bearer token."
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    answer = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    answer["Cache-Control"] = "no-store"
    return answer
