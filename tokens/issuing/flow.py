"""Issue a token for an authenticated user: load, decide, make its room
live on Twilio when it must be, sign, record."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tokens import errors, policy
from tokens.credentials import TwilioCredentials
from tokens.issuing import audit, live_room, signing
from tokens.issuing.params import parse_token_params
from tokens.issuing.subject import load_subject
from tokens.metrics import record as metrics
from tokens.models import User


@dataclass(frozen=True)
class Result:
    decision: policy.Decision
    issued: signing.IssuedToken


def request_token(
    *,
    user: User,
    raw_params: Mapping[str, Any],
    credentials: TwilioCredentials,
    limits: policy.Limits,
    client: audit.Client,
    now: datetime,
    session_platform: str = "",
) -> Result:
    """Issue a token for these parameters, or record the refusal and raise it.

    The platform asked for wins over the one the API session was made with.
    """
    # A JWT counts in whole seconds: so do the ttl and expiry we report.
    now = now.replace(microsecond=0)
    params = None
    try:
        params = parse_token_params(raw_params)
        subject = load_subject(user, room=params.room)
        decision = policy.decide(
            subject,
            params,
            capabilities=credentials.capabilities,
            limits=limits,
            now=now,
        )
        if policy.needs_live_room(subject, decision):
            live_room.make_live(decision.room, credentials=credentials, now=now)
    except errors.TokenRefused as refusal:
        refuse(user=user, refusal=refusal, params=params, client=client, now=now)
        raise
    issued = signing.sign(
        decision,
        identity=user.twilio_identity,
        device=params.device,
        credentials=credentials,
        now=now,
        platform=params.platform or session_platform or None,
    )
    audit.record_issued(
        user=user,
        decision=decision,
        params=params,
        issued=issued,
        client=client,
        now=now,
    )
    metrics.issued(decision.grants)
    return Result(decision=decision, issued=issued)


def refuse(
    *,
    user: User,
    refusal: errors.TokenRefused,
    client: audit.Client,
    now: datetime,
    params: policy.Params | None = None,
) -> None:
    """Record a refusal; the view calls it for a body it could not read."""
    metrics.refused(refusal.default_code)
    audit.record_refusal(
        user=user,
        code=refusal.default_code,
        params=params,
        client=client,
        now=now.replace(microsecond=0),
    )
