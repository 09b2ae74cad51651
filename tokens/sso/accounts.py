"""The database side of a sign-in: find, link or create the user (rules.py decides)."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from tokens.models import User
from tokens.sso import rules
from tokens.sso.config import OidcConfig
from tokens.sso.models import OidcLink


def current_policy() -> rules.Policy:
    return rules.Policy(
        create_users=settings.TOKENSERVER_OIDC_CREATE_USERS,
        match_email=settings.TOKENSERVER_OIDC_MATCH_EMAIL,
        groups_claim=settings.OIDC_GROUPS_CLAIM,
        groups_allowed=frozenset(settings.OIDC_GROUPS_ALLOWED),
    )


def _candidate(user: User | None) -> rules.Candidate | None:
    return None if user is None else rules.Candidate(user.is_active, user.is_staff)


def user_for(claims: dict, provider: OidcConfig, policy: rules.Policy) -> User:
    """The user the verified claims are; raises rules.Refused.

    A concurrent sign-in creating the same user or link makes ours fail on a
    unique constraint: the second attempt finds what the other one made.
    """
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return _resolve(claims, provider, policy)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _resolve(claims: dict, provider: OidcConfig, policy: rules.Policy) -> User:
    subject = claims["sub"]
    link = (
        OidcLink.objects.select_related("user")
        .filter(issuer=provider.issuer, subject=subject)
        .first()
    )
    linked = link.user if link else None
    by_email = None
    email = rules.verified_email(claims, policy) if linked is None else None
    if email:
        found = list(User.objects.filter(email__iexact=email)[:2])
        by_email = found[0] if len(found) == 1 else None
    choice = rules.decide(_candidate(linked), _candidate(by_email), policy)
    if choice == "linked":
        user = linked
    elif choice == "email":
        user = by_email
    else:
        user = User(
            username=rules.new_username(provider.name, provider.issuer, subject)
        )
        user.set_unusable_password()
        user.save()
    assert user is not None  # noqa: S101 (decide returned one of the three)
    if link is None:
        OidcLink.objects.create(issuer=provider.issuer, subject=subject, user=user)
    _apply_groups(user, claims, policy)
    return user


def _apply_groups(user: User, claims: dict, policy: rules.Policy) -> None:
    if not policy.groups_claim:
        return
    current = set(user.groups.values_list("name", flat=True))
    changes = rules.group_changes(claims, current, policy)
    if not changes:
        return
    add, remove = changes
    if add:
        user.groups.add(*Group.objects.filter(name__in=add))  # never created
    if remove:
        user.groups.remove(*Group.objects.filter(name__in=remove))
