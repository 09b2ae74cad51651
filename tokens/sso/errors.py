"""The refusals of `POST /api/auth/oidc/`, each with its stable code."""

from rest_framework import exceptions, status

from tokens.errors import RETRY_AFTER_SECONDS


class InvalidIdTokenError(exceptions.AuthenticationFailed):
    default_detail = "The ID token is not valid here."
    default_code = "invalid_id_token"


class UserUnknown(exceptions.PermissionDenied):
    default_detail = (
        "No account here is linked to this identity provider account. Ask staff."
    )
    default_code = "oidc_user_unknown"


class AccountInactive(exceptions.PermissionDenied):
    default_detail = "This account is deactivated."
    default_code = "account_inactive"


class ProviderUnavailableError(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The identity provider does not answer; try again shortly."
    default_code = "identity_provider_unavailable"
    wait = RETRY_AFTER_SECONDS


class OidcNotConfigured(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Sign-in with an identity provider is not configured here."
    default_code = "oidc_not_configured"
    wait = RETRY_AFTER_SECONDS
