"""Who may call whom: pure decisions on the grant rules.

No request, no settings, no query. The caller loads both parties' rules and
groups at the time of the call, so a permission staff removed holds at once
whatever token the app still has.

Rules combine generously, as for the grants: a user may place calls if any
of their rules gives outgoing calls, and reaches as far as the most
generous rule's `calls` level; phone numbers are allowed under the union
of the prefixes of the rules that allow phone numbers (no prefix: none).
"""

import re
from dataclasses import dataclass

CALLS_NONE, CALLS_GROUP, CALLS_ANY, CALLS_PHONE = "none", "group", "any", "phone"
CALL_LEVELS = (CALLS_NONE, CALLS_GROUP, CALLS_ANY, CALLS_PHONE)
CALL_CHOICES = [
    (CALLS_NONE, "Nobody"),
    (CALLS_GROUP, "Identities sharing a group with the caller"),
    (CALLS_ANY, "Any identity of this server"),
    (CALLS_PHONE, "Any identity, and phone numbers with the allowed prefixes"),
]

# ITU-T E.164: "+", a country code that does not start with 0, 15 digits at most.
E164 = re.compile(r"\+[1-9][0-9]{1,14}")
PREFIX = re.compile(r"\+[1-9][0-9]{0,14}")
PREFIX_SEPARATORS = re.compile(r"[\s,;]+")

# Refusal codes: stable, recorded in the audit log, named in the README.
CALLER_UNKNOWN = "caller_unknown"
CALLER_INACTIVE = "caller_inactive"
CALLER_NOT_PERMITTED = "caller_not_permitted"
INVALID_DESTINATION = "invalid_destination"
CALLEE_UNKNOWN = "callee_unknown"
CALLEE_INACTIVE = "callee_inactive"
CALLEE_NOT_PERMITTED = "callee_not_permitted"
CALLEE_NOT_REACHABLE = "callee_not_reachable"
CALLEE_IS_CALLER = "callee_is_caller"
NUMBER_NOT_PERMITTED = "number_not_permitted"
NUMBERS_NOT_CONFIGURED = "numbers_not_configured"


class InvalidPrefixes(ValueError):
    pass


def parse_prefixes(text: str) -> tuple[str, ...]:
    """`"+1, +44"` -> `("+1", "+44")`; InvalidPrefixes names a bad one."""
    found = [part for part in PREFIX_SEPARATORS.split(text.strip()) if part]
    bad = [part for part in found if not PREFIX.fullmatch(part)]
    if bad:
        raise InvalidPrefixes(
            f"Not a dialling prefix: {bad[0][:20]!r}. Use + and digits, as +1 or +44."
        )
    return tuple(dict.fromkeys(found))


def is_e164(number: str) -> bool:
    return E164.fullmatch(number) is not None


@dataclass(frozen=True)
class CallRule:
    """The call permissions of one user's or group's grant rule."""

    source: str
    outgoing: bool = False
    incoming: bool = False
    calls: str = CALLS_ANY
    prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Party:
    """A user on one end of a call, as the database says now."""

    identity: str
    active: bool = True
    is_superuser: bool = False
    groups: frozenset[int] = frozenset()
    rules: tuple[CallRule, ...] = ()


@dataclass(frozen=True)
class Calls:
    """The union of a user's call rules."""

    outgoing: bool = False
    incoming: bool = False
    reach: str = CALLS_NONE
    prefixes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def reach_label(self) -> str:
        """What the admin says of whom these rules let the user call."""
        return dict(CALL_CHOICES)[self.reach if self.outgoing else CALLS_NONE]

    def allows_number(self, number: str) -> bool:
        return (
            self.outgoing
            and self.reach == CALLS_PHONE
            and is_e164(number)
            and any(number.startswith(prefix) for prefix in self.prefixes)
        )


def combine(rules: tuple[CallRule, ...], *, is_superuser: bool) -> Calls:
    """Merge call rules, the most generous winning.

    Superusers may place and receive calls to any identity, as they get
    every grant; phone numbers cost money and need a rule with prefixes.
    """
    if is_superuser:
        rules = (*rules, CallRule("superuser", True, True, CALLS_ANY))
    outgoing = [rule for rule in rules if rule.outgoing]
    reach = max(
        (rule.calls for rule in outgoing), key=CALL_LEVELS.index, default=CALLS_NONE
    )
    prefixes = [
        p for rule in outgoing if rule.calls == CALLS_PHONE for p in rule.prefixes
    ]
    return Calls(
        outgoing=bool(outgoing) and reach != CALLS_NONE,
        incoming=any(rule.incoming for rule in rules),
        reach=reach,
        prefixes=tuple(sorted(set(prefixes))),
        sources=tuple(rule.source for rule in outgoing if rule.calls != CALLS_NONE),
    )


def may_receive(party: Party | None) -> bool:
    if party is None or not party.active:
        return False
    return combine(party.rules, is_superuser=party.is_superuser).incoming


def refuse_caller(caller: Party | None) -> str | None:
    """Why this caller may place no call now (None: they may)."""
    if caller is None:
        return CALLER_UNKNOWN
    if not caller.active:
        return CALLER_INACTIVE
    if not combine(caller.rules, is_superuser=caller.is_superuser).outgoing:
        return CALLER_NOT_PERMITTED
    return None


def refuse_client_call(caller: Party, callee: Party | None) -> str | None:
    """Why `caller` may not ring `callee`'s apps now (None: they may)."""
    refused = refuse_caller(caller)
    if refused:
        return refused
    if callee is None:
        return CALLEE_UNKNOWN
    if callee.identity == caller.identity:
        return CALLEE_IS_CALLER
    if not callee.active:
        return CALLEE_INACTIVE
    if not may_receive(callee):
        return CALLEE_NOT_PERMITTED
    calls = combine(caller.rules, is_superuser=caller.is_superuser)
    if calls.reach == CALLS_GROUP and not caller.groups & callee.groups:
        return CALLEE_NOT_REACHABLE
    return None


def refuse_number_call(
    caller: Party, number: str, *, caller_id_configured: bool
) -> str | None:
    """Why `caller` may not dial `number` now (None: they may)."""
    refused = refuse_caller(caller)
    if refused:
        return refused
    if not combine(caller.rules, is_superuser=caller.is_superuser).allows_number(
        number
    ):
        return NUMBER_NOT_PERMITTED
    if not caller_id_configured:
        return NUMBERS_NOT_CONFIGURED
    return None
