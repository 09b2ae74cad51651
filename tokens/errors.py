"""Domain errors and the one place that turns every error into JSON.

Every error body is `{"detail": <text>, "code": <stable code>}`; validation
errors add `"fields": {<name>: [<messages>]}`.
"""

import logging
import sys
from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DatabaseError
from django.http import Http404, HttpResponse, JsonResponse
from rest_framework import exceptions, status

logger = logging.getLogger(__name__)

# Every 503 carries `Retry-After: 30` (README "Error codes"), so clients back
# off instead of hammering a server that is down or not configured yet. DRF's
# handler sends an exception's `wait` as Retry-After.
RETRY_AFTER_SECONDS = 30

Response = TypeVar("Response", bound=HttpResponse)


class TokenRefused(exceptions.APIException):
    """A refusal of /token that is recorded in the audit log."""


class IdentityMismatch(TokenRefused):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "The identity sent does not match the authenticated user."
    default_code = "identity_mismatch"


class RoomNotPermitted(TokenRefused):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "You may not join this room now."
    default_code = "room_not_permitted"


class GrantNotPermitted(TokenRefused):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "You may not get these grants."
    default_code = "grant_not_permitted"

    def __init__(self, grants: Iterable[str] = ()) -> None:
        names = ", ".join(grants)
        super().__init__(f"You may not get these grants: {names}." if names else None)


class NoGrants(TokenRefused):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "You have no grants to put in a token. Ask staff for access."
    default_code = "no_grants"


class RoomRequired(TokenRefused):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "You may only join listed rooms: name the room."
    default_code = "room_required"


class TwilioNotConfigured(TokenRefused):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The server is not configured to issue Twilio tokens."
    default_code = "twilio_not_configured"
    wait = RETRY_AFTER_SECONDS

    def __init__(self, missing: Iterable[str] = ()) -> None:
        names = ", ".join(missing)
        detail = (
            f"{self.default_detail} Missing or malformed: {names}." if names else None
        )
        super().__init__(detail)


class GrantNotConfigured(TokenRefused):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The server is not configured for this grant."
    default_code = "grant_not_configured"
    wait = RETRY_AFTER_SECONDS

    def __init__(self, missing: Iterable[str] = ()) -> None:
        names = ", ".join(missing)
        detail = f"The server is not configured for: {names}." if names else None
        super().__init__(detail)


class TwilioUnavailable(TokenRefused):
    """Twilio's REST API failed or did not answer in time, after retries.

    A refusal of /token (recorded) when creating the token's room failed;
    the worker and the staff actions meet it too.
    """

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Twilio does not answer; try again shortly."
    default_code = "twilio_unavailable"

    def __init__(self, retry_after: int = 5) -> None:
        super().__init__()
        # DRF's handler turns `wait` into the Retry-After header.
        self.wait = retry_after


class WebhooksNotConfigured(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "This server is not configured to receive Twilio callbacks."
    default_code = "webhooks_not_configured"


class InvalidSignature(exceptions.PermissionDenied):
    default_detail = "The X-Twilio-Signature header is missing or wrong."
    default_code = "invalid_signature"


class InvalidParameter(TokenRefused):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Invalid input."
    default_code = "invalid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.fields = {field: [message]}


class UnsupportedBody(TokenRefused):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_detail = "Send a JSON object or a form (application/x-www-form-urlencoded)."
    default_code = "unsupported_media_type"


class TooManySessions(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "Too many active API sessions: log out of one first."
    default_code = "too_many_sessions"


class CrossSiteRequest(exceptions.PermissionDenied):
    """A browser says another site's page or link made the request."""

    default_detail = "This request was made by another site's page: refused."
    default_code = "cross_site_request"


class LoginLocked(exceptions.Throttled):
    default_detail = "Too many failed logins. Try again later."
    default_code = "login_locked"
    wait: int  # set by Throttled(wait=...): the stubs do not declare it


class RateLimitUnavailable(exceptions.APIException):
    """The shared cache holding rate limits does not answer: fail closed."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Rate limiting is unavailable; try again shortly."
    default_code = "rate_limit_unavailable"
    wait = RETRY_AFTER_SECONDS


class DatabaseUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database does not answer; try again shortly."
    default_code = "database_unavailable"
    wait = RETRY_AFTER_SECONDS


def exception_handler(exc: Exception, context: dict[str, Any]) -> Any:
    """DRF's handler, with a `code` in every body and validation errors flattened."""
    # Imported here: rest_framework.views loads the authentication classes,
    # which import the models, which import this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DatabaseError):
        # The transaction is rolled back by DRF's handler: nothing half-written.
        logger.error("database error: %s", type(exc).__name__)
        exc = DatabaseUnavailable()
    elif isinstance(exc, Http404):  # e.g. DRF's ?format= naming no renderer
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    response.data = error_body(exc)
    return response


def error_body(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        return _validation_body(exc.detail)
    body: dict[str, Any] = {"detail": str(exc.detail), "code": _code_of(exc)}
    fields = getattr(exc, "fields", None)
    if fields:
        body["fields"] = fields
    return body


def _code_of(exc: exceptions.APIException) -> str:
    code = getattr(exc.detail, "code", None)
    return str(code or exc.default_code)


def _validation_body(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        fields = {
            name: [str(m) for m in _as_list(msgs)] for name, msgs in detail.items()
        }
        first_name, first_messages = next(
            iter(fields.items()), ("input", ["Invalid input."])
        )
        text = (
            f"{first_name}: {first_messages[0]}" if first_messages else "Invalid input."
        )
        if first_name == "non_field_errors":
            text = first_messages[0]
        return {"detail": text, "code": "invalid", "fields": fields}
    messages = [str(m) for m in _as_list(detail)]
    return {"detail": messages[0] if messages else "Invalid input.", "code": "invalid"}


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [msg for msgs in value.values() for msg in _as_list(msgs)]
    return list(value) if isinstance(value, list | tuple) else [value]


def json_error(status_code: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status_code)


def with_retry_after(response: Response) -> Response:
    """A 503 says when to try again, whoever answers it."""
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def bad_request(request: Any, exception: Exception | None = None) -> JsonResponse:
    return json_error(400, "bad_request", "Bad request.")


def permission_denied(request: Any, exception: Exception | None = None) -> JsonResponse:
    return json_error(
        403, "permission_denied", "You do not have permission to do this."
    )


def page_not_found(request: Any, exception: Exception | None = None) -> JsonResponse:
    return json_error(404, "not_found", "Not found.")


def server_error(request: Any) -> JsonResponse:
    # Django calls this while it handles the exception. A database failing
    # outside a DRF view (the CSRF check loading a browser's session, a page)
    # is the same outage as inside one: 503, not 500.
    if isinstance(sys.exc_info()[1], DatabaseError):
        unavailable = DatabaseUnavailable()
        return with_retry_after(
            json_error(503, unavailable.default_code, str(unavailable.detail))
        )
    return json_error(500, "server_error", "Server error.")
