"""The OpenAPI description of the JSON API (drf-spectacular).

The serializers here only document shapes: nothing validates with them. The
error codes come from the exception classes that raise them, so a renamed
code shows up here. `finish` (a postprocessing hook in SPECTACULAR_SETTINGS)
adds the long description and /healthz.
"""

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, serializers

from tokens import errors, policy
from tokens.api.serializers import LoginSerializer
from tokens.models import validate_room_name

DEVICE_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"

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
    exceptions.UnsupportedMediaType.default_code: (
        "a body that is neither JSON nor a form"
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
        errors.CrossSiteRequest,
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

# Per status, the codes each operation may answer with.
TOKEN_ERRORS = {
    400: (exceptions.ValidationError.default_code, errors.RoomRequired.default_code),
    401: AUTH_CODES,
    403: (
        errors.RoomNotPermitted.default_code,
        errors.GrantNotPermitted.default_code,
        errors.NoGrants.default_code,
        errors.IdentityMismatch.default_code,
        errors.CrossSiteRequest.default_code,
    ),
    429: (exceptions.Throttled.default_code,),
    503: (
        errors.TwilioNotConfigured.default_code,
        errors.GrantNotConfigured.default_code,
        errors.RateLimitUnavailable.default_code,
    ),
}
# Only a POST can miss its CSRF token.
TOKEN_POST_ERRORS = {
    **TOKEN_ERRORS,
    403: (*TOKEN_ERRORS[403], exceptions.PermissionDenied.default_code),
    415: (exceptions.UnsupportedMediaType.default_code,),
}
LOGIN_ERRORS = {
    400: (exceptions.ValidationError.default_code, exceptions.ParseError.default_code),
    401: ("invalid_credentials",),
    403: (errors.TooManySessions.default_code, errors.CrossSiteRequest.default_code),
    415: (exceptions.UnsupportedMediaType.default_code,),
    429: (exceptions.Throttled.default_code, errors.LoginLocked.default_code),
    503: (errors.RateLimitUnavailable.default_code,),
}
SIGNED_IN_ERRORS = {401: AUTH_CODES}
# /api/me/ takes a browser session too; logout takes only API tokens.
ME_ERRORS = {**SIGNED_IN_ERRORS, 403: (errors.CrossSiteRequest.default_code,)}


# Shapes.


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Text for people; may change.")
    code = serializers.CharField(help_text="A stable code: switch on this.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors only: the messages per parameter.",
    )

    class Meta:
        ref_name = "Error"


class TokenParamsSerializer(serializers.Serializer):
    """The /token parameters: all optional."""

    room = serializers.RegexField(
        validate_room_name.regex.pattern,
        max_length=128,
        required=False,
        help_text=(
            "A Video room's unique name (1-128 of `A-Z a-z 0-9 _ . -`). Locks "
            "the video grant to that room."
        ),
    )
    device = serializers.RegexField(
        DEVICE_PATTERN,
        max_length=64,
        required=False,
        help_text=(
            "A device label; the Conversations `endpoint_id` becomes "
            "`tokenserver:<identity>:<device>`."
        ),
    )
    grants = serializers.CharField(
        required=False,
        max_length=64,
        help_text=(
            f"Comma list from `{','.join(policy.GRANT_NAMES)}`. Default: every "
            "grant the user may get and the server is configured for (video "
            "only with `room` for a listed-rooms user); unconfigured grants "
            "are left out silently unless nothing else remains: then 503 "
            "`grant_not_configured`."
        ),
    )
    ttl = serializers.IntegerField(
        required=False,
        min_value=policy.MIN_TTL,
        max_value=policy.MAX_TTL,
        help_text=(
            f"Lifetime in seconds, from {policy.MIN_TTL} to the user's maximum "
            "(see `max_ttl` in /api/me/). Default: the server default, capped "
            "at the maximum."
        ),
    )
    identity = serializers.CharField(
        required=False,
        help_text=(
            "Never used to choose the identity. Accepted only when it equals "
            "the user's identity (for old clients)."
        ),
    )

    class Meta:
        ref_name = "TokenParams"


@extend_schema_field(
    {"type": "string", "enum": list(policy.GRANT_NAMES)}, component_name="Grant"
)
class GrantField(serializers.ChoiceField):
    """A grant name: one component, whichever list it is in."""

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=policy.GRANT_NAMES, **kwargs)


def grant_list(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=GrantField(), help_text=help_text)


class TokenResponseSerializer(serializers.Serializer):
    identity = serializers.CharField(help_text="The authenticated user's identity.")
    token = serializers.CharField(help_text="The Twilio Access Token (a JWT).")
    ttl = serializers.IntegerField(help_text="Lifetime of the token in seconds.")
    expires_at = serializers.DateTimeField(help_text="ISO 8601 in UTC (`...Z`).")
    grants = grant_list("The grants in the token.")
    room = serializers.CharField(
        allow_null=True, help_text="The room the video grant is locked to, or null."
    )

    class Meta:
        ref_name = "TokenResponse"


class LoginResponseSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="The API token: send it as `Authorization: Token <token>`."
    )
    expiry = serializers.DateTimeField(
        help_text="When the API token expires, ISO 8601 in UTC."
    )
    identity = serializers.CharField(help_text="The user's Twilio identity.")

    class Meta:
        ref_name = "LoginResponse"


class RoomEntrySerializer(serializers.Serializer):
    name = serializers.CharField()
    display_name = serializers.CharField()
    active = serializers.BooleanField()
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    source = serializers.CharField(
        help_text="Where the access comes from: `personal` or `group <name>`."
    )
    state = serializers.ChoiceField(
        choices=("open", "upcoming", "ended", "inactive"),
        help_text=(
            "`open`: may join now; `upcoming`: the window opens later; `ended`: "
            "the window has closed; `inactive`: the room is switched off."
        ),
    )

    class Meta:
        ref_name = "RoomEntry"


class MeSerializer(serializers.Serializer):
    identity = serializers.CharField()
    grants = grant_list("The grants the user may get now.")
    not_configured = grant_list(
        "Grants the user may get but the server is not configured for."
    )
    video = serializers.ChoiceField(
        choices=(policy.VIDEO_NONE, policy.VIDEO_LISTED, policy.VIDEO_ANY),
        help_text="Which rooms: none, listed rooms only, or any room.",
    )
    max_ttl = serializers.IntegerField()
    default_ttl = serializers.IntegerField()
    sources = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per grant, the rules that give it (`personal`, `group <name>`).",
    )
    rooms = RoomEntrySerializer(many=True)
    next_change = serializers.DateTimeField(
        allow_null=True,
        help_text="The next time one of the room windows opens or closes.",
    )
    demo = serializers.BooleanField(
        help_text="True when tokens are signed with fake credentials."
    )
    warning = serializers.CharField(required=False, help_text="Demo mode only.")

    class Meta:
        ref_name = "Me"


# Responses.


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
    table: dict[int, tuple[str, ...]], invalid: tuple[str, str] = TTL_INVALID
) -> dict[int, OpenApiResponse]:
    """`invalid`: the field and message of the example for `invalid`."""
    return {
        status: error_response(status, codes, invalid)
        for status, codes in table.items()
    }


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
        f"lockout ends; on every 503 `{errors.RETRY_AFTER_SECONDS}`."
    ),
    response=[429, 503],
)
WWW_AUTHENTICATE = OpenApiParameter(
    "WWW-Authenticate",
    location=OpenApiParameter.HEADER,
    description="`Token`.",
    response=[401],
)

ISSUE_DESCRIPTION = """\
A Twilio Access Token for the authenticated user, made by
`twilio.jwt.access_token.AccessToken` (HS256, `cty: twilio-fpa;v=1`). The
identity is always the user's. Grants and rooms follow the rules staff manage
in the admin; a token never outlives the room window it was issued for.
Every refusal of an authenticated user's request is recorded in the audit
log with its code; answers given before the user is known or the request is
let in (401, 405, 429, the CSRF and cross-site 403s, `rate_limit_unavailable`,
`database_unavailable`) are not.
"""

token_get = extend_schema(
    operation_id="token_get",
    tags=["token"],
    summary="Get a Twilio Access Token",
    description=ISSUE_DESCRIPTION + "\nParameters go in the query string.",
    parameters=[TokenParamsSerializer, NO_STORE, RETRY_AFTER, WWW_AUTHENTICATE],
    responses={200: TokenResponseSerializer, **error_responses(TOKEN_ERRORS)},
)

token_post = extend_schema(
    operation_id="token_post",
    tags=["token"],
    summary="Get a Twilio Access Token (parameters in the body)",
    description=ISSUE_DESCRIPTION
    + "\nParameters go in a JSON or form body; any in the query string is "
    "refused (`invalid`). A browser session needs the CSRF token.",
    request=TokenParamsSerializer,
    parameters=[NO_STORE, RETRY_AFTER, WWW_AUTHENTICATE],
    responses={200: TokenResponseSerializer, **error_responses(TOKEN_POST_ERRORS)},
)

login = extend_schema(
    operation_id="login",
    tags=["auth"],
    summary="Log in: get an API token",
    description=(
        "A new API token per login, stored hashed, valid "
        "`TOKENSERVER_API_TOKEN_TTL` seconds. Send it as "
        "`Authorization: Token <token>`. Any API token sent is ignored."
    ),
    auth=[],
    request=LoginSerializer,
    parameters=[NO_STORE, RETRY_AFTER, WWW_AUTHENTICATE],
    responses={
        200: LoginResponseSerializer,
        **error_responses(LOGIN_ERRORS, ("username", "This field is required.")),
    },
)

