"""Table tests of signing: every claim a Twilio SDK reads, decoded with PyJWT.

No database and no settings: the credentials are built here, and the tokens are
verified with their secret as Twilio would.
"""

import hashlib
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tokens.credentials import TwilioCredentials
from tokens.issuing.signing import sign
from tokens.policy import Decision

# Now, as PyJWT checks `nbf` and `exp` against the clock.
NOW = datetime.now(UTC).replace(microsecond=0)
SECRET = "signing-test-secret-0123456789abcdef"
ACCOUNT = "AC" + "a1" * 16
KEY = "SK" + "b2" * 16
CONVERSATIONS = "IS" + "c3" * 16
SYNC = "IS" + "d4" * 16
TWIML_APP = "AP" + "e5" * 16
PUSH = "CR" + "f6" * 16
CREDENTIALS = TwilioCredentials(
    account_sid=ACCOUNT,
    api_key=KEY,
    api_secret=SECRET,
    conversations_service_sid=CONVERSATIONS,
    sync_service_sid=SYNC,
    twiml_app_sid=TWIML_APP,
    push_credential_sid=PUSH,
)
NO_PUSH = replace(CREDENTIALS, push_credential_sid="")


def decision(*grants: str, ttl: int = 600, **kwargs) -> Decision:
    return Decision(
        grants=grants or ("video",),
        ttl=ttl,
        expires_at=NOW + timedelta(seconds=ttl),
        **kwargs,
    )


def signed(
    made: Decision,
    *,
    identity: str = "alice",
    device: str | None = None,
    credentials: TwilioCredentials = CREDENTIALS,
):
    return sign(
        made, identity=identity, device=device, credentials=credentials, now=NOW
    )


def claims_of(token: str) -> dict:
    return jwt.decode(
        token,
        SECRET,
        algorithms=["HS256"],
        # NOW is taken at import, maybe minutes before this runs in the whole
        # suite: verify as at NOW, with a minute for a 1-second token.
        leeway=datetime.now(UTC) - NOW + timedelta(seconds=60),
        options={"require": ["exp", "nbf", "iss", "sub", "jti"]},
    )


VOICE_BOTH = {"outgoing": {"application_sid": TWIML_APP}, "incoming": {"allow": True}}

# (decision, device, credentials, the `grants` claim besides `identity`)
GRANT_CLAIMS = {
    "video_locked_to_the_decided_room": (
        decision("video", room="standup"),
        None,
        CREDENTIALS,
        {"video": {"room": "standup"}},
    ),
    "video_without_a_room_for_an_any_room_decision": (
        decision("video"),
        None,
        CREDENTIALS,
        {"video": {}},
    ),
    "voice_outgoing_and_incoming_with_push": (
        decision("voice", voice_outgoing=True, voice_incoming=True),
        None,
        CREDENTIALS,
        {"voice": {**VOICE_BOTH, "push_credential_sid": PUSH}},
    ),
    "voice_outgoing_and_incoming_without_push": (
        decision("voice", voice_outgoing=True, voice_incoming=True),
        None,
        NO_PUSH,
        {"voice": VOICE_BOTH},
    ),
    "voice_incoming_only_has_no_outgoing_application": (
        decision("voice", voice_incoming=True),
        None,
        CREDENTIALS,
        {"voice": {"incoming": {"allow": True}, "push_credential_sid": PUSH}},
    ),
    "voice_outgoing_only_does_not_allow_incoming": (
        decision("voice", voice_outgoing=True),
        None,
        NO_PUSH,
        {"voice": {"outgoing": {"application_sid": TWIML_APP}}},
    ),
    "chat_with_a_device_has_its_endpoint": (
        decision("chat"),
        "iphone",
        CREDENTIALS,
        {
            "chat": {
                "service_sid": CONVERSATIONS,
                "endpoint_id": "tokenserver:alice:iphone",
                "push_credential_sid": PUSH,
            }
        },
    ),
    "chat_without_a_device_has_no_endpoint": (
        decision("chat"),
        None,
        CREDENTIALS,
        {"chat": {"service_sid": CONVERSATIONS, "push_credential_sid": PUSH}},
    ),
    "chat_without_push": (
        decision("chat"),
        "ipad",
        NO_PUSH,
        {
            "chat": {
                "service_sid": CONVERSATIONS,
                "endpoint_id": "tokenserver:alice:ipad",
            }
        },
    ),
    "sync_names_the_sync_service": (
        decision("sync"),
        "iphone",
        CREDENTIALS,
        {"data_sync": {"service_sid": SYNC}},
    ),
    "every_grant_at_once": (
        decision("video", "voice", "chat", "sync", room="math", voice_incoming=True),
        "web",
        NO_PUSH,
        {
            "video": {"room": "math"},
            "voice": {"incoming": {"allow": True}},
            "chat": {
                "service_sid": CONVERSATIONS,
                "endpoint_id": "tokenserver:alice:web",
            },
            "data_sync": {"service_sid": SYNC},
        },
    ),
}


