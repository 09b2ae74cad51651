"""Turn a policy decision into a signed Twilio Access Token."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.views.decorators.debug import sensitive_variables
from twilio.jwt.access_token import AccessToken, AccessTokenGrant
from twilio.jwt.access_token.grants import ChatGrant, SyncGrant, VideoGrant, VoiceGrant

from tokens.credentials import TwilioCredentials
from tokens.policy import Decision


@dataclass(frozen=True)
class IssuedToken:
    jwt: str
    sha256: str

    def __repr__(self) -> str:  # never print the JWT itself
        return f"IssuedToken(sha256={self.sha256!r})"


def endpoint_id(identity: str, device: str | None) -> str | None:
    return f"tokenserver:{identity}:{device}" if device else None


class _AccessToken(AccessToken):
    """An AccessToken whose `jti` is unique.

    twilio's own `jti` is `<API key SID>-<second>`: every token signed with the
    key in the same second, for any user, would carry the same id. RFC 7519
    asks for an id that is not accidentally reused, so a random part follows
    the same prefix (`<key>-<second>-<32 hex digits>`).
    """

    def _generate_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = super()._generate_payload()
        payload["jti"] = f"{self.signing_key_sid}-{self.nbf}-{secrets.token_hex(16)}"
        return payload


# Every local of this frame and of the frames it calls (twilio's, PyJWT's
# `key`) is hidden from error reports: they hold the API secret.
@sensitive_variables()
def sign(
    decision: Decision,
    *,
    identity: str,
    device: str | None,
    credentials: TwilioCredentials,
    now: datetime,
    platform: str | None = None,
) -> IssuedToken:
    """Sign the decided token, with `nbf` at `now` and `exp` at the decided expiry."""
    if not identity:
        # AccessToken silently drops an empty identity.
        raise ValueError("A token needs an identity.")
    if decision.ttl < 1:
        # AccessToken would mint an already-expired or default-lifetime token.
        raise ValueError("A token needs a positive lifetime.")
    issued_at = int(now.timestamp())
    token = _AccessToken(
        credentials.account_sid,
        credentials.api_key,
        credentials.api_secret,
        identity=identity,
        nbf=issued_at,
        valid_until=issued_at + decision.ttl,
        grants=[
            _grant(name, decision, identity, device, credentials, platform)
            for name in decision.grants
        ],
    )
    jwt = token.to_jwt()
    return IssuedToken(jwt=jwt, sha256=hashlib.sha256(jwt.encode()).hexdigest())


def _grant(
    name: str,
    decision: Decision,
    identity: str,
    device: str | None,
    credentials: TwilioCredentials,
    platform: str | None = None,
) -> AccessTokenGrant:
    if name == "video":
        # VideoGrant(room=None) grants every room: only for an unlocked decision.
        if decision.room is None:
            return VideoGrant()
        if not decision.room:
            raise ValueError("An empty room would grant every room.")
        return VideoGrant(room=decision.room)
    if name == "voice":
        return VoiceGrant(
            incoming_allow=decision.voice_incoming or None,
            outgoing_application_sid=credentials.twiml_app_sid
            if decision.voice_outgoing
            else None,
            push_credential_sid=credentials.push_credential_for("voice", platform)
            or None,
        )
    if name == "chat":
        return ChatGrant(
            service_sid=credentials.conversations_service_sid,
            endpoint_id=endpoint_id(identity, device),
            push_credential_sid=credentials.push_credential_for("chat", platform)
            or None,
        )
    if name == "sync":
        return SyncGrant(service_sid=credentials.sync_service_sid)
    raise ValueError(f"Unknown grant {name!r}")
