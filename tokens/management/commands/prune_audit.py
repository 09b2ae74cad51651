"""Delete token events older than an age, expired API tokens and sessions."""

import re
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tokens.issuing.audit import prune

UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_age(text: str) -> timedelta:
    match = re.fullmatch(r"(\d{1,6})([dhm])", text.strip())
    if not match:
        raise CommandError("Give the age as a number and a unit: 90d, 12h or 30m.")
    return timedelta(**{UNITS[match[2]]: int(match[1])})


class Command(BaseCommand):
    help = (
        "Delete token events older than --older-than, expired API tokens"
        " and expired browser sessions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", default="90d", help="e.g. 90d, 12h, 30m")
        parser.add_argument(
            "--batch",
            type=int,
            default=10_000,
            help="token events deleted a transaction (default 10000)",
        )

    def handle(self, *args, older_than: str, batch: int, **options):
        if not 1 <= batch <= 1_000_000:
            raise CommandError("Give --batch as a number from 1 to 1000000.")
        events, tokens, sessions = prune(
            older_than=parse_age(older_than), now=timezone.now(), batch=batch
        )
        self.stdout.write(
            f"Deleted {events} token events, {tokens} expired API tokens"
            f" and {sessions} expired browser sessions."
        )
