"""The stand-in provider, configured as the server's one OpenID provider."""

import pytest

from tests.standins.oidc_provider import OidcProvider
from tokens.sso.models import OidcLink


@pytest.fixture
def provider(settings):
    """A fresh provider (new port, new keys) per test: no cache is shared."""
    stand_in = OidcProvider(audience="com.example.app")
    settings.OIDC_ISSUER = stand_in.issuer
    settings.OIDC_AUDIENCES = ["com.example.app", "web-client-id"]
    settings.OIDC_TIMEOUT = 0.5
    settings.OIDC_JWKS_COOLDOWN = 0.3
    yield stand_in
    stand_in.close()


@pytest.fixture
def alice_linked(alice, provider):
    OidcLink.objects.create(issuer=provider.issuer, subject="sub-alice", user=alice)
    return alice
