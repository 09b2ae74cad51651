"""The error answers of the JSON API: what each code means, its example, the body.

The codes come from the exception classes that raise them, so a renamed code
shows up here. Each operation's module lists, per status, the codes it may
answer with; error_responses turns that table into documented responses.
"""

from collections.abc import Mapping

from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import exceptions, serializers

from tokens import errors
from tokens.sso import errors as sso_errors

# The default grant set (no `grants` asked) and grant_not_configured.
DEFAULT_GRANTS_UNCONFIGURED = (
    "a grant asked for in `grants` needs a service SID the server lacks; or no "
    "`grants` was asked for and every grant the user may get now needs one "
    "(`detail` names them). When other grants remain, the unconfigured ones "
    "are left out of the default set silently"
)

# What each error code means, for the descriptions (README "Error codes").
CODE_MEANINGS = {
    exceptions.ValidationError.default_code: (
        "a parameter given twice, a malformed value, an unknown grant, a `ttl` "
        "out of range, a body that is not a JSON object or form; `fields` "
        "names the parameter"
    ),
    exceptions.ParseError.default_code: "the body is not valid JSON, or repeats a key",
    errors.RoomRequired.default_code: (
        "video asked for (or the only grant) by a user who may only join "
        "listed rooms, without `room`"
    ),
    exceptions.NotAuthenticated.default_code: "no credentials were sent",
    exceptions.AuthenticationFailed.default_code: (
        "a wrong or revoked API token, or a deactivated user"
    ),
    "token_expired": "the API token has expired: log in again",
    "invalid_credentials": ("wrong username or password (the same answer for both)"),
    errors.RoomNotPermitted.default_code: (
        "no access to the room now: no access row, the window has not opened "
        "or has closed, the room is inactive or unknown (one answer for all)"
    ),
    errors.GrantNotPermitted.default_code: (
        "a grant asked for that the user may not get"
    ),
    errors.NoGrants.default_code: "the user may get no grant at all",
    errors.IdentityMismatch.default_code: "`identity` sent and not the user's",
    exceptions.PermissionDenied.default_code: (
        "a browser-session `POST` without a valid CSRF token"
    ),
    errors.CrossSiteRequest.default_code: (
        "made by another site's page or link (the browser's `Sec-Fetch-Site` "
        "is `cross-site` or `same-site`): a browser session, or a login from "
        "a page that is not on an allowed CORS origin"
    ),
    errors.TooManySessions.default_code: (
        "the user already has the most active API tokens allowed: log out of one"
    ),
    exceptions.Throttled.default_code: (
        "too many requests; `Retry-After` says when to try again"
    ),
    errors.LoginLocked.default_code: (
        "too many failed logins for this username or from this address; "
        "`Retry-After` says when to try again"
    ),
    errors.TwilioNotConfigured.default_code: (
        "the server lacks the Twilio account SID, API key or secret "
        "(`detail` names the variables)"
    ),
    errors.GrantNotConfigured.default_code: DEFAULT_GRANTS_UNCONFIGURED,
    errors.RateLimitUnavailable.default_code: (
        "the cache holding the rate limits does not answer; try again shortly"
    ),
    errors.TwilioUnavailable.default_code: (
        "the room named is managed here and had to be created on Twilio "
        "first, and Twilio failed or did not answer in time (recorded); "
        "`Retry-After` says when to try again"
    ),
    exceptions.UnsupportedMediaType.default_code: (
        "a body that is neither JSON nor a form"
    ),
    sso_errors.InvalidIdTokenError.default_code: (
        "the ID token failed verification: signature, algorithm, issuer, "
        "audience, `azp`, expiry, not yet valid, unknown key or too large "
        "(one answer for all; the reason is only in the server's log)"
    ),
    sso_errors.UserUnknown.default_code: (
        "a valid ID token whose issuer and `sub` no account here is linked "
        "to: staff link accounts in the admin"
    ),
    sso_errors.AccountInactive.default_code: (
        "a valid ID token for a deactivated account"
    ),
    sso_errors.ProviderUnavailableError.default_code: (
        "the identity provider's discovery document or keys could not be "
        "fetched in time; `Retry-After` says when to try again"
    ),
    sso_errors.OidcNotConfigured.default_code: (
        "`OIDC_ISSUER` or `OIDC_AUDIENCES` is unset or unusable"
    ),
}

EXAMPLE_DETAILS = {
    error.default_code: str(error.default_detail)
    for error in (
        exceptions.NotAuthenticated,
        exceptions.PermissionDenied,
        errors.RoomRequired,
        errors.RoomNotPermitted,
        errors.GrantNotPermitted,
        errors.NoGrants,
        errors.IdentityMismatch,
        errors.TwilioNotConfigured,
        errors.GrantNotConfigured,
        errors.TooManySessions,
        errors.LoginLocked,
        errors.RateLimitUnavailable,
        errors.TwilioUnavailable,
        errors.CrossSiteRequest,
        sso_errors.InvalidIdTokenError,
        sso_errors.UserUnknown,
        sso_errors.AccountInactive,
        sso_errors.ProviderUnavailableError,
        sso_errors.OidcNotConfigured,
    )
} | {
    exceptions.AuthenticationFailed.default_code: "Invalid token.",
    exceptions.ParseError.default_code: (
        "JSON parse error - the body is not valid JSON."
    ),
    exceptions.UnsupportedMediaType.default_code: (
        'Unsupported media type "text/plain" in request.'
    ),
    "token_expired": "Token has expired.",
    "invalid_credentials": "Unable to log in with the given username and password.",
    exceptions.Throttled.default_code: "Request was throttled. Expected available "
    "in 42 seconds.",
}

AUTH_CODES = (
    exceptions.NotAuthenticated.default_code,
    exceptions.AuthenticationFailed.default_code,
    "token_expired",
)
SIGNED_IN_ERRORS = {401: AUTH_CODES}


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Text for people; may change.")
    code = serializers.CharField(help_text="A stable code: switch on this.")
    # DRF's serializer metaclass takes declared fields out of the class, so
    # this does not replace Serializer.fields; the stubs cannot know that.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors only: the messages per parameter.",
    )

    class Meta:
        ref_name = "Error"


TTL_INVALID = ("ttl", "Ensure ttl is between 180 and 3600 seconds.")


def example_body(code: str, invalid: tuple[str, str]) -> dict:
    if code == exceptions.ValidationError.default_code:
        field, message = invalid
        return {
            "detail": f"{field}: {message}",
            "code": code,
            "fields": {field: [message]},
        }
    return {"detail": EXAMPLE_DETAILS[code], "code": code}


def error_response(
    status: int, codes: tuple[str, ...], invalid: tuple[str, str] = TTL_INVALID
) -> OpenApiResponse:
    lines = "\n".join(f"- `{code}`: {CODE_MEANINGS[code]}" for code in codes)
    return OpenApiResponse(
        ErrorSerializer,
        description=f"Refused. `code` is one of:\n\n{lines}",
        examples=[
            OpenApiExample(
                code,
                value=example_body(code, invalid),
                status_codes=[status],
                response_only=True,
            )
            for code in codes
        ],
    )


def error_responses(
    table: Mapping[int, tuple[str, ...]], invalid: tuple[str, str] = TTL_INVALID
) -> dict[int, OpenApiResponse]:
    """`invalid`: the field and message of the example for `invalid`."""
    return {
        status: error_response(status, codes, invalid)
        for status, codes in table.items()
    }
