"""The cast: alice may (video in listed rooms, chat), bob may not, charlie is staff,
root is a superuser (`staff` is his logged-in client); `team` is a group of
alice's giving chat and sync. Rooms, the webhook's auth tokens, the schema."""

import itertools
import json
import os
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.helpers import PASSWORD, logged_in
from tokens.models import ApiToken, GrantRule, Room, RoomAccess, User

# What makes a test use the database: pytest-django refuses database access
# to any test without one of these, so the others cannot depend on it.
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "live_server", "django_db_reset_sequences"}
)


def pytest_collection_modifyitems(config, items):
    """TEST_DATABASE_ONLY=1: only the tests that use the database.

    scripts/test sets it for its PostgreSQL pass: the rest (pure functions,
    settings read in a subprocess, stand-ins) cannot touch the database and
    run once, in the SQLite pass, instead of twice to the same result.
    """
    if os.environ.get("TEST_DATABASE_ONLY") != "1":
        return
    keep, drop = [], []
    for item in items:
        uses = DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        (keep if uses or item.get_closest_marker("django_db") else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle and lockout counters must not leak between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def alice(db):
    user = User.objects.create_user("alice", password=PASSWORD)
    GrantRule.objects.create(user=user, video="listed", chat=True)
    return user


@pytest.fixture
def bob(db):
    return User.objects.create_user("bob", password=PASSWORD)


@pytest.fixture
def charlie(db):
    return User.objects.create_user("charlie", password=PASSWORD, is_staff=True)


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", password=PASSWORD)


@pytest.fixture
def limit_three(settings):
    """A lockout after 3 failed logins, for 15 minutes."""
    settings.TOKENSERVER_LOGIN_FAILURE_LIMIT = 3
    settings.TOKENSERVER_LOGIN_LOCKOUT_SECONDS = 900


@pytest.fixture
def team(alice):
    """A group alice is in, whose rule gives chat and sync."""
    group = Group.objects.create(name="team")
    alice.groups.add(group)
    GrantRule.objects.create(group=group, chat=True, sync=True)
    return group


@pytest.fixture
def demo(settings):
    """A developer's machine: demo on, DEBUG on, no Twilio variable set."""
    settings.TOKENSERVER_DEMO = True
    settings.DEBUG = True
    settings.TWILIO = dict.fromkeys(settings.TWILIO)


_staff_names = itertools.count()


@pytest.fixture
def staff_with(db):
    """A logged-in staff client holding exactly the given permissions."""

    def make(*codenames: str) -> Client:
        user = User.objects.create_user(
            f"limited{next(_staff_names)}", password=PASSWORD, is_staff=True
        )
        user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
        return logged_in(user)

    return make


@pytest.fixture
def staff(root) -> Client:
    """The superuser, logged in (admin/test_views.py logs in through the form)."""
    return logged_in(root)


@pytest.fixture
def crew(db) -> Group:
    """A group nobody is in yet."""
    return Group.objects.create(name="crew")


@pytest.fixture
def room(db):
    return Room.objects.create(name="standup", display_name="Daily stand-up")


@pytest.fixture
def alice_in_room(alice, room):
    return RoomAccess.objects.create(
        room=room, user=alice, ends_at=timezone.now() + timedelta(hours=2)
    )


@pytest.fixture
def standup(db):
    """A room named standup with nothing else set (`room` has a display name)."""
    return Room.objects.create(name="standup")


@pytest.fixture
def rooms_not_enforced(settings):
    """Rooms not followed on Twilio (no TOKENSERVER_PUBLIC_URL): /token signs
    as before issue 15 and never asks Twilio for a room. For the tests of
    who gets which token; tests/twilio/test_rooms.py has the enforced path."""
    settings.TOKENSERVER_PUBLIC_URL = ""


@pytest.fixture
def tokens(settings):
    """The Twilio auth tokens the Video webhook accepts: primary, secondary."""
    return settings.TWILIO_AUTH_TOKEN, settings.TWILIO_AUTH_TOKEN_SECONDARY


@pytest.fixture
def schema(db) -> dict:
    """The OpenAPI schema as an anonymous client gets it."""
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def api_token_for(user, **kwargs) -> str:
    _, token = ApiToken.objects.create(user=user, **kwargs)
    return token


@pytest.fixture
def client_for(db):
    """An API client authenticated with a fresh API token of `user`."""

    def make(user, **kwargs) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user, **kwargs)}")
        return client

    return make


def decode(token: str) -> tuple[dict, dict]:
    """Verify a JWT as Twilio would, with the test secret; return header and claims."""
    secret = settings.TWILIO["TWILIO_API_SECRET"][1]
    claims = jwt.decode(
        token,
        secret,
        algorithms=["HS256"],
        options={"require": ["exp", "nbf", "iss", "sub", "jti"]},
    )
    return jwt.get_unverified_header(token), claims
