"""API sessions end when the password changes or the account is deactivated."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, api_token_for
from tests.helpers import admin_url, bearer, errors_on_page, form_data
from tokens.models import ApiToken, User

NEW_PASSWORD = "a different horse 4711"


@pytest.fixture
def phone(alice) -> str:
    token = api_token_for(alice, device="phone")
    assert bearer(token).get("/token").status_code == 200
    return token


def assert_logged_out(token: str, user: User) -> None:
    response = bearer(token).get("/token")
    assert response.status_code == 401, response.content
    assert not ApiToken.objects.filter(user=user).exists()


def test_staff_resetting_a_password_in_the_admin_ends_the_api_sessions(
    admin_client, alice, phone
):
    response = admin_client.post(
        f"/admin/tokens/user/{alice.pk}/password/",
        {
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    assert_logged_out(phone, alice)


def test_set_password_and_save_ends_the_api_sessions(alice, phone):
    alice.set_password(NEW_PASSWORD)
    alice.save()

    assert_logged_out(phone, alice)


def test_an_unusable_password_ends_the_api_sessions(alice, phone):
    alice.set_unusable_password()
    alice.save()

    assert_logged_out(phone, alice)


def test_changepassword_command_ends_the_api_sessions(alice, phone, monkeypatch):
    monkeypatch.setattr(
        "django.contrib.auth.management.commands.changepassword.getpass.getpass",
        lambda prompt="": NEW_PASSWORD,
    )

    call_command("changepassword", "alice")

    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert_logged_out(phone, alice)


def test_deactivating_ends_the_api_sessions_and_reactivating_brings_none_back(
    admin_client, alice, phone
):
    url = admin_url(User, "change", alice.pk)
    data = form_data(admin_client.get(url))
    data.update({"_save": "Save"})
    data.pop("is_active")  # the box unticked

    response = admin_client.post(url, data)
    assert response.status_code == 302, errors_on_page(response)
    assert_logged_out(phone, alice)

    alice.refresh_from_db()
    alice.is_active = True
    alice.save()

    assert bearer(phone).get("/token").status_code == 401


def test_saving_other_fields_keeps_the_api_sessions(alice, phone):
    alice.first_name = "Alice"
    alice.save()

    assert bearer(phone).get("/token").status_code == 200


def test_logging_in_on_another_device_keeps_the_first_devices_session(alice, phone):
    response = APIClient().post(
        "/api/auth/login/",
        {"username": "alice", "password": PASSWORD, "device": "tablet"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert bearer(phone).get("/token").status_code == 200
    assert ApiToken.objects.filter(user=alice).count() == 2


def test_another_users_password_change_keeps_their_sessions(alice, bob, phone):
    bob_token = api_token_for(bob)

    bob.set_password(NEW_PASSWORD)
    bob.save()

    assert bearer(phone).get("/token").status_code == 200
    assert not ApiToken.objects.filter(user=bob).exists()
    assert bob_token
