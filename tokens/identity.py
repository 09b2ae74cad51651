"""Twilio identities: the one name a user has in every Twilio product."""

import re
from collections.abc import Callable, Iterator
from itertools import islice

from django.core.validators import RegexValidator

# Voice is the strictest product: letters, digits and underscores, 121 at most.
IDENTITY_PATTERN = r"\A[A-Za-z0-9_]{1,121}\Z"
MAX_LENGTH = 121

validate_identity = RegexValidator(
    IDENTITY_PATTERN,
    "Use 1 to 121 letters, digits or underscores.",
    code="invalid_identity",
)


def base_identity(username: str) -> str:
    """Reduce a username to identity characters; never empty."""
    cleaned = re.sub(r"[^A-Za-z0-9_]+", "_", username).strip("_")
    return (cleaned or "user")[:MAX_LENGTH]


def candidates(username: str) -> Iterator[str]:
    """Yield identities for a username: the base first, then numbered ones."""
    base = base_identity(username)
    yield base
    number = 2
    while True:
        suffix = f"_{number}"
        yield base[: MAX_LENGTH - len(suffix)] + suffix
        number += 1


def free_candidates(
    username: str, taken: Callable[[list[str]], set[str]], *, batch: int = 20
) -> Iterator[str]:
    """Yield the username's candidates that `taken` does not name, in order.

    `taken` is asked about `batch` names at a time (one query for twenty).
    """
    names = candidates(username)
    while True:
        chunk = list(islice(names, batch))
        used = taken(chunk)
        yield from (name for name in chunk if name not in used)
