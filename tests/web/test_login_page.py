"""The browser login page /accounts/login/ (tokens/web/views.py LoginPage,
tokens/web/forms.py): the form, and the rate and lockout it shares with the
API's login."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.helpers import (
    api_login,
    assert_login_page_refused,
    assert_refused,
    fail_api_login,
)
from tokens.limits import throttles


@pytest.fixture
def browser():
    return Client()


def post_form(browser, username, password, **extra):
    return browser.post(
        "/accounts/login/", {"username": username, "password": password}, **extra
    )


def test_login_page_shows_a_form(db, browser):
    response = browser.get("/accounts/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="username"' in page
    assert 'name="password"' in page
    assert "csrfmiddlewaretoken" in page


def test_login_page_shows_an_error_for_a_wrong_password(alice, browser):
    response = post_form(browser, "alice", "wrong password")
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert "_auth_user_id" not in browser.session


def test_login_page_logs_in_and_redirects_home(alice, browser):
    response = post_form(browser, "alice", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert browser.session["_auth_user_id"] == str(alice.pk)
    assert browser.get("/").status_code == 200


# Rate and lockout, shared with the API


def test_login_page_shares_the_lockout(alice, browser, limit_three):
    for _ in range(3):
        post_form(browser, "alice", "wrong password")
    response = post_form(browser, "alice", PASSWORD, REMOTE_ADDR="10.0.5.1")
    assert_login_page_refused(response, browser, "Too many failed logins")


def test_api_failures_lock_the_login_page(alice, browser, limit_three):
    for _ in range(3):
        fail_api_login("alice", "10.0.6.1")
    response = post_form(browser, "alice", PASSWORD, REMOTE_ADDR="10.0.6.2")
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in browser.session


def test_login_page_failures_lock_the_api(alice, browser, limit_three):
    for _ in range(3):
        post_form(browser, "alice", "wrong password", REMOTE_ADDR="10.0.7.1")
    assert_refused(api_login("alice", REMOTE_ADDR="10.0.7.2"), 429, "login_locked")


def test_login_page_logins_are_throttled_per_address_like_the_api(
    alice, browser, monkeypatch
):
    monkeypatch.setattr(
        throttles.LoginRateThrottle, "THROTTLE_RATES", {"login": "2/min"}
    )
    assert post_form(browser, "alice", "wrong password").status_code == 200
    assert post_form(Client(), "alice", PASSWORD).status_code == 302

    response = post_form(browser, "alice", PASSWORD)

    assert_login_page_refused(response, browser, "Too many logins from your address")
    # Another address is counted apart.
    elsewhere = post_form(browser, "alice", PASSWORD, REMOTE_ADDR="10.9.9.8")
    assert elsewhere.status_code == 302


@pytest.mark.parametrize("first", ["api", "page"])
def test_api_and_login_page_share_one_login_budget_per_address(
    alice, browser, monkeypatch, first
):
    monkeypatch.setattr(
        throttles.LoginRateThrottle, "THROTTLE_RATES", {"login": "2/min"}
    )
    for _ in range(2):
        if first == "api":
            assert api_login("alice").status_code == 200
        else:
            assert post_form(Client(), "alice", PASSWORD).status_code == 302

    if first == "api":
        assert post_form(browser, "alice", PASSWORD).status_code == 429
        assert "_auth_user_id" not in browser.session
    else:
        assert_refused(api_login("alice"), 429, "throttled", api_tokens=0)


def test_throttled_login_page_does_not_count_as_a_failed_login(
    alice, browser, monkeypatch, limit_three
):
    monkeypatch.setattr(
        throttles.LoginRateThrottle, "THROTTLE_RATES", {"login": "1/min"}
    )
    post_form(browser, "alice", PASSWORD)
    for _ in range(5):
        assert post_form(browser, "alice", "wrong").status_code == 429

    # The throttled guesses were never checked: no lockout once the rate allows.
    monkeypatch.setattr(
        throttles.LoginRateThrottle, "THROTTLE_RATES", {"login": "100/min"}
    )
    assert post_form(Client(), "alice", PASSWORD).status_code == 302
