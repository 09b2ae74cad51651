"""Table tests of deriving Twilio identities from usernames: no database."""

import re
from itertools import islice

import pytest

from tokens.identity import (
    IDENTITY_PATTERN,
    MAX_LENGTH,
    base_identity,
    candidates,
    validate_identity,
)

LONG = "a" * 150

# (username, base identity)
BASES = [
    ("alice", "alice"),
    ("Alice_Smith9", "Alice_Smith9"),
    ("alice smith", "alice_smith"),
    ("alice.smith", "alice_smith"),
    ("alice@example.com", "alice_example_com"),
    ("alice+-.@smith", "alice_smith"),
    ("-alice-", "alice"),
    ("  alice  ", "alice"),
    ("josé", "jos"),
    ("42", "42"),
    ("@", "user"),
    ("@.+-", "user"),
    ("éü", "user"),
    ("", "user"),
    (LONG, "a" * MAX_LENGTH),
    ("b" * 120 + "-tail", "b" * 120 + "_"),
    # Only underscores are trimmed from the ends, no other letter.
    ("X_alice_X", "X_alice_X"),
    ("_alice_", "alice"),
]


@pytest.mark.parametrize(("username", "expected"), BASES)
def test_base_identity_replaces_disallowed_characters(username, expected):
    assert base_identity(username) == expected


USERNAMES = [username for username, _ in BASES] + [
    "x" * 119 + "_2",
    "a.b" * 60,
    "日本語ユーザー",
    "user_name_with_trailing_",
]


def is_valid(identity: str) -> bool:
    return re.fullmatch(IDENTITY_PATTERN, identity) is not None


@pytest.mark.parametrize("username", USERNAMES)
def test_base_identity_is_never_empty_and_always_valid(username):
    base = base_identity(username)
    assert 1 <= len(base) <= MAX_LENGTH
    assert is_valid(base)
    validate_identity(base)  # raises ValidationError when invalid


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("alice", ["alice", "alice_2", "alice_3", "alice_4"]),
        ("alice smith", ["alice_smith", "alice_smith_2", "alice_smith_3"]),
        ("@", ["user", "user_2", "user_3"]),
        (LONG, ["a" * 121, "a" * 119 + "_2", "a" * 119 + "_3"]),
    ],
)
def test_candidates_start_with_the_base_then_number_it(username, expected):
    assert list(islice(candidates(username), len(expected))) == expected


def test_candidates_keep_counting_past_nine_within_the_length():
    found = list(islice(candidates(LONG), 100))
    assert found[9] == "a" * 118 + "_10"
    assert found[99] == "a" * 117 + "_100"


@pytest.mark.parametrize("username", USERNAMES)
def test_every_candidate_is_a_valid_identity(username):
    found = list(islice(candidates(username), 120))
    assert found[0] == base_identity(username)
    for name in found:
        assert len(name) <= MAX_LENGTH
        assert is_valid(name), name
        validate_identity(name)


@pytest.mark.parametrize("username", ["alice", "alice smith", "@", LONG])
def test_candidates_are_all_different(username):
    found = list(islice(candidates(username), 200))
    assert len(set(found)) == len(found)
