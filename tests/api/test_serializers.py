"""Table tests of the login body's validation (api/serializers.py).

No database: a form is a QueryDict, a JSON body a dict.
"""

import pytest
from django.http import QueryDict

from tokens.api.serializers import LoginSerializer

DEVICE_RULE = "Use 1 to 64 letters, digits, '_', '.' or '-'."


# -- login bodies -------------------------------------------------------------

LOGIN = {"username": "alice", "password": "pw", "device": "iphone"}

# (case, form or JSON body, what the login reads)
LOGIN_ACCEPTED = [
    ("json_with_a_device", LOGIN, LOGIN),
    (
        "json_without_a_device",
        {"username": "alice", "password": "pw"},
        {"username": "alice", "password": "pw"},
    ),
    (
        "a_form_giving_each_field_once",
        QueryDict("username=alice&password=pw&device=iphone"),
        LOGIN,
    ),
    (
        "spaces_in_a_username_and_password_are_kept",
        {"username": " alice ", "password": " pw "},
        {"username": " alice ", "password": " pw "},
    ),
    (
        "the_longest_username_password_and_device",
        {"username": "u" * 150, "password": "p" * 4096, "device": "d" * 64},
        {"username": "u" * 150, "password": "p" * 4096, "device": "d" * 64},
    ),
]


@pytest.mark.parametrize(
    ("data", "expected"),
    [case[1:] for case in LOGIN_ACCEPTED],
    ids=[case[0] for case in LOGIN_ACCEPTED],
)
def test_a_valid_login_body_is_read_as_given(data, expected):
    login = LoginSerializer(data=data)
    assert login.is_valid(), login.errors
    assert login.validated_data == expected


# (case, form or JSON body, the errors by field)
LOGIN_REFUSED = [
    *(
        (
            f"a_form_repeating_the_{name}",
            QueryDict(f"username=alice&password=pw&device=iphone&{name}=again"),
            {name: ["Give this field only once."]},
        )
        for name in ("username", "password", "device")
    ),
    *(
        (
            f"a_number_for_the_{name}",
            {**LOGIN, name: 5},
            {name: ["Give it as a string."]},
        )
        for name in ("username", "password", "device")
    ),
    (
        "the_first_field_of_the_wrong_type_is_named",
        {"username": 1, "password": 2},
        {"username": ["Give it as a string."]},
    ),
    (
        "a_username_of_151_characters",
        {**LOGIN, "username": "u" * 151},
        {"username": ["Ensure this field has no more than 150 characters."]},
    ),
    (
        "a_password_of_4097_characters",
        {**LOGIN, "password": "p" * 4097},
        {"password": ["Ensure this field has no more than 4096 characters."]},
    ),
    (
        "a_device_of_65_characters",
        {**LOGIN, "device": "d" * 65},
        {
            "device": [
                "Ensure this field has no more than 64 characters.",
                DEVICE_RULE,
            ]
        },
    ),
    (
        "a_device_with_a_space",
        {**LOGIN, "device": "my phone"},
        {"device": [DEVICE_RULE]},
    ),
]


@pytest.mark.parametrize(
    ("data", "expected"),
    [case[1:] for case in LOGIN_REFUSED],
    ids=[case[0] for case in LOGIN_REFUSED],
)
def test_an_invalid_login_body_is_refused_naming_the_field(data, expected):
    login = LoginSerializer(data=data)
    assert not login.is_valid()
    assert login.errors == expected
