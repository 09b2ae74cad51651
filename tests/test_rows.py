"""Instances read with hand-written SQL (tokens/rows.py) equal the ORM's."""

from datetime import timedelta

from django.utils import timezone

from tests.conftest import api_token_for
from tokens.auth import ApiTokenAuthentication
from tokens.models import ApiToken, User


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
