"""The OpenAPI description of `POST /api/auth/oidc/` (tokens/sso/)."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions

from tokens import errors
from tokens.api.docs.auth import LoginResponseSerializer
from tokens.api.docs.errors import error_responses
from tokens.api.docs.headers import NO_STORE, RETRY_AFTER
from tokens.sso import errors as sso_errors
from tokens.sso.serializers import OidcLoginSerializer

OIDC_LOGIN_ERRORS = {
    400: (exceptions.ValidationError.default_code, exceptions.ParseError.default_code),
    401: (sso_errors.InvalidIdTokenError.default_code,),
    403: (
        sso_errors.UserUnknown.default_code,
        sso_errors.AccountInactive.default_code,
        errors.TooManySessions.default_code,
        errors.CrossSiteRequest.default_code,
    ),
    415: (exceptions.UnsupportedMediaType.default_code,),
    429: (exceptions.Throttled.default_code,),
    503: (
        sso_errors.ProviderUnavailableError.default_code,
        sso_errors.OidcNotConfigured.default_code,
        errors.RateLimitUnavailable.default_code,
    ),
}

oidc_login = extend_schema(
    operation_id="oidc_login",
    tags=["auth"],
    summary="Sign in with your identity provider: an ID token for an API token",
    description=(
        "Send the ID token your app got from the provider named by "
        "`OIDC_ISSUER` (Sign in with Apple's `identityToken`, Google's "
        "`idToken`, ...). It is verified against the provider's published "
        "keys (RS256 or ES256 only), its `iss`, `aud` (one of "
        "`OIDC_AUDIENCES`), `azp` when present, `exp`, `iat` and `nbf` "
        "(60 seconds of clock slack). The account is the one staff linked "
        "to the token's issuer and `sub`; none is created. The answer is the "
        "password login's: a new API token, stored hashed. Throttled with "
        "the password login's rate."
    ),
    auth=[],
    request=OidcLoginSerializer,
    parameters=[NO_STORE, RETRY_AFTER],
    responses={
        200: LoginResponseSerializer,
        **error_responses(OIDC_LOGIN_ERRORS, ("id_token", "This field is required.")),
    },
)
