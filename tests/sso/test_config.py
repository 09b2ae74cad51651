"""Which issuers are accepted, and the system check that says so."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tokens.sso.config import secure_url


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://appleid.apple.com", True),
        ("https://accounts.google.com", True),
        ("https://login.example.com/realms/staff", True),
        ("http://127.0.0.1:8080", True),  # the stand-in, local development
        ("http://localhost:8080", True),
        ("http://[::1]:8080", True),
        ("http://accounts.google.com", False),
        ("ftp://accounts.google.com", False),
        ("https://", False),
        ("https://user:pw@accounts.google.com", False),
        ("https://accounts.google.com?x=1", False),
        ("https://accounts.google.com#x", False),
        ("accounts.google.com", False),
        ("https://[::1", False),
    ],
)
def test_only_https_issuers_or_loopback_are_accepted(url, ok):
    assert secure_url(url) is ok


def test_no_provider_configured_is_not_a_problem(settings):
    settings.OIDC_ISSUER = ""
    settings.OIDC_AUDIENCES = []
    call_command("check")


@pytest.mark.parametrize(
    ("issuer", "audiences", "says"),
    [
        ("http://idp.example.com", ["app"], "OIDC_ISSUER must be an https URL"),
        ("https://idp.example.com", [], "OIDC_AUDIENCES must name"),
        ("", ["app"], "OIDC_ISSUER must be an https URL"),
    ],
)
def test_an_unusable_provider_setting_stops_the_check(
    settings, issuer, audiences, says
):
    settings.OIDC_ISSUER = issuer
    settings.OIDC_AUDIENCES = audiences
    with pytest.raises(SystemCheckError, match=says) as raised:
        call_command("check")
    assert "idp.example.com" not in str(raised.value)
