"""The provider's keys: cached, refreshed on rotation, at most once per cooldown;
a provider that is down or slow gets a 503, never an unverified sign-in."""

import time

import jwt
import pytest
from rest_framework.test import APIClient

from tests.helpers import assert_refused

URL = "/api/auth/oidc/"
DISCOVERY = "/.well-known/openid-configuration"


def sign_in(id_token):
    return APIClient().post(URL, {"id_token": id_token}, format="json")


def with_kid(provider, kid: str) -> str:
    key = provider.keys[0]
    return jwt.encode(
        provider.claims(), key.private, algorithm="RS256", headers={"kid": kid}
    )


def past_cooldown(settings):
    time.sleep(settings.OIDC_JWKS_COOLDOWN + 0.05)


def test_rotated_keys_are_accepted_after_one_refresh(alice_linked, provider, settings):
    assert sign_in(provider.id_token()).status_code == 200
    provider.rotate()
    past_cooldown(settings)
    for kind in ("RSA", "EC"):
        assert sign_in(provider.id_token(kind=kind)).status_code == 200
    assert provider.requests["/jwks"] == 2


def test_an_unknown_kid_is_refused_after_one_refresh(alice_linked, provider, settings):
    assert sign_in(provider.id_token()).status_code == 200
    past_cooldown(settings)
    response = sign_in(with_kid(provider, "made-up"))
    assert_refused(response, 401, "invalid_id_token", api_tokens=1)
    assert provider.requests["/jwks"] == 2


def test_a_flood_of_unknown_kids_causes_at_most_one_refresh(
    alice_linked, provider, settings
):
    assert sign_in(provider.id_token()).status_code == 200
    past_cooldown(settings)
    for n in range(20):
        assert sign_in(with_kid(provider, f"bogus-{n}")).status_code == 401
    assert provider.requests["/jwks"] == 2
    assert provider.requests[DISCOVERY] == 1


def test_a_key_rotated_within_the_cooldown_waits_for_it(
    alice_linked, provider, settings
):
    settings.OIDC_JWKS_COOLDOWN = 60.0
    assert sign_in(provider.id_token()).status_code == 200
    provider.rotate()
    assert sign_in(provider.id_token()).status_code == 401
    assert provider.requests["/jwks"] == 1


def test_a_provider_that_is_down_gets_503_with_retry_after(alice_linked, provider):
    provider.fail = True
    response = sign_in(provider.id_token())
    assert_refused(response, 503, "identity_provider_unavailable")
    assert response["Retry-After"] == "30"


def test_keys_that_cannot_be_fetched_get_503(alice_linked, provider, settings):
    assert sign_in(provider.id_token()).status_code == 200
    provider.rotate()
    provider.fail = True
    past_cooldown(settings)
    response = sign_in(provider.id_token())
    assert_refused(response, 503, "identity_provider_unavailable", api_tokens=1)


def test_a_slow_provider_is_waited_for_only_oidc_timeout(alice_linked, provider):
    provider.delay = 2.0
    started = time.monotonic()
    response = sign_in(provider.id_token())
    assert time.monotonic() - started < 1.5  # OIDC_TIMEOUT is 0.5 s here
    assert_refused(response, 503, "identity_provider_unavailable")


def test_a_discovery_naming_another_issuer_is_not_used(
    alice_linked, provider, monkeypatch
):
    real = provider.discovery
    monkeypatch.setattr(provider, "discovery", lambda: real() | {"issuer": "x"})
    assert_refused(sign_in(provider.id_token()), 503, "identity_provider_unavailable")


def test_a_provider_that_is_down_is_asked_once_per_cooldown(alice_linked, provider):
    provider.fail = True
    for _ in range(5):
        assert sign_in(provider.id_token()).status_code == 503
    assert provider.requests[DISCOVERY] == 1


def test_the_provider_comes_back_without_a_restart(alice_linked, provider, settings):
    provider.fail = True
    assert sign_in(provider.id_token()).status_code == 503
    provider.fail = False
    past_cooldown(settings)
    assert sign_in(provider.id_token()).status_code == 200


@pytest.mark.django_db
def test_nothing_is_fetched_for_a_token_refused_by_its_header(provider):
    sign_in(jwt.encode({"sub": "x"}, "k" * 32, algorithm="HS256"))
    assert not provider.requests
