"""Table tests of deriving Twilio identities from usernames: no database."""

import re
from itertools import islice

import pytest

from tokens.identity import (
    IDENTITY_PATTERN,
    MAX_LENGTH,
    base_identity,
    candidates,
    free_candidates,
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


def taken_from(names: set[str], asked: list[list[str]] | None = None):
    """A `taken` that knows `names` and records each batch it is asked."""

    def taken(batch: list[str]) -> set[str]:
        if asked is not None:
            asked.append(list(batch))
        return names & set(batch)

    return taken


# (username, identities already taken, the first three free ones)
FREE = [
    ("alice", set(), ["alice", "alice_2", "alice_3"]),
    ("alice", {"alice"}, ["alice_2", "alice_3", "alice_4"]),
    ("alice", {"alice_2"}, ["alice", "alice_3", "alice_4"]),
    ("jane", {"jane", "jane_2", "jane_4"}, ["jane_3", "jane_5", "jane_6"]),
    ("@", {"user"}, ["user_2", "user_3", "user_4"]),
]  # fmt: skip


@pytest.mark.parametrize(("username", "taken", "expected"), FREE)
def test_free_candidates_skip_the_taken_ones_in_order(username, taken, expected):
    found = list(islice(free_candidates(username, taken_from(taken)), 3))

    assert found == expected


def test_free_candidates_ask_about_twenty_names_at_a_time():
    asked: list[list[str]] = []
    taken = {f"bob_{n}" for n in range(2, 30)} | {"bob"}

    first = next(free_candidates("bob", taken_from(taken, asked)))

    assert first == "bob_30"
    assert [len(batch) for batch in asked] == [20, 20]
    assert asked[0][:2] == ["bob", "bob_2"]
    assert asked[1][0] == "bob_21"


def test_free_candidates_ask_nothing_until_a_name_is_wanted():
    asked: list[list[str]] = []

    names = free_candidates("carol", taken_from(set(), asked))

    assert asked == []
    assert next(names) == "carol"
    assert len(asked) == 1
