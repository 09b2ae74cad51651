"""A request id on every request, and one log line per request.

The line holds the request id, method, path (never the query string, which
may name rooms), status, outcome code, user id and latency; never a token,
secret or password.
"""

import json
import logging
import re
import time
import uuid

from django.http import JsonResponse

from tokens import health
from tokens.logs import one_line
from tokens.metrics import record as metrics

logger = logging.getLogger("tokenserver.requests")
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Probed every few seconds: a success is logged at DEBUG, a failure as usual.
PROBES = ("/healthz/live", "/healthz/ready")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        user = getattr(request, "user", None)
        seconds = time.perf_counter() - started
        code = _outcome(response)
        metrics.request(
            path=request.path,
            method=request.method,
            status=response.status_code,
            code=code,
            seconds=seconds,
        )
        quiet = request.path in PROBES and response.status_code < 400
        logger.log(
            logging.DEBUG if quiet else logging.INFO,
            "%s %s %s",
            request.method,
            # Escaped: a decoded %0A in the path would start a forged line in
            # the text format (Django's own CVE-2025-48432).
            one_line(request.path),
            response.status_code,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "code": code,
                "user_id": user.pk
                if user is not None and user.is_authenticated
                else None,
                "latency_ms": round(seconds * 1000, 2),
            },
        )
        return response


class HealthCheckMiddleware:
    """Answer /healthz, /healthz/live and /healthz/ready before host
    validation and the HTTPS redirect.

    Load balancers and container probes call them by IP over plain HTTP;
    they reveal nothing but whether the database, the cache and the worker
    answer (tokens/health.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = health.VIEWS.get(request.path)
        if view is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = JsonResponse(
                {
                    "detail": f'Method "{request.method}" not allowed.',
                    "code": "method_not_allowed",
                },
                status=405,
            )
            response["Allow"] = "GET, HEAD"
            return response
        return view(request)


def _outcome(response) -> str:
    data = getattr(response, "data", None)
    if data is None and response.status_code >= 400 and _is_small_json(response):
        try:
            data = json.loads(response.content)
        except ValueError:
            data = None
    if isinstance(data, dict) and isinstance(data.get("code"), str):
        return data["code"]
    return "ok" if response.status_code < 400 else str(response.status_code)


def _is_small_json(response) -> bool:
    return (
        not response.streaming
        and response.get("Content-Type", "").startswith("application/json")
        and len(response.content) < 4096
    )
