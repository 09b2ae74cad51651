"""Browser sessions: anonymous visits leave no rows; logins still work and end."""

from datetime import timedelta

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.helpers import form_csrf_token, html_of, logged_in
from tokens.sessions import SessionStore


def test_anonymous_visits_to_the_login_pages_leave_no_session_rows(db):
    for _ in range(100):
        assert Client().get("/accounts/login/").status_code == 200
        assert Client().get("/admin/login/").status_code == 200

    assert Session.objects.count() == 0


def test_a_login_form_from_a_cookieless_visit_still_logs_in(alice):
    client = Client(enforce_csrf_checks=True)
    page = html_of(client.get("/accounts/login/"))

    response = client.post(
        "/accounts/login/",
        {
            "username": "alice",
            "password": PASSWORD,
            "csrfmiddlewaretoken": form_csrf_token(page),
        },
    )

    assert response.status_code == 302, response.content
    assert Session.objects.count() == 1
    assert client.get("/get-token/").status_code == 200


def test_a_login_form_without_its_csrf_token_is_refused(alice):
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")

    response = client.post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD}
    )

    assert response.status_code == 403
    assert not Session.objects.exists()


def test_a_forged_anonymous_session_cookie_is_ignored(alice, settings):
    client = Client(enforce_csrf_checks=True)
    page = html_of(client.get("/accounts/login/"))
    payload, rest = client.cookies[settings.SESSION_COOKIE_NAME].value.split(":", 1)
    client.cookies[settings.SESSION_COOKIE_NAME] = payload + "x:" + rest

    response = client.post(
        "/accounts/login/",
        {
            "username": "alice",
            "password": PASSWORD,
            "csrfmiddlewaretoken": form_csrf_token(page),
        },
    )

    assert response.status_code == 403  # its CSRF secret is not read
    assert not Session.objects.exists()


def test_logout_deletes_the_session_row(alice):
    client = logged_in(alice)
    assert Session.objects.count() == 1

    client.post("/accounts/logout/")

    assert Session.objects.count() == 0
    assert client.get("/get-token/").status_code == 302


def test_prune_audit_clears_expired_browser_sessions(alice, bob):
    for user in (alice, bob):
        Client().force_login(user)
    Session.objects.filter(pk=Session.objects.first().pk).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    call_command("prune_audit", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert Session.objects.count() == 1
    assert Session.objects.get().expire_date > timezone.now()


def test_logging_out_without_a_login_ends_the_anonymous_session(db, settings):
    client = Client()
    client.get("/accounts/login/")  # a signed session, holding the CSRF secret
    assert ":" in client.cookies[settings.SESSION_COOKIE_NAME].value

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == ""
    assert not Session.objects.exists()


def test_an_anonymous_session_row_left_from_before_becomes_a_signed_cookie(
    db, settings
):
    # Written by Django's own database backend, as before tokens/sessions.py.
    old = DatabaseSessionStore()
    old["seen"] = True
    old.create()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = old.session_key

    # The login page stores a CSRF secret: the session is saved, signed.
    assert client.get("/accounts/login/").status_code == 200

    assert not Session.objects.exists()
    assert ":" in client.cookies[settings.SESSION_COOKIE_NAME].value


# The private session API tokens/sessions.py relies on, as Django 5.2 has
# it. A failure here means Django changed it: read the comment at the top of
# tokens/sessions.py before upgrading.


def test_django_still_reads_a_session_without_loading_it(db, django_assert_num_queries):
    store = SessionStore("a" * 32)
    with django_assert_num_queries(0):
        assert store._get_session(no_load=True) == {}
    assert store.session_key == "a" * 32


def test_django_still_keeps_the_session_key_in_session_key_attribute():
    store = SessionStore()
    store._session_key = "signed:value"
    assert store.session_key == "signed:value"
