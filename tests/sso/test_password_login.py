"""TOKENSERVER_PASSWORD_LOGIN=staff: the others sign in with their provider."""

import pytest
from django.test import Client

from tests.helpers import PASSWORD, api_login


@pytest.mark.parametrize(("mode", "status"), [("everyone", 200), ("staff", 403)])
def test_the_api_login_of_a_non_staff_user(settings, alice, mode, status):
    settings.TOKENSERVER_PASSWORD_LOGIN = mode
    response = api_login("alice", PASSWORD)
    assert response.status_code == status, response.content
    if status == 403:
        assert response.json()["code"] == "password_login_disabled"


@pytest.mark.parametrize(("mode", "logged_in"), [("everyone", True), ("staff", False)])
def test_the_login_page_of_a_non_staff_user(settings, alice, mode, logged_in):
    settings.TOKENSERVER_PASSWORD_LOGIN = mode
    client = Client()
    page = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert (client.session.get("_auth_user_id") is not None) is logged_in
    if not logged_in:
        assert "sign in with your identity provider" in page.content.decode()


def test_staff_still_log_in_with_a_password(settings, charlie):
    settings.TOKENSERVER_PASSWORD_LOGIN = "staff"
    assert api_login("charlie").status_code == 200
    client = Client()
    client.post("/accounts/login/", {"username": "charlie", "password": PASSWORD})
    assert client.session.get("_auth_user_id") is not None
