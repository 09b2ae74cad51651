"""The voice cast: erin calls (any identity, and numbers under +1 and +447),
dave answers, frank may do neither; `desk` is the group the number rings."""

import pytest
from django.contrib.auth.models import Group

from tokens.models import GrantRule, User


@pytest.fixture
def erin(db):
    user = User.objects.create_user("erin")
    GrantRule.objects.create(
        user=user, voice_outgoing=True, calls="phone", call_prefixes="+1, +447"
    )
    return user


@pytest.fixture
def dave(db):
    user = User.objects.create_user("dave")
    GrantRule.objects.create(user=user, voice_incoming=True)
    return user


@pytest.fixture
def frank(db):
    return User.objects.create_user("frank")


@pytest.fixture
def caller_id(settings):
    """The test settings' caller ID (one of Twilio's test numbers)."""
    return settings.TWILIO_CALLER_ID


@pytest.fixture
def desk(db, settings):
    """The answering group (as the test settings name it), giving incoming
    calls to its members."""
    group = Group.objects.create(name=settings.TWILIO_INCOMING_CALL_GROUP)
    GrantRule.objects.create(group=group, voice_incoming=True)
    return group
