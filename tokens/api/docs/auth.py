"""The OpenAPI description of login, logout and the two authentication schemes.

The login body is documented from tokens.api.serializers.LoginSerializer,
the serializer that validates it.
"""

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers

from tokens import errors
from tokens.api.docs.errors import SIGNED_IN_ERRORS, error_responses
from tokens.api.docs.headers import NO_STORE, RETRY_AFTER, WWW_AUTHENTICATE
from tokens.api.serializers import LoginSerializer

LOGIN_ERRORS = {
    400: (exceptions.ValidationError.default_code, exceptions.ParseError.default_code),
    401: ("invalid_credentials",),
    403: (errors.TooManySessions.default_code, errors.CrossSiteRequest.default_code),
    415: (exceptions.UnsupportedMediaType.default_code,),
    429: (exceptions.Throttled.default_code, errors.LoginLocked.default_code),
    503: (errors.RateLimitUnavailable.default_code,),
}


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
