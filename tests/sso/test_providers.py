"""Several providers: each token is verified against the provider it names."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from rest_framework.test import APIClient

from tests.helpers import assert_refused
from tests.standins.oidc_provider import OidcProvider
from tokens.sso import config
from tokens.sso.models import OidcLink

URL = "/api/auth/oidc/"


def entry(name, issuer, audiences, **extra):
    return {
        "name": name,
        "issuer": issuer,
        "also_issuers": [],
        "audiences": audiences,
        "client_id": "",
        "client_secret": "",
        "label": name.title(),
    } | extra


@pytest.fixture
def two(settings, provider):
    corp = OidcProvider(audience="corp-app")
    settings.OIDC_PROVIDER_SETTINGS = [entry("corp", corp.issuer, ["corp-app"])]
    yield provider, corp
    corp.close()


def sign_in(id_token, **body):
    return APIClient().post(URL, {"id_token": id_token, **body}, format="json")


def test_each_providers_token_signs_in_its_own_linked_user(two, alice, bob):
    first, corp = two
    OidcLink.objects.create(issuer=first.issuer, subject="s", user=alice)
    OidcLink.objects.create(issuer=corp.issuer, subject="s", user=bob)
    assert sign_in(first.id_token("s")).json()["identity"] == alice.twilio_identity
    assert sign_in(corp.id_token("s")).json()["identity"] == bob.twilio_identity
    named = sign_in(corp.id_token("s"), provider="corp")
    assert named.json()["identity"] == bob.twilio_identity


def test_a_token_claiming_one_issuer_signed_by_the_other_is_refused(two, alice):
    first, corp = two
    OidcLink.objects.create(issuer=first.issuer, subject="s", user=alice)
    forged = corp.id_token("s", iss=first.issuer, aud="com.example.app")
    assert_refused(sign_in(forged), 401, "invalid_id_token")
    # Named explicitly, the other provider's keys and issuer are checked.
    token = first.id_token("s")
    assert_refused(sign_in(token, provider="corp"), 401, "invalid_id_token")


def test_an_issuer_no_provider_has_is_refused_before_any_fetch(two, alice):
    first, corp = two
    token = first.id_token("s", iss="https://evil.example.com")
    assert_refused(sign_in(token), 401, "invalid_id_token")
    assert not first.requests
    assert not corp.requests


@pytest.mark.django_db
def test_an_unknown_provider_name_is_400(two):
    assert_refused(sign_in("x.y.z", provider="nope"), 400, "invalid")


def test_presets_fill_apple_and_googles_documented_issuers(settings, monkeypatch):
    from tokenserver import oidc_settings

    monkeypatch.setenv("OIDC_PROVIDERS", "apple,google")
    monkeypatch.setenv("OIDC_APPLE_AUDIENCES", "com.example.app")
    monkeypatch.setenv("OIDC_GOOGLE_AUDIENCES", "123.apps.googleusercontent.com")
    settings.OIDC_ISSUER, settings.OIDC_AUDIENCES = "", []
    settings.OIDC_PROVIDER_SETTINGS = oidc_settings._providers()
    apple, google = config.all_providers()
    assert apple.issuers == ("https://appleid.apple.com",)
    assert apple.label == "Apple"
    assert google.issuers == ("https://accounts.google.com", "accounts.google.com")
    assert config.by_issuer("accounts.google.com") == google
    # Only Google's preset takes the form without https://.
    assert config.by_issuer("appleid.apple.com") is None
    call_command("check")


def test_google_tokens_with_either_documented_iss_are_accepted(
    settings, provider, alice
):
    bare = provider.issuer.removeprefix("http://")
    settings.OIDC_ISSUER, settings.OIDC_AUDIENCES = "", []
    settings.OIDC_PROVIDER_SETTINGS = [
        entry("google", provider.issuer, ["com.example.app"], also_issuers=[bare])
    ]
    OidcLink.objects.create(issuer=provider.issuer, subject="s", user=alice)
    assert sign_in(provider.id_token("s")).status_code == 200
    assert sign_in(provider.id_token("s", iss=bare)).status_code == 200
    assert_refused(
        sign_in(provider.id_token("s", iss=bare + "/")),
        401,
        "invalid_id_token",
        api_tokens=2,
    )


@pytest.mark.parametrize(
    ("value", "says"),
    [("apple,apple", "twice"), ("Bad-Name", "comma list"), ("oidc", "comma list")],
)
def test_bad_provider_lists_stop_startup(monkeypatch, value, says):
    from tokenserver import oidc_settings
    from tokenserver.envvars import ConfigError

    monkeypatch.setenv("OIDC_PROVIDERS", value)
    with pytest.raises(ConfigError, match=says):
        oidc_settings._providers()


def test_each_unusable_provider_is_named_by_the_check(settings):
    settings.OIDC_ISSUER, settings.OIDC_AUDIENCES = "", []
    settings.OIDC_PROVIDER_SETTINGS = [
        entry("apple", "https://appleid.apple.com", []),
        entry("corp", "http://idp.example.com", ["x"], client_id="web"),
    ]
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")
    text = str(raised.value)
    assert "OIDC_APPLE_AUDIENCES must name" in text
    assert "OIDC_CORP_ISSUER must be an https URL" in text
    assert "OIDC_CORP_CLIENT_SECRET must be set" in text
    assert "idp.example.com" not in text
