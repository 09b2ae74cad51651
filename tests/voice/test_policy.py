"""Who may call whom: table tests of the pure call policy, no database."""

import pytest

from tokens.voice import policy
from tokens.voice.policy import CallRule, Party

CALLER_RULE = CallRule("personal", outgoing=True, calls=policy.CALLS_ANY)
RECEIVER = CallRule("personal", incoming=True)


def party(identity="alice", *rules, groups=(1,), active=True, is_superuser=False):
    return Party(
        identity=identity,
        active=active,
        is_superuser=is_superuser,
        groups=frozenset(groups),
        rules=rules,
    )


def phone(prefixes, source="personal"):
    return CallRule(source, outgoing=True, calls=policy.CALLS_PHONE, prefixes=prefixes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ()),
        ("+1", ("+1",)),
        ("+1, +44", ("+1", "+44")),
        ("+1,+44;  +33\n+1", ("+1", "+44", "+33")),
    ],
)
def test_prefixes_are_read_from_a_list(text, expected):
    assert policy.parse_prefixes(text) == expected


@pytest.mark.parametrize(
    "text", ["1", "+", "+0", "+44a", "44", "+1 900x", "+" + "1" * 16]
)
def test_a_prefix_that_is_not_plus_and_digits_is_refused(text):
    with pytest.raises(policy.InvalidPrefixes):
        policy.parse_prefixes(text)


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("+14155550100", True),
        ("+442071838750", True),
        ("+1" + "2" * 14, True),  # 15 digits
        ("+1" + "2" * 15, False),  # 16 digits
        ("14155550100", False),
        ("+04155550100", False),
        ("+1 415 555 0100", False),
        ("+1415555010a", False),
        ("+14155550100\n", False),
        ("", False),
        ("+", False),
    ],
)
def test_only_e164_numbers_are_numbers(number, valid):
    assert policy.is_e164(number) is valid


@pytest.mark.parametrize(
    ("rules", "superuser", "outgoing", "reach", "prefixes"),
    [
        pytest.param((), False, False, "none", (), id="no-rule"),
        pytest.param((RECEIVER,), False, False, "none", (), id="incoming-only"),
        pytest.param(
            (CallRule("p", outgoing=True, calls="none"),),
            False,
            False,
            "none",
            (),
            id="outgoing-to-nobody",
        ),
        pytest.param(
            (CallRule("p", calls="phone", prefixes=("+1",)),),
            False,
            False,
            "none",
            (),
            id="reach-without-outgoing-counts-for-nothing",
        ),
        pytest.param(
            (
                CallRule("p", outgoing=True, calls="group"),
                CallRule("g", outgoing=True, calls="any"),
            ),
            False,
            True,
            "any",
            (),
            id="most-generous-reach-wins",
        ),
        pytest.param(
            (phone(("+44",)), phone(("+1", "+44"), "group g")),
            False,
            True,
            "phone",
            ("+1", "+44"),
            id="prefixes-are-a-union",
        ),
        pytest.param((), True, True, "any", (), id="superuser-any-identity-no-numbers"),
    ],
)
def test_rules_combine_generously(rules, superuser, outgoing, reach, prefixes):
    calls = policy.combine(rules, is_superuser=superuser)

    assert (calls.outgoing, calls.reach, calls.prefixes) == (outgoing, reach, prefixes)


@pytest.mark.parametrize(
    ("caller", "code"),
    [
        (None, policy.CALLER_UNKNOWN),
        (party("alice", CALLER_RULE, active=False), policy.CALLER_INACTIVE),
        (party("alice"), policy.CALLER_NOT_PERMITTED),
        (party("alice", RECEIVER), policy.CALLER_NOT_PERMITTED),
        (party("alice", CALLER_RULE), None),
    ],
)
def test_who_may_place_calls_at_all(caller, code):
    assert policy.refuse_caller(caller) == code


GROUP_CALLER = party("alice", CallRule("p", outgoing=True, calls="group"), groups=(1,))


