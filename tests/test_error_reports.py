"""Django's error reports (the DEBUG page, mails to ADMINS) show no secret.

A DEBUG page lists the settings, request.META (under runserver the whole
environment), POST data and the local variables of every frame; developers
paste it into chats and issues.
"""

import secrets
import sys
from urllib.parse import urlencode

import pytest
from django.test import Client, RequestFactory
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, api_token_for
from tests.helpers import twilio
from tokens.models import ApiToken

# Who gets which token: rooms are not followed on Twilio here.
pytestmark = pytest.mark.usefixtures("rooms_not_enforced")

# Made at run time: a DEBUG page quotes the source lines around each frame.
REDIS_PASSWORD = f"redis-{secrets.token_hex(8)}"
DB_PASSWORD = f"db-{secrets.token_hex(8)}"


def report_html(request, reporter_filter=None) -> str:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        reporter = ExceptionReporter(request, *sys.exc_info())
        if reporter_filter is not None:
            reporter.filter = reporter_filter
        return reporter.get_traceback_html()


@pytest.fixture
def connection_urls(settings):
    url = f"redis://:{REDIS_PASSWORD}@cache.internal:6379/0"
    settings.REDIS_URL = url
    settings.CACHES = {
        **settings.CACHES,
        "redis": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
        },
    }
    return RequestFactory().get(
        "/", DATABASE_URL=f"postgres://app:{DB_PASSWORD}@db.internal/app"
    )


def test_connection_urls_are_hidden_in_settings_and_environment(connection_urls):
    html = report_html(connection_urls)
    assert "boom" in html
    assert REDIS_PASSWORD not in html
    assert DB_PASSWORD not in html
    assert "DATABASE_URL" in html  # named, with its value starred


def test_djangos_own_filter_would_have_shown_them(connection_urls):
    # The case the project's filter exists for: without it, both appear.
    html = report_html(connection_urls, SafeExceptionReporterFilter())
    assert REDIS_PASSWORD in html
    assert DB_PASSWORD in html


@pytest.fixture
def debug_client(settings):
    settings.DEBUG = True
    return APIClient(raise_request_exception=False)


def test_a_debug_page_of_a_failed_signing_shows_no_secret(
    debug_client, alice, alice_in_room, monkeypatch
):
    def fail(payload, key, **kwargs):  # PyJWT's encode, handed the API secret
        raise RuntimeError("signing broke")

    monkeypatch.setattr("twilio.jwt.jwt_lib.encode", fail)
    api_token = api_token_for(alice)
    debug_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token}")
    response = debug_client.get("/token", {"room": "standup"})
    assert response.status_code == 500
    page = response.content.decode()
    assert "signing broke" in page  # the DEBUG page, with its frames
    assert twilio("TWILIO_API_SECRET") not in page
    assert api_token not in page


@pytest.mark.parametrize("body", ["form", "json"])
def test_a_debug_page_of_a_failed_login_shows_no_password(
    debug_client, alice, monkeypatch, body
):
    def fail(*args, **kwargs):
        raise RuntimeError("login broke")

    monkeypatch.setattr("tokens.api.views.authenticate", fail)
    data = {"username": "alice", "password": PASSWORD}
    if body == "form":
        response = debug_client.post(
            "/api/auth/login/",
            urlencode(data),
            content_type="application/x-www-form-urlencoded",
        )
    else:
        response = debug_client.post("/api/auth/login/", data, format="json")
    assert response.status_code == 500
    page = response.content.decode()
    assert "login broke" in page
    assert PASSWORD not in page


def test_a_debug_page_of_a_failed_api_login_shows_no_new_api_token(
    debug_client, alice, monkeypatch
):
    made = []
    create = ApiToken.objects.create

    def remember(**kwargs):
        instance, token = create(**kwargs)
        made.append(token)
        return instance, token

    def fail(*args, **kwargs):
        raise RuntimeError("after the token was made")

    monkeypatch.setattr(ApiToken.objects, "create", remember)
    monkeypatch.setattr("tokens.api.views.user_logged_in.send", fail)
    response = debug_client.post(
        "/api/auth/login/", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 500
    page = response.content.decode()
    assert "after the token was made" in page
    assert "_login" in page  # the frame that held the new token
    assert made
    assert made[0] not in page


def test_the_browser_login_form_password_is_hidden(settings, alice, monkeypatch):
    settings.DEBUG = True

    def fail(*args, **kwargs):
        raise RuntimeError("form login broke")

    monkeypatch.setattr("django.contrib.auth.forms.authenticate", fail)
    client = Client(raise_request_exception=False)
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 500
    page = response.content.decode()
    assert "form login broke" in page
    assert PASSWORD not in page
    assert settings.SECRET_KEY not in page


def test_a_debug_page_of_a_failed_authentication_shows_no_api_token(
    debug_client, alice, monkeypatch
):
    def fail(text):
        raise RuntimeError("hashing broke")

    monkeypatch.setattr("tokens.api.authentication.hash_token", fail)
    api_token = api_token_for(alice)
    debug_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token}")
    response = debug_client.get("/token")
    assert response.status_code == 500
    page = response.content.decode()
    assert "hashing broke" in page
    assert "authenticate_credentials" in page
    assert api_token not in page
