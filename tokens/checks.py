"""System checks: every missing or malformed Twilio variable, by name only;
demo accounts with their published passwords on a server with DEBUG off;
and, for deployments, a cache that cannot hold the rate limits."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.checks import CheckMessage, Error, Info, Tags, Warning, register
from django.db import DatabaseError

from tokens import credentials


@register(Tags.security)
def twilio_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    raw = settings.TWILIO
    if credentials.demo_allowed(
        raw, demo=settings.TOKENSERVER_DEMO, debug=settings.DEBUG
    ):
        return [Warning(credentials.DEMO_WARNING, id="tokens.W010")]
    messages: list[CheckMessage] = []
    if settings.TOKENSERVER_DEMO:
        reason = (
            "DJANGO_DEBUG is off" if not settings.DEBUG else "Twilio variables are set"
        )
        messages.append(
            Error(
                f"TOKENSERVER_DEMO is on but demo mode is refused: {reason}.",
                hint="Demo mode needs DEBUG on and no Twilio variable set.",
                id="tokens.E010",
            )
        )
    level = Warning if settings.DEBUG else Error
    for problem in credentials.find_problems(raw):
        enables = credentials.ENABLES.get(problem.variable)
        hint = f"Without it, {enables} is off." if enables else None
        if problem.optional and problem.missing:
            if problem.variable in PUSH_VARIABLES:
                continue  # said per product and platform by push_messages
            messages.append(Info(problem.message, hint=hint, id="tokens.I001"))
            continue
        code = "tokens.W001" if level is Warning else "tokens.E001"
        messages.append(level(problem.message, hint=hint, id=code))
    messages.extend(push_messages(credentials.current_credentials()))
    for name in settings.TWILIO_MISNAMED:
        messages.append(
            Warning(
                f"{name} is set but not read.",
                hint="The API key's secret goes in TWILIO_API_SECRET.",
                id="tokens.W002",
            )
        )
    return messages


PUSH_VARIABLES = {"TWILIO_PUSH_CREDENTIAL_SID", *credentials.PUSH_VARIABLES.values()}
PUSH_KIND_HINT = (
    "A push credential is of one kind (APNs, APNs sandbox or FCM): the fallback "
    "reaches only the platforms of its kind; give the others their own."
)


def push_messages(creds: credentials.TwilioCredentials) -> list[CheckMessage]:
    """Which product x platform has a push credential, its own or the fallback.

    Nothing when each has its own. A malformed variable counts as unset here
    (and has its own message above).
    """
    own, fallback, off = [], [], []
    for product, platform in credentials.PUSH_VARIABLES:
        name = credentials.push_combination(product, platform)
        source = creds.push_source(product, platform)
        if source == "TWILIO_PUSH_CREDENTIAL_SID":
            fallback.append(name)
        elif source:
            own.append(f"{name} ({source})")
        else:
            off.append((name, credentials.PUSH_VARIABLES[(product, platform)]))
    has_own = f" Own credential: {', '.join(own)}." if own else ""
    if off:
        variables = ", ".join(variable for _, variable in off)
        return [
            Info(
                f"Push is off for {', '.join(name for name, _ in off)}: no "
                f"credential of their own and no TWILIO_PUSH_CREDENTIAL_SID."
                f"{has_own}",
                hint=f"Set {variables} (or TWILIO_PUSH_CREDENTIAL_SID for all).",
                id="tokens.I002",
            )
        ]
    if fallback:
        return [
            Info(
                f"Push uses TWILIO_PUSH_CREDENTIAL_SID, the fallback, for "
                f"{', '.join(fallback)}.{has_own}",
                hint=PUSH_KIND_HINT,
                id="tokens.I003",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def shared_cache(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Throttles and login lockouts live in the cache: it must keep them."""
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    if backend == "DummyCache":
        return [
            Warning(
                "The cache keeps nothing (dummycache://): /token and login "
                "rate limits and login lockouts never take effect.",
                hint="Set REDIS_URL.",
                id="tokens.W020",
            )
        ]
    if backend == "LocMemCache":
        return [
            Warning(
                "The cache is each process's own memory: every gunicorn worker "
                "and instance keeps its own rate limits and lockouts, so each "
                "limit is multiplied by their number.",
                hint=(
                    "Set REDIS_URL. Fine for a try with one process "
                    "(WEB_CONCURRENCY=1: gunicorn starts one worker per CPU "
                    "plus one by default)."
                ),
                id="tokens.W021",
            )
        ]
    return []


@register(Tags.security, Tags.database)
def demo_passwords(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """No account may keep its published demo password once DEBUG is off.

    Run with the database checks (`migrate`, `check --database default`).
    The stored hashes are verified without the user's setter, so a check never
    rewrites a hash; the passwords are never printed.
    """
    if settings.DEBUG or not databases:
        return []
    try:
        names = sorted(
            {name for alias in databases for name in _demo_password_users(alias)}
        )
    except DatabaseError:  # before `migrate` made the tables, or unreachable
        return []
    if not names:
        return []
    return [
        Error(
            f"DEBUG is off and these accounts still have their published demo "
            f"password: {', '.join(names)}.",
            hint=(
                "This looks like the demo's database (seed_demo): give the server "
                "its own DATABASE_URL, or set new passwords with "
                "`manage.py changepassword <name>`."
            ),
            id="tokens.E030",
        )
    ]


def _demo_password_users(alias: str) -> list[str]:
    # Imported here: the models are not ready when checks are registered.
    from tokens.management.commands.seed_demo import DEMO_USERS
    from tokens.models import User

    found = User.objects.using(alias).filter(username__in=DEMO_USERS)
    return [
        username
        for username, encoded in found.values_list("username", "password")
        if check_password(DEMO_USERS[username], encoded)
    ]