@pytest.mark.parametrize(
    ("made", "device", "credentials", "expected"),
    list(GRANT_CLAIMS.values()),
    ids=list(GRANT_CLAIMS),
)
def test_each_grant_carries_exactly_the_claims_an_sdk_reads(
    made, device, credentials, expected
):
    issued = signed(made, device=device, credentials=credentials)
    assert claims_of(issued.jwt)["grants"] == {"identity": "alice", **expected}


@pytest.mark.parametrize("identity", ["alice", "bob_2", "a" * 121])
def test_the_identity_claim_is_the_identity_signed_for(identity):
    issued = signed(decision("sync"), identity=identity)
    assert claims_of(issued.jwt)["grants"]["identity"] == identity


@pytest.mark.parametrize("ttl", [1, 180, 600, 86400])
def test_a_token_is_valid_from_now_for_the_decided_lifetime(ttl):
    issued = signed(decision("video", room="standup", ttl=ttl))
    claims = claims_of(issued.jwt)
    assert claims["nbf"] == int(NOW.timestamp())
    assert claims["exp"] == int(NOW.timestamp()) + ttl
    assert (claims["iss"], claims["sub"]) == (KEY, ACCOUNT)


def test_the_header_is_twilios_and_the_digest_is_of_the_token_itself():
    issued = signed(decision("video", room="standup"))
    header = jwt.get_unverified_header(issued.jwt)
    assert (header["alg"], header["typ"], header["cty"]) == (
        "HS256",
        "JWT",
        "twilio-fpa;v=1",
    )
    assert issued.sha256 == hashlib.sha256(issued.jwt.encode()).hexdigest()
    assert issued.jwt not in repr(issued)
    assert issued.sha256 in repr(issued)


def test_a_token_signed_with_another_secret_is_rejected():
    issued = signed(
        decision("video"),
        credentials=replace(
            CREDENTIALS, api_secret="another-secret-0123456789abcdef-xyz"
        ),
    )
    with pytest.raises(jwt.InvalidSignatureError):
        claims_of(issued.jwt)


@pytest.mark.parametrize(
    ("made", "identity", "message"),
    [
        # VideoGrant(room="") would grant every room.
        (decision(room=""), "alice", "An empty room would grant every room."),
        # to_jwt would use its default lifetime of an hour.
        (decision(ttl=0), "alice", "A token needs a positive lifetime."),
        # An already expired token.
        (decision(ttl=-5), "alice", "A token needs a positive lifetime."),
        # AccessToken drops an empty identity silently.
        (decision(), "", "A token needs an identity."),
        (decision("fax"), "alice", "Unknown grant 'fax'"),
    ],
    ids=["empty_room", "zero_ttl", "negative_ttl", "empty_identity", "unknown_grant"],
)
def test_signing_refuses_what_twilio_would_silently_turn_into_another_token(
    made, identity, message
):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        signed(made, identity=identity)


def test_every_token_has_its_own_jti_even_within_one_second():
    # twilio's AccessToken gives `<key>-<second>`: the same id for every token
    # signed in that second.
    ids = set()
    for identity in ("alice", "alice", "bob"):
        claims = claims_of(signed(decision(room="standup"), identity=identity).jwt)
        key, second, nonce = claims["jti"].rsplit("-", 2)
        assert (key, int(second)) == (KEY, claims["nbf"])
        assert len(nonce) == 32
        int(nonce, 16)  # hex digits
        ids.add(claims["jti"])
    assert len(ids) == 3
