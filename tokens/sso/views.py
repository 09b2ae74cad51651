"""`POST /api/auth/oidc/`: an ID token from the provider in, an API token out."""

import logging

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from tokens.api.docs.sso import oidc_login
from tokens.api.views import LoginView, _mapping_body
from tokens.metrics.record import sign_in
from tokens.sso import accounts, config, errors, rules
from tokens.sso.provider import ProviderUnavailable
from tokens.sso.serializers import OidcLoginSerializer
from tokens.sso.verify import InvalidIdToken, peek_issuer, verify_id_token

logger = logging.getLogger(__name__)


@method_decorator(sensitive_post_parameters("id_token"), name="dispatch")
class OidcLoginView(LoginView):
    """The password login's throttle, cross-site refusal and API session."""

    @oidc_login
    @sensitive_variables()  # the ID token, then the new API token
    @sign_in("oidc")
    def post(self, request: Request) -> Response:
        serializer = OidcLoginSerializer(data=_mapping_body(request))
        serializer.is_valid(raise_exception=True)
        id_token = serializer.validated_data["id_token"]
        try:
            settings = choose_provider(
                id_token, serializer.validated_data.get("provider")
            )
            claims = verify_id_token(id_token, config=settings)
        except InvalidIdToken as exc:
            logger.info("oidc login refused: %s", exc)
            raise errors.InvalidIdTokenError() from None
        except ProviderUnavailable as exc:
            logger.warning("identity provider unavailable: %s", exc)
            raise errors.ProviderUnavailableError() from None
        try:
            user = accounts.user_for(claims, settings, accounts.current_policy())
        except rules.Refused as refusal:
            logger.info("oidc login refused: %s", refusal.code)
            if refusal.code == "account_inactive":
                raise errors.AccountInactive() from None
            raise errors.UserUnknown() from None
        return self._login(request, user, serializer.validated_data)


def choose_provider(id_token: str, name: str | None) -> config.OidcConfig:
    """The provider named, or else the one whose issuer the token claims.

    The claim is read unverified only to choose; the token is then verified
    against that provider's keys and exact issuers like any other.
    """
    if not config.all_providers():
        raise errors.OidcNotConfigured()
    if name is not None:
        found = config.by_name(name)
        if found is None:
            raise exceptions.ValidationError({"provider": ["No such provider here."]})
        return found
    found = config.by_issuer(peek_issuer(id_token))
    if found is None:
        raise InvalidIdToken("its iss is no provider's")
    return found
