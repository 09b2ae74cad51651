"""Instances read with hand-written SQL (tokens/rows.py) equal the ORM's."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.conftest import api_token_for
from tokens import rows
from tokens.api.authentication import ApiTokenAuthentication
from tokens.models import ApiToken, TokenEvent, User


def field_values(instance) -> dict:
    return {
        f.attname: getattr(instance, f.attname)
        for f in type(instance)._meta.concrete_fields
    }


def test_authentication_reads_the_user_and_token_as_the_orm_does(alice):
    alice.last_login = timezone.now() - timedelta(days=1, microseconds=7)
    alice.first_name = "Alice"
    alice.save()
    token = api_token_for(alice, device="iPhone")

    user, api_token = ApiTokenAuthentication().authenticate_credentials(token.encode())

    assert field_values(user) == field_values(User.objects.get(pk=alice.pk))
    assert field_values(api_token) == field_values(ApiToken.objects.get(user=alice))
    assert user.last_login.tzinfo is not None
    assert api_token.user is user
    assert not user._state.adding
    assert user.groups.count() == 0


@pytest.mark.parametrize("ip", ["203.0.113.9", "2001:db8::1", None])
def test_insert_writes_the_row_the_orm_reads_back(alice, ip):
    event = TokenEvent(
        created_at=timezone.now() - timedelta(microseconds=7),
        user=alice,
        identity=alice.twilio_identity,
        outcome=TokenEvent.ISSUED,
        grants="video,chat",
        room="room-1",
        device="iPhone",
        ttl=600,
        expires_at=timezone.now() + timedelta(seconds=600),
        client_ip=ip,
        user_agent="ua",
        jwt_sha256="a" * 64,
    )

    returned = rows.insert(event)

    assert returned is event
    assert not event._state.adding
    assert field_values(TokenEvent.objects.get(pk=event.pk)) == field_values(event)


def test_insert_of_a_row_without_user_or_optional_values(db):
    event = TokenEvent(identity="gone", outcome="room_not_allowed")

    rows.insert(event)

    stored = TokenEvent.objects.get()
    assert field_values(stored) == field_values(event)
    assert (stored.user_id, stored.ttl, stored.expires_at) == (None, None, None)
    assert stored.created_at.tzinfo is not None


def test_insert_of_an_existing_primary_key_fails_and_writes_nothing(alice):
    first = rows.insert(TokenEvent(identity="a", outcome=TokenEvent.ISSUED))
    again = TokenEvent(id=first.id, identity="b", outcome=TokenEvent.ISSUED)

    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert(again)

    assert list(TokenEvent.objects.values_list("identity", flat=True)) == ["a"]


def test_insert_refuses_a_model_whose_key_comes_from_the_database(db):
    with pytest.raises(TypeError, match="with save"):
        rows.insert(User(username="nobody"))

    assert not User.objects.exists()
