"""Table tests of the /token parameters' validation (issuing/params.py).

No database: a query string or form is a QueryDict, a JSON body a dict.
"""

import pytest
from django.http import QueryDict
from rest_framework import serializers
from rest_framework.fields import SkipField, empty

from tokens import errors
from tokens.issuing.params import (
    TOKEN_PARAM_FIELDS,
    device_field,
    parse_token_params,
)
from tokens.policy import Params

ROOM_RULE = (
    "Use 1 to 128 letters, digits, '_', '.' or '-', starting with a letter or digit."
)
DEVICE_RULE = "Use 1 to 64 letters, digits, '_', '.' or '-'."
GRANT_NAMES = "use video, voice, chat, sync."
NOT_AN_INTEGER = "A valid integer is required."
FULLWIDTH_600 = "\uff16\uff10\uff10"  # int() takes it
EVERYTHING = Params(
    grants=frozenset({"video", "chat"}),
    room="standup",
    device="iphone",
    ttl=600,
    identity="alice",
)

# (case, query string or JSON body, the parameters read)
ACCEPTED = [
    ("nothing_asked_for", {}, Params()),
    ("an_empty_query_string", QueryDict(""), Params()),
    (
        "every_parameter_in_a_query_string",
        QueryDict(
            "room=standup&device=iphone&grants=video,chat&ttl=600&identity=alice"
        ),
        EVERYTHING,
    ),
    (
        "every_parameter_in_json",
        {
            "room": "standup",
            "device": "iphone",
            "grants": "video,chat",
            "ttl": 600,
            "identity": "alice",
        },
        EVERYTHING,
    ),
    (
        "spaces_around_grant_names",
        {"grants": " video , sync "},
        Params(grants=frozenset({"video", "sync"})),
    ),
    ("one_parameter_among_others", {"ttl": 900}, Params(ttl=900)),
    ("a_room_of_128_characters", {"room": "r" * 128}, Params(room="r" * 128)),
    ("a_device_of_64_characters", {"device": "d" * 64}, Params(device="d" * 64)),
    ("the_largest_ttl_read", {"ttl": 10**9}, Params(ttl=10**9)),
    (
        "a_grant_list_of_64_characters",
        {"grants": ",".join(["chat"] * 13)},
        Params(grants=frozenset({"chat"})),
    ),
    # Compared with the user's identity as sent: spaces are not trimmed.
    ("an_identity_with_spaces", {"identity": " alice "}, Params(identity=" alice ")),
    (
        "an_identity_of_484_characters",
        {"identity": "x" * 484},
        Params(identity="x" * 484),
    ),
    ("ttl_with_a_leading_zero", QueryDict("ttl=0600"), Params(ttl=600)),
    (
        "unknown_parameters_are_ignored_even_repeated",
        QueryDict("foo=1&foo=2&device=ipad"),
        Params(device="ipad"),
    ),
]


@pytest.mark.parametrize(
    ("data", "expected"),
    [case[1:] for case in ACCEPTED],
    ids=[case[0] for case in ACCEPTED],
)
def test_valid_parameters_are_read_into_params(data, expected):
    assert parse_token_params(data) == expected


