"""Browser sessions: anonymous visits leave no rows; logins still work and end."""

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.helpers import form_csrf_token, html_of, logged_in


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