logout = extend_schema_view(
    post=extend_schema(
        operation_id="logout",
        tags=["auth"],
        summary="Log out: the API token used stops working",
        description="Works only with an API token, not with a browser session.",
        request=None,
        parameters=[WWW_AUTHENTICATE],
        responses={
            204: OpenApiResponse(description="Logged out."),
            **error_responses(SIGNED_IN_ERRORS),
        },
    )
)

logout_all = extend_schema_view(
    post=extend_schema(
        operation_id="logout_all",
        tags=["auth"],
        summary="Log out everywhere: every API token of the user stops working",
        description="Works only with an API token, not with a browser session.",
        request=None,
        parameters=[WWW_AUTHENTICATE],
        responses={
            204: OpenApiResponse(description="Logged out everywhere."),
            **error_responses(SIGNED_IN_ERRORS),
        },
    )
)

me = extend_schema(
    operation_id="me",
    tags=["me"],
    summary="What the user may get now",
    description=(
        "The user's identity, the grants they may get now, where each comes "
        "from, their maximum and default TTL, and the rooms they may join with "
        "their windows. In demo mode also `demo: true` and a `warning`."
    ),
    parameters=[WWW_AUTHENTICATE],
    responses={200: MeSerializer, **error_responses(ME_ERRORS)},
)


# Authentication schemes.


class ApiTokenScheme(KnoxTokenScheme):
    """ApiTokenAuthentication: knox's header, `Token <token>`."""

    target_class = "tokens.api.authentication.ApiTokenAuthentication"
    name = "Token"

    def get_security_definition(self, auto_schema):
        definition = super().get_security_definition(auto_schema)
        definition["description"] = (
            "An API token from `POST /api/auth/login/`, sent as "
            "`Authorization: Token <token>` (type the word `Token`, a space, "
            "then the token)."
        )
        return definition


class SessionScheme(OpenApiAuthenticationExtension):
    """The browser session from /accounts/login/, from this site's own pages;
    unsafe methods need CSRF."""

    target_class = "tokens.api.authentication.SameOriginSessionAuthentication"
    name = "cookieAuth"
    priority = 0  # above drf-spectacular's own (-1), for the description

    def get_security_definition(self, auto_schema):
        from django.conf import settings

        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": (
                "A browser session from `/accounts/login/`, for requests made "
                "by this site's own pages (a request another site's page or "
                "link makes is refused: 403 `cross_site_request`). A `POST` "
                "also needs the CSRF token in the `X-CSRFToken` header."
            ),
        }


# /healthz is a plain Django view: added to the schema by a hook.

HEALTHZ = {
    "get": {
        "operationId": "healthz",
        "summary": "Health check",
        "description": (
            "For load balancers: no authentication, answered before the host "
            "check and the HTTPS redirect."
        ),
        "tags": ["health"],
        "security": [],
        "responses": {
            "200": {
                "description": "The database answers.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {"status": {"type": "string"}},
                            "required": ["status"],
                            "example": {"status": "ok"},
                        }
                    }
                },
            },
            "503": {
                "description": "The database does not answer: `code` is "
                "`database_unavailable`.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "status": {"type": "string"},
                                "detail": {"type": "string"},
                                "code": {"type": "string"},
                            },
                            "required": ["status", "detail", "code"],
                        }
                    }
                },
            },
        },
    }
}


DESCRIPTION = """\
Twilio Access Tokens for authenticated users.

Log in with `POST /api/auth/login/` to get an API token, then send it as
`Authorization: Token <token>`. A browser session (from `/accounts/login/`)
also works for `/token` and `/api/me/` from this site's own pages (not from
another site's page or link); a session `POST` needs the CSRF token.

Every error body is JSON `{"detail", "code"}`; validation errors add
`"fields"`. Switch on `code`, never on `detail`. Besides the codes listed per
operation, any endpoint answers `405 method_not_allowed` to a method it does
not support, `400 bad_request` to a `Host` the server does not serve or to
more than 1,000 parameters, `404 not_found` to a path or `?format=` that does
not exist, `503 database_unavailable` when the database does not answer, and
`500 server_error` to a fault of its own. Every 503 carries `Retry-After: 30`.

`GET /healthz` (no authentication) answers `200 {"status": "ok"}` when the
database answers and `503` with code `database_unavailable` otherwise.
"""


def finish(result, generator, request, public):
    """Postprocessing hook: the long description and /healthz (a plain Django view)."""
    result["info"]["description"] = DESCRIPTION
    result.setdefault("paths", {})["/healthz"] = HEALTHZ
    return result