# (case, query string or JSON body, the parameter named, its message)
REFUSED = [
    ("a_json_list", ["room"], "body", "Send a JSON object or a form."),
    ("a_json_string", "room=standup", "body", "Send a JSON object or a form."),
    (
        "a_repeated_parameter",
        QueryDict("room=a&room=b"),
        "room",
        "Give this parameter only once.",
    ),
    (
        "the_first_repeated_parameter_is_named",
        QueryDict("ttl=600&ttl=900&room=a&room=b"),
        "room",
        "Give this parameter only once.",
    ),
    ("a_room_with_a_space", {"room": "stand up"}, "room", ROOM_RULE),
    ("a_room_of_129_characters", {"room": "r" * 129}, "room", ROOM_RULE),
    ("an_empty_room", QueryDict("room="), "room", "This field may not be blank."),
    ("a_device_with_a_space", QueryDict("device=my+phone"), "device", DEVICE_RULE),
    (
        "a_device_of_65_characters",
        {"device": "d" * 65},
        "device",
        "Ensure this field has no more than 64 characters.",
    ),
    ("no_grant_named", {"grants": ""}, "grants", "This field may not be blank."),
    (
        # 65 characters, each name valid: the limit is on the text.
        "a_grant_list_of_65_characters",
        {"grants": ",".join(["video"] * 11)},
        "grants",
        "Ensure this field has no more than 64 characters.",
    ),
    (
        "an_unknown_grant",
        {"grants": "video,fax"},
        "grants",
        f"Unknown grant 'fax'; {GRANT_NAMES}",
    ),
    (
        "the_first_unknown_grant_in_alphabetical_order",
        {"grants": "zoom,fax"},
        "grants",
        f"Unknown grant 'fax'; {GRANT_NAMES}",
    ),
    (
        "a_grant_name_with_another_letter_around_it",
        {"grants": "Xvideo"},
        "grants",
        f"Unknown grant 'Xvideo'; {GRANT_NAMES}",
    ),
    (
        "a_tab_is_not_a_space_around_a_grant",
        {"grants": "video,\tsync"},
        "grants",
        f"Unknown grant '\\tsync'; {GRANT_NAMES}",
    ),
    (
        "fullwidth_digits",
        QueryDict(f"ttl={FULLWIDTH_600}"),
        "ttl",
        NOT_AN_INTEGER,
    ),
    ("digits_with_an_underscore", QueryDict("ttl=1_800"), "ttl", NOT_AN_INTEGER),
    ("digits_and_a_newline", QueryDict("ttl=600%0A"), "ttl", NOT_AN_INTEGER),
    ("ten_digits", QueryDict("ttl=1234567890"), "ttl", NOT_AN_INTEGER),
    (
        "a_ttl_above_a_billion",
        {"ttl": 10**9 + 1},
        "ttl",
        "Ensure this value is less than or equal to 1000000000.",
    ),
    (
        "a_zero_ttl",
        {"ttl": 0},
        "ttl",
        "Ensure this value is greater than or equal to 1.",
    ),
    (
        "an_identity_too_long_to_compare",
        {"identity": "x" * 485},
        "identity",
        "Ensure this field has no more than 484 characters.",
    ),
    (
        "the_first_invalid_parameter_is_named",
        {"ttl": 0, "room": "-"},
        "room",
        ROOM_RULE,
    ),
    ("a_number_for_a_room", {"room": 7}, "room", "Give room as a string."),
    ("null_for_a_room", {"room": None}, "room", "Give room as a string."),
    ("true_for_a_device", {"device": True}, "device", "Give device as a string."),
    ("a_list_of_grants", {"grants": ["video"]}, "grants", "Give grants as a string."),
    (
        "a_number_for_an_identity",
        {"identity": 1},
        "identity",
        "Give identity as a string.",
    ),
    ("a_string_for_a_ttl", {"ttl": "600"}, "ttl", "Give ttl as an integer."),
    ("a_float_for_a_ttl", {"ttl": 600.0}, "ttl", "Give ttl as an integer."),
    ("true_for_a_ttl", {"ttl": True}, "ttl", "Give ttl as an integer."),
]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_invalid_parameters_are_refused_naming_the_parameter(data, name, message):
    with pytest.raises(errors.InvalidParameter) as refused:
        parse_token_params(data)
    assert refused.value.fields == {name: [message]}
    assert refused.value.status_code == 400


@pytest.mark.parametrize("value", [True, False, 600.0, FULLWIDTH_600, "-1"])
def test_the_ttl_field_itself_refuses_booleans_floats_and_non_ascii_digits(value):
    # parse_token_params refuses JSON types first; the field holds on its own.
    with pytest.raises(serializers.ValidationError) as refused:
        TOKEN_PARAM_FIELDS["ttl"].run_validation(value)
    assert refused.value.detail == [NOT_AN_INTEGER]


@pytest.mark.parametrize(("value", "expected"), [(600, 600), ("600", 600)])
def test_the_ttl_field_takes_an_integer_or_ascii_digits(value, expected):
    assert TOKEN_PARAM_FIELDS["ttl"].run_validation(value) == expected


# device_field builds the one device field of /token and the login. Both call
# it once, at import: these tests build a field of their own, so that a change
# to the function shows here (and in a mutation run, which cannot reach calls
# made at import).


@pytest.mark.parametrize("value", ["iphone", "d" * 64, "Alice.iPad_2-b", "0"])
def test_a_device_field_takes_a_label_as_given(value):
    assert device_field().run_validation(value) == value


@pytest.mark.parametrize(
    ("value", "messages"),
    [
        ("my phone", [DEVICE_RULE]),
        (" iphone", [DEVICE_RULE]),  # not trimmed into a valid label
        ("iphone\n", [DEVICE_RULE]),
        # Both rules; /token and the login report the first.
        ("d" * 65, ["Ensure this field has no more than 64 characters.", DEVICE_RULE]),
        ("", ["This field may not be blank."]),
    ],
    ids=["a-space", "a-leading-space", "a-final-newline", "65-characters", "empty"],
)
def test_a_device_field_refuses_with_the_documented_messages(value, messages):
    with pytest.raises(serializers.ValidationError) as refused:
        device_field().run_validation(value)
    assert refused.value.detail == messages


def test_a_device_field_may_be_left_out():
    with pytest.raises(SkipField):
        device_field().run_validation(empty)


def test_a_device_field_keeps_the_help_text_the_openapi_description_shows():
    assert device_field(help_text="A label.").help_text == "A label."
