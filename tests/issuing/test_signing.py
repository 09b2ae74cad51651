"""Signing guards against twilio.jwt.access_token's traps."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import decode
from tokens.credentials import current_credentials
from tokens.issuing.signing import sign
from tokens.policy import Decision

NOW = datetime.now(UTC).replace(microsecond=0)


def decision(**kwargs) -> Decision:
    values = {
        "grants": ("video",),
        "ttl": 600,
        "expires_at": NOW + timedelta(seconds=600),
    }
    return Decision(**{**values, **kwargs})


def test_a_room_decision_locks_the_video_grant_to_that_room():
    issued = sign(
        decision(room="standup"),
        identity="alice",
        device=None,
        credentials=current_credentials(),
        now=NOW,
    )
    _, claims = decode(issued.jwt)
    assert claims["grants"]["video"] == {"room": "standup"}
    assert claims["exp"] - claims["nbf"] == 600
    assert issued.jwt not in repr(issued)


@pytest.mark.parametrize(
    ("kwargs", "identity"),
    [
        ({"room": ""}, "alice"),  # VideoGrant(room="") grants every room
        ({"ttl": 0}, "alice"),  # to_jwt would use its default lifetime
        ({"ttl": -5}, "alice"),  # an already expired token
        ({}, ""),  # AccessToken drops an empty identity silently
    ],
)
def test_signing_refuses_what_twilio_would_silently_turn_into_another_token(
    kwargs, identity
):
    with pytest.raises(ValueError):  # noqa: PT011
        sign(
            decision(**kwargs),
            identity=identity,
            device=None,
            credentials=current_credentials(),
            now=NOW,
        )


def test_every_token_has_its_own_jti_even_within_one_second():
    # twilio's AccessToken gives `<key>-<second>`: the same id for every token
    # signed in that second.
    credentials = current_credentials()
    ids = set()
    for identity in ("alice", "alice", "bob"):
        issued = sign(
            decision(room="standup"),
            identity=identity,
            device=None,
            credentials=credentials,
            now=NOW,
        )
        _, claims = decode(issued.jwt)
        key, second, nonce = claims["jti"].rsplit("-", 2)
        assert (key, int(second)) == (credentials.api_key, claims["nbf"])
        assert len(nonce) == 32
        ids.add(claims["jti"])
    assert len(ids) == 3
