"""The OpenAPI description of /token, GET and POST.

The parameters are documented from the fields that validate them,
tokens.issuing.params.TOKEN_PARAM_FIELDS (types, lengths, patterns and help
texts), so the documentation cannot drift from the checks.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers

from tokens import errors
from tokens.api.docs.errors import AUTH_CODES, error_responses
from tokens.api.docs.fields import grant_list
from tokens.api.docs.headers import NO_STORE, RETRY_AFTER, WWW_AUTHENTICATE
from tokens.issuing.params import TOKEN_PARAM_FIELDS

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
        errors.TwilioUnavailable.default_code,
        errors.RateLimitUnavailable.default_code,
    ),
}
# Only a POST can miss its CSRF token.
TOKEN_POST_ERRORS = {
    **TOKEN_ERRORS,
    403: (*TOKEN_ERRORS[403], exceptions.PermissionDenied.default_code),
    415: (exceptions.UnsupportedMediaType.default_code,),
}

# The serializer only documents: parse_token_params validates with the same
# field instances (a Serializer copies its declared fields for each use).
TokenParamsSerializer = type(
    "TokenParamsSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "The /token parameters: all optional.",
        "__module__": __name__,
        "Meta": type("Meta", (), {"ref_name": "TokenParams"}),
        **TOKEN_PARAM_FIELDS,
    },
)


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
