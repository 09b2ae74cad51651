"""OpenTelemetry traces, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.

The packages are an extra (requirements-otel.txt): without the variable
nothing of OpenTelemetry is imported; with it but without the packages, a
system check warns (tokens.W070) and the server runs untraced. Spans cover
Django, psycopg and outgoing HTTP (requests: twilio-python; urllib:
PyJWKClient) and carry the request id of the logs as `tokenserver.request_id`.
"""

import importlib.util

from django.conf import settings
from django.core import checks

PACKAGES = (
    "opentelemetry.sdk",
    "opentelemetry.exporter.otlp.proto.http",
    "opentelemetry.instrumentation.django",
    "opentelemetry.instrumentation.psycopg",
    "opentelemetry.instrumentation.requests",
    "opentelemetry.instrumentation.urllib",
)


def missing_packages() -> list[str]:
    missing = []
    for name in PACKAGES:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(name)
    return missing


@checks.register()
def check_traces(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if not settings.OTEL_EXPORTER_OTLP_ENDPOINT or not missing_packages():
        return []
    return [
        checks.Warning(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry is not "
            "installed: no traces are sent.",
            hint="pip install -r requirements-otel.txt -c constraints.txt",
            id="tokens.W070",
        )
    ]


def _request_hook(span, request) -> None:
    request_id = getattr(request, "request_id", None)
    if request_id and span.is_recording():
        span.set_attribute("tokenserver.request_id", request_id)


# The extra is optional: mypy runs without it (# type: ignore below).
def start() -> bool:
    """Instrument this process when asked and able; whether it did."""
    if not settings.OTEL_EXPORTER_OTLP_ENDPOINT or missing_packages():
        return False
    from opentelemetry import trace  # type: ignore[import-not-found,unused-ignore]
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[import-not-found,unused-ignore]
        OTLPSpanExporter,
    )
    from opentelemetry.instrumentation.django import DjangoInstrumentor  # type: ignore[import-not-found,unused-ignore]
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor  # type: ignore[import-not-found,unused-ignore]
    from opentelemetry.instrumentation.requests import RequestsInstrumentor  # type: ignore[import-not-found,unused-ignore]
    from opentelemetry.instrumentation.urllib import URLLibInstrumentor  # type: ignore[import-not-found,unused-ignore]
    from opentelemetry.sdk.trace import TracerProvider  # type: ignore[import-not-found,unused-ignore]
    from opentelemetry.sdk.trace.export import BatchSpanProcessor  # type: ignore[import-not-found,unused-ignore]

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    # The request id is set by RequestLogMiddleware, first in the chain:
    # the response hook runs after it, so the span gets it there.
    DjangoInstrumentor().instrument(
        response_hook=lambda span, req, _: _request_hook(span, req)
    )
    PsycopgInstrumentor().instrument()
    RequestsInstrumentor().instrument()
    URLLibInstrumentor().instrument()
    return True
