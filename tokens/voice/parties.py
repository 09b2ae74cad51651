"""Load the parties of a call as the database says now, in a constant number
of queries: who they are, whether active, their groups and call rules."""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import Q

from tokens.models import GrantRule, User
from tokens.voice import policy
from tokens.voice.models import IncomingCalls

# Members of the answering group read per incoming call, at most: a huge
# group is not read whole for each call.
CANDIDATES_READ = 50
RING_LIMIT = 10  # Twilio rings at most 10 <Client> nouns of one <Dial>


def parties_of(users: list[User]) -> dict[int, policy.Party]:
    """Each user's Party: two queries whatever the number of users."""
    ids = [user.pk for user in users]
    memberships = User.groups.through.objects.filter(user_id__in=ids)
    groups: dict[int, set[int]] = defaultdict(set)
    for user_id, group_id in memberships.values_list("user_id", "group_id"):
        groups[user_id].add(group_id)
    all_groups = {group for found in groups.values() for group in found}
    rules = GrantRule.objects.filter(
        Q(user_id__in=ids) | Q(group_id__in=all_groups)
    ).select_related("group")
    personal: dict[int, policy.CallRule] = {}
    by_group: dict[int, policy.CallRule] = {}
    for rule in rules:
        if rule.user_id is not None:
            personal[rule.user_id] = rule.call_rule("personal")
        elif rule.group_id is not None:
            by_group[rule.group_id] = rule.call_rule(rule.source)
    return {
        user.pk: policy.Party(
            identity=user.twilio_identity,
            active=user.is_active,
            is_superuser=user.is_superuser,
            groups=frozenset(groups[user.pk]),
            rules=tuple(
                rule
                for rule in (
                    personal.get(user.pk),
                    *(by_group.get(g) for g in sorted(groups[user.pk])),
                )
                if rule is not None
            ),
        )
        for user in users
    }


def load(*identities: str) -> dict[str, tuple[User, policy.Party]]:
    """The users with these identities and their parties: three queries."""
    users = list(User.objects.filter(twilio_identity__in=identities))
    parties = parties_of(users)
    return {user.twilio_identity: (user, parties[user.pk]) for user in users}


ADMIN, ENVIRONMENT = "admin", "environment"


@dataclass(frozen=True)
class AnsweringGroup:
    """The group the number rings, by name, and who chose it (source "":
    nobody did). `group` is None when the environment names no group."""

    name: str
    source: str
    group: Group | None


def answering_group() -> AnsweringGroup:
    """The admin's choice (Incoming calls) wins; else TWILIO_INCOMING_CALL_GROUP.

    One query when staff chose a group, two when the environment names one.
    """
    chosen = IncomingCalls.objects.select_related("group").filter(pk=1).first()
    if chosen is not None and chosen.group is not None:
        return AnsweringGroup(chosen.group.name, ADMIN, chosen.group)
    name = settings.TWILIO_INCOMING_CALL_GROUP
    if not name:
        return AnsweringGroup("", "", None)
    return AnsweringGroup(name, ENVIRONMENT, Group.objects.filter(name=name).first())


def answering(group: Group, *, limit: int) -> list[str]:
    """Identities of the group's active members who may receive calls now,
    in username order, at most `limit`. Three queries."""
    # Narrowed in SQL to those some rule lets receive calls; the policy decides.
    may = (
        Q(is_superuser=True)
        | Q(grant_rule__voice_incoming=True)
        | Q(groups__grant_rule__voice_incoming=True)
    )
    members = User.objects.filter(groups=group, is_active=True)
    ids = members.filter(may).values("pk")
    users = list(User.objects.filter(pk__in=ids).order_by("username")[:CANDIDATES_READ])
    parties = parties_of(users)
    found = [
        user.twilio_identity for user in users if policy.may_receive(parties[user.pk])
    ]
    return found[:limit]


def calls_of(user: User) -> policy.Calls:
    """Whom the user may call and whether they receive calls, now."""
    party = parties_of([user])[user.pk]
    return policy.combine(party.rules, is_superuser=party.is_superuser)