@pytest.mark.parametrize(
    ("caller", "callee", "code"),
    [
        pytest.param(party("alice", CALLER_RULE), None, "callee_unknown", id="unknown"),
        pytest.param(
            party("alice", CALLER_RULE),
            party("bob", RECEIVER, active=False),
            "callee_inactive",
            id="callee-deactivated",
        ),
        pytest.param(
            party("alice", CALLER_RULE),
            party("bob"),
            "callee_not_permitted",
            id="callee-without-incoming",
        ),
        pytest.param(
            party("alice", CALLER_RULE),
            party("alice", RECEIVER),
            "callee_is_caller",
            id="self",
        ),
        pytest.param(
            GROUP_CALLER,
            party("bob", RECEIVER, groups=(2,)),
            "callee_not_reachable",
            id="group-reach-no-shared-group",
        ),
        pytest.param(
            GROUP_CALLER, party("bob", RECEIVER, groups=(2, 1)), None, id="shared-group"
        ),
        pytest.param(
            party("alice", CALLER_RULE),
            party("bob", RECEIVER, groups=(9,)),
            None,
            id="any-identity",
        ),
        pytest.param(
            party("alice", phone(())),
            party("bob", RECEIVER, groups=(9,)),
            None,
            id="phone-reach-includes-identities",
        ),
        pytest.param(
            party("alice", CALLER_RULE),
            party("bob", is_superuser=True),
            None,
            id="superuser-receives",
        ),
        pytest.param(
            party("alice"), party("bob", RECEIVER), "caller_not_permitted", id="caller"
        ),
    ],
)
def test_who_may_ring_whom(caller, callee, code):
    assert policy.refuse_client_call(caller, callee) == code


@pytest.mark.parametrize(
    ("caller", "number", "code"),
    [
        pytest.param(party("a", phone(("+1", "+44"))), "+14155550100", None, id="+1"),
        pytest.param(
            party("a", phone(("+44",))),
            "+14155550100",
            "number_not_permitted",
            id="outside",
        ),
        pytest.param(
            party("a", phone(())),
            "+14155550100",
            "number_not_permitted",
            id="no-prefix-none",
        ),
        pytest.param(
            party("a", CALLER_RULE),
            "+14155550100",
            "number_not_permitted",
            id="identities-only",
        ),
        pytest.param(
            party("a", phone(("+447",))),
            "+449098790000",
            "number_not_permitted",
            id="premium-rate-prefix-not-listed",
        ),
        pytest.param(
            party("a", phone(("+1415", "+1212"))),
            "+19005550100",
            "number_not_permitted",
            id="us-premium-900-not-listed",
        ),
        pytest.param(party("a", phone(("+1",))), "+1415555", None, id="short-but-e164"),
        pytest.param(
            party("a", phone(("+1",))),
            "1415555010",
            "number_not_permitted",
            id="not-e164",
        ),
        pytest.param(
            party("a", phone(("+1",)), active=False),
            "+14155550100",
            "caller_inactive",
            id="inactive",
        ),
        pytest.param(
            party("a", is_superuser=True),
            "+14155550100",
            "number_not_permitted",
            id="superuser",
        ),
    ],
)
def test_which_numbers_a_caller_may_dial(caller, number, code):
    assert policy.refuse_number_call(caller, number, caller_id_configured=True) == code


def test_an_allowed_number_is_refused_without_a_caller_id():
    caller = party("a", phone(("+1",)))

    refused = policy.refuse_number_call(
        caller, "+14155550100", caller_id_configured=False
    )

    assert refused == policy.NUMBERS_NOT_CONFIGURED


@pytest.mark.parametrize(
    ("callee", "rings"),
    [
        pytest.param(party("dave", RECEIVER), True, id="incoming"),
        pytest.param(party("dave", RECEIVER, active=False), False, id="deactivated"),
        pytest.param(party("dave", CALLER_RULE), False, id="outgoing-only"),
        pytest.param(None, False, id="no-such-user"),
    ],
)
def test_who_may_receive_a_call(callee, rings):
    assert policy.may_receive(callee) is rings
