"""Helpers shared by the test modules (fixtures live in conftest.py).

Pages: the HTML of a response, its table rows, its CSRF token. The API: a
client with an API token, the shape of a JSON error, logging in and the
refusals of a login or an API token. A server in a
subprocess: an environment with nothing of this process's settings in it, a
free port. Values: the test settings' Twilio variables, API timestamps.
"""

import json
import os
import re
import socket
import subprocess
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests import fresh_python
from tokens.models import ApiToken, TokenEvent

ROOT = Path(__file__).resolve().parent.parent

# The cast's password (conftest.py's users). Defined here, not in conftest.py,
# because conftest.py imports this module.
PASSWORD = "correct horse battery staple"
LOGIN = "/api/auth/login/"


# --- values --------------------------------------------------------------------


def twilio(name: str) -> str:
    """The test environment's value of one Twilio setting, read when called."""
    return settings.TWILIO[name][1]


def parse_iso(text: str) -> datetime:
    """An API timestamp: ISO 8601 in UTC, written with a Z."""
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text)


# --- pages -------------------------------------------------------------------


def admin_url(model, view: str, *args) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


class FormFields(HTMLParser):
    """The values a browser would submit from the page's form (no buttons)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str | list[str]] = {}
        self._select: str | None = None
        self._multiple = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        name = attr.get("name")
        if tag == "input" and name:
            kind = attr.get("type", "text")
            if kind in {"submit", "button", "image", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attr:
                return
            self.data[name] = attr.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "select" and name:
            self._select, self._multiple = name, "multiple" in attr
            if not self._multiple:
                self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attr:
            value = attr.get("value") or ""
            if self._multiple:
                self.data.setdefault(self._select, []).append(value)
            else:
                self.data[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def form_data(response) -> dict[str, str | list[str]]:
    parser = FormFields()
    parser.feed(response.content.decode())
    parser.data.pop("csrfmiddlewaretoken", None)
    return parser.data


def errors_on_page(response) -> str:
    if response.context is None:
        return f"status {response.status_code}"
    found = [str(response.context["adminform"].form.errors)]
    for inline in response.context["inline_admin_formsets"]:
        found.append(f"{inline.formset.prefix}: {inline.formset.errors}")
        found.append(str(inline.formset.non_form_errors()))
    return "\n".join(found)


def logged_in(user) -> Client:
    """A browser client with `user`'s session, as after the login form."""
    client = Client()
    client.force_login(user)
    return client


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def table_rows(html: str) -> list[str]:
    return re.findall(r"<tr>.*?</tr>", html, re.S)


def row_with(html: str, text: str) -> str:
    """The one table row holding `text`."""
    found = [row for row in table_rows(html) if text in row]
    assert len(found) == 1, (text, found)
    return found[0]


def form_csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def page_csrf_token(client, path: str = "/get-token/") -> str:
    """The CSRF token a page gives a logged-in browser (it lives in the session)."""
    return form_csrf_token(html_of(client.get(path)))


# --- the API -----------------------------------------------------------------


def bearer(token: str) -> APIClient:
    """An API client that sends `token` as its API token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def assert_error_shape(response) -> dict:
    """A JSON error body with a detail and a code, and never a token."""
    assert response["Content-Type"].startswith("application/json"), (
        response["Content-Type"],
        response.content[:200],
    )
    body = json.loads(response.content)
    assert isinstance(body, dict), body
    assert isinstance(body.get("detail"), str), body
    assert body["detail"]
    assert isinstance(body.get("code"), str), body
    assert body["code"]
    assert "token" not in body
    return body


def api_login(username, password=PASSWORD, *, client=None, **extra):
    """POST /api/auth/login/ as JSON; `body=` adds fields, other keywords are
    the request's (REMOTE_ADDR=..., HTTP_...=...)."""
    body = {"username": username, "password": password, **extra.pop("body", {})}
    return (client or APIClient()).post(LOGIN, body, format="json", **extra)


def fail_api_login(username, ip, **extra):
    """A login with a wrong password from `ip`, refused as such (401)."""
    response = api_login(username, "wrong password", REMOTE_ADDR=ip, **extra)
    assert response.status_code == 401, response.json()
    return response


def assert_token_works(token: str, identity: str) -> None:
    """The API token gets a /token signed for `identity`."""
    from tests.conftest import decode  # conftest.py imports this module

    response = bearer(token).get("/token")
    assert response.status_code == 200, response.json()
    _, claims = decode(response.json()["token"])
    assert claims["grants"]["identity"] == identity


def assert_refused(response, status: int, code: str, *, api_tokens: int = 0) -> dict:
    """A refused login: its status and code, no credential in the body,
    `api_tokens` API tokens in the database and no audit row."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert body["detail"]
    assert "token" not in body
    assert ApiToken.objects.count() == api_tokens
    assert not TokenEvent.objects.exists()
    return body


def assert_unauthenticated(response, code: str) -> None:
    """A /token request refused before the view: 401, no token, no audit row."""
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["code"] == code, body
    assert "token" not in body
    assert response["WWW-Authenticate"] == "Token"
    assert not TokenEvent.objects.exists()


def assert_login_page_refused(response, client, message: str) -> str:
    """A login page refused by rate or lockout: 429, Retry-After, the form
    with the reason, and nobody logged in. Returns the page."""
    assert response.status_code == 429, response.status_code
    assert int(response["Retry-After"]) >= 1
    page = response.content.decode()
    assert message in page
    assert 'name="password"' in page
    assert "_auth_user_id" not in client.session
    return page


# --- a server in a subprocess --------------------------------------------------

# What the server (settings, gunicorn.conf.py) reads from its environment.
SERVER_PREFIXES = ("DJANGO_", "TWILIO_", "TOKENSERVER_", "GUNICORN_")
SERVER_NAMES = frozenset({"DATABASE_URL", "REDIS_URL", "CACHE_URL", "WEB_CONCURRENCY"})
SERVER_SECRET_KEY = "subprocess-test-secret-key-0123456789-abcdefghijklmnop"
# The fake but well-formed Twilio variables tests/settings.py sets: a server
# given them signs tokens that conftest.decode() verifies. Do not change it.
FAKE_TWILIO = {name: raw[1] for name, raw in settings.TWILIO.items()}


def clean_environ() -> dict[str, str]:
    """This process's environment without any variable the server reads."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(SERVER_PREFIXES) and name not in SERVER_NAMES
    }


def server_env(**overrides: str | None) -> dict[str, str]:
    """clean_environ() plus the minimum for the production settings (DEBUG off,
    a secret key, no .env file), then `overrides`: None unsets a name."""
    env = clean_environ()
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tokenserver.settings",
            "DJANGO_READ_DOT_ENV_FILE": "false",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": SERVER_SECRET_KEY,
        }
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def local_server_env(**overrides: str | None) -> dict[str, str]:
    """server_env() for a server tests talk to over plain HTTP on loopback, with
    the test Twilio account and unbuffered output."""
    return server_env(
        **{
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1",
            "PYTHONUNBUFFERED": "1",
            **FAKE_TWILIO,
            **overrides,
        }
    )


def run_python(
    *args: str, env: dict[str, str], timeout: float = 120, stdin: str | None = None
) -> subprocess.CompletedProcess:
    """Run this interpreter in the repository root; output captured as text.
    A fresh process each time, forked from a warm one when that is the same
    as a cold start (tests/fresh_python.py)."""
    return fresh_python.run(
        args, cwd=ROOT, env=env, base_env=clean_environ(), stdin=stdin, timeout=timeout
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now, for a server a test starts."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
