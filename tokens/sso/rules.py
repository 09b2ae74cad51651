"""The account rules of a sign-in, as pure functions (no database, no HTTP).

Who a verified ID token is: the user linked to (issuer, sub); else, when the
operator allows it, a non-staff user whose email equals the token's verified
email; else a new user when TOKENSERVER_OIDC_CREATE_USERS is on; else refused.
A deactivated user is refused whatever the token. Groups from the configured
claim are added and removed only within the allow-list.
"""

import hashlib
import re
from dataclasses import dataclass

CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Policy:
    create_users: bool = False
    match_email: bool = False
    groups_claim: str = ""
    groups_allowed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Candidate:
    """What the rules need to know of a user found for the token."""

    is_active: bool
    is_staff: bool


class Refused(Exception):
    """`code` is the refusal's stable code: oidc_user_unknown, account_inactive."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def verified_email(claims: dict, policy: Policy) -> str | None:
    """The email to look an account up by, or None (matching off, unverified)."""
    email = claims.get("email")
    # Apple sends email_verified as the string "true", Google as a boolean.
    verified = claims.get("email_verified") in (True, "true")
    if not policy.match_email or not verified or not isinstance(email, str):
        return None
    if CONTROL.search(email) or "@" not in email:
        return None
    return email


def decide(linked: Candidate | None, by_email: Candidate | None, policy: Policy):
    """ "linked", "email" (link that user) or "create"; raises Refused."""
    if linked is not None:
        if not linked.is_active:
            raise Refused("account_inactive")
        return "linked"
    # Staff accounts are linked by staff only: a provider's email must not
    # hand anyone the admin.
    if by_email is not None and not by_email.is_staff:
        if not by_email.is_active:
            raise Refused("account_inactive")
        return "email"
    if policy.create_users:
        return "create"
    raise Refused("oidc_user_unknown")


def new_username(provider_name: str, issuer: str, subject: str) -> str:
    """A new user's username, so its Twilio identity too: never the email.

    The same for the same (issuer, sub), so two sign-ins racing to create
    one user collide on the username and one of them wins.
    """
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:20]
    return f"{provider_name}_{digest}"


def group_changes(
    claims: dict, current: set[str], policy: Policy
) -> tuple[set[str], set[str]] | None:
    """(to add, to remove) within the allow-list; None when groups are off."""
    if not policy.groups_claim:
        return None
    value = claims.get(policy.groups_claim, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        value = []
    claimed = {g for g in value if isinstance(g, str)} & policy.groups_allowed
    allowed_current = current & policy.groups_allowed
    return claimed - allowed_current, allowed_current - claimed
