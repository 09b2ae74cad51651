"""Response headers the operations document."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from tokens import errors

NO_STORE = OpenApiParameter(
    "Cache-Control",
    location=OpenApiParameter.HEADER,
    description="Always `no-store`.",
    response=[200],
)
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    location=OpenApiParameter.HEADER,
    description=(
        "Seconds to wait before trying again: on a 429 until the limit or "
        f"lockout ends; on every 503 `{errors.RETRY_AFTER_SECONDS}`, but "
        "`twilio_unavailable`: what Twilio asked for or the backoff (at least 1)."
    ),
    response=[429, 503],
)
WWW_AUTHENTICATE = OpenApiParameter(
    "WWW-Authenticate",
    location=OpenApiParameter.HEADER,
    description="`Token`.",
    response=[401],
)
