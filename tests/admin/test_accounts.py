"""Staff privileges stay with superusers: forged change forms change nothing."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from tests.conftest import PASSWORD
from tests.helpers import admin_url, errors_on_page, form_data, logged_in
from tokens.models import User

PRIVILEGES = ("is_superuser", "is_staff", "groups", "user_permissions")


@pytest.fixture
def resetter(db) -> User:
    """Staff who may reset passwords: view_user and change_user, nothing more."""
    user = User.objects.create_user("resetter", password=PASSWORD, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    return user


@pytest.fixture
def resetter_client(resetter) -> Client:
    return logged_in(resetter)


@pytest.fixture
def admins(db) -> Group:
    group = Group.objects.create(name="admins")
    group.permissions.set(Permission.objects.all())
    return group


def forged(client, user: User, **changes) -> dict:
    """The user's change form as the page gives it, with the changes forced in."""
    data = form_data(client.get(admin_url(User, "change", user.pk)))
    data.update({"_save": "Save", **changes})
    return data


def every_privilege(admins) -> dict:
    return {
        "is_superuser": "on",
        "is_staff": "on",
        "groups": [str(admins.pk)],
        "user_permissions": [str(p.pk) for p in Permission.objects.all()[:5]],
    }


def test_staff_who_may_change_users_cannot_make_themselves_superuser(
    resetter_client, resetter, admins
):
    data = forged(resetter_client, resetter, **every_privilege(admins))

    response = resetter_client.post(admin_url(User, "change", resetter.pk), data)

    assert response.status_code == 302, errors_on_page(response)
    resetter.refresh_from_db()
    assert not resetter.is_superuser
    assert not resetter.groups.exists()
    assert set(resetter.user_permissions.values_list("codename", flat=True)) == {
        "view_user",
        "change_user",
    }
    assert resetter_client.get("/admin/tokens/tokenevent/").status_code == 403


def test_staff_who_may_change_users_cannot_give_privileges_to_another_user(
    resetter_client, bob, admins
):
    data = forged(
        resetter_client, bob, email="bob@example.com", **every_privilege(admins)
    )

    response = resetter_client.post(admin_url(User, "change", bob.pk), data)

    assert response.status_code == 302, errors_on_page(response)
    bob.refresh_from_db()
    assert bob.email == "bob@example.com"  # the rest of the form still saves
    assert not bob.is_superuser
    assert not bob.is_staff
    assert not bob.groups.exists()
    assert not bob.user_permissions.exists()


def test_staff_see_privileges_read_only_on_the_change_page(resetter_client, bob):
    html = resetter_client.get(admin_url(User, "change", bob.pk)).content.decode()

    for name in PRIVILEGES:
        assert f'name="{name}"' not in html, name
    assert 'name="email"' in html


def test_staff_cannot_add_a_user_with_privileges(resetter, admins):
    resetter.user_permissions.add(Permission.objects.get(codename="add_user"))
    client = logged_in(resetter)

    response = client.post(
        admin_url(User, "add"),
        {
            "username": "newcomer",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "usable_password": "true",
            "twilio_identity": "",
            **every_privilege(admins),
        },
    )

    assert response.status_code == 302, errors_on_page(response)
    created = User.objects.get(username="newcomer")
    assert not created.is_superuser
    assert not created.is_staff
    assert not created.groups.exists()


@pytest.mark.parametrize("target", ["root", "charlie"], ids=["superuser", "staff"])
def test_staff_cannot_change_a_superuser_or_another_staff_account(
    resetter_client, root, charlie, target
):
    account = {"root": root, "charlie": charlie}[target]
    data = forged(resetter_client, account, email="taken@example.com")

    response = resetter_client.post(admin_url(User, "change", account.pk), data)

    assert response.status_code == 403
    account.refresh_from_db()
    assert account.email == ""


@pytest.mark.parametrize("target", ["root", "charlie"], ids=["superuser", "staff"])
def test_staff_cannot_reset_the_password_of_a_superuser_or_other_staff(
    resetter_client, root, charlie, target
):
    account = {"root": root, "charlie": charlie}[target]
    url = f"/admin/tokens/user/{account.pk}/password/"

    page = resetter_client.get(url)
    response = resetter_client.post(
        url,
        {"password1": "new pass 12345!", "password2": "new pass 12345!",
         "usable_password": "true"},
    )  # fmt: skip

    assert page.status_code == 403
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.check_password(PASSWORD)


def test_staff_cannot_delete_a_superuser(resetter, root):
    resetter.user_permissions.add(Permission.objects.get(codename="delete_user"))
    client = logged_in(resetter)

    page = client.post(admin_url(User, "delete", root.pk), {"post": "yes"})
    bulk = client.post(
        admin_url(User, "changelist"),
        {"action": "delete_selected", "_selected_action": [root.pk], "post": "yes"},
    )

    assert page.status_code == 403
    assert bulk.status_code in (200, 302, 403)
    assert User.objects.filter(pk=root.pk).exists()


def test_staff_may_still_reset_a_normal_users_password(resetter_client, bob):
    url = f"/admin/tokens/user/{bob.pk}/password/"

    response = resetter_client.post(
        url,
        {"password1": "new pass 12345!", "password2": "new pass 12345!",
         "usable_password": "true"},
    )  # fmt: skip

    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password("new pass 12345!")


def test_a_superuser_grants_superuser_and_staff_status(admin_client, bob, admins):
    data = forged(admin_client, bob, **every_privilege(admins))

    response = admin_client.post(admin_url(User, "change", bob.pk), data)

    assert response.status_code == 302, errors_on_page(response)
    bob.refresh_from_db()
    assert bob.is_superuser
    assert bob.is_staff
    assert list(bob.groups.all()) == [admins]


def test_staff_who_may_change_groups_cannot_choose_their_permissions(resetter, admins):
    team = Group.objects.create(name="resetters")
    resetter.groups.add(team)
    resetter.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_group", "change_group"])
    )
    client = logged_in(resetter)
    url = admin_url(Group, "change", team.pk)
    html = client.get(url).content.decode()
    data = form_data(client.get(url))
    data.update(
        {"_save": "Save", "permissions": [str(p.pk) for p in Permission.objects.all()]}
    )

    response = client.post(url, data)

    assert 'name="permissions"' not in html
    assert response.status_code == 302, errors_on_page(response)
    assert not team.permissions.exists()
    resetter.refresh_from_db()
    assert not resetter.has_perm("tokens.view_tokenevent")


def test_a_superuser_chooses_a_groups_permissions(admin_client):
    team = Group.objects.create(name="viewers")
    url = admin_url(Group, "change", team.pk)
    wanted = Permission.objects.get(codename="view_tokenevent")
    data = form_data(admin_client.get(url))
    data.update({"_save": "Save", "permissions": [str(wanted.pk)]})

    response = admin_client.post(url, data)

    assert response.status_code == 302, errors_on_page(response)
    assert list(team.permissions.all()) == [wanted]
