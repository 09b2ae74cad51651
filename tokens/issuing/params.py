"""The /token parameters: the fields that validate them, and parse_token_params.

The field instances in TOKEN_PARAM_FIELDS are the contract: the OpenAPI
description (tokens.api.docs.token) is built from them, help texts included.
"""

import re
from collections.abc import Mapping
from typing import Any, cast

from django.utils.datastructures import MultiValueDict
from rest_framework import serializers

from tokens import errors, identity, policy
from tokens.models import validate_room_name

TOKEN_FIELDS = ("room", "device", "grants", "ttl", "identity", "platform")
# \A and \Z: `$` would also match before a final newline. The OpenAPI
# description turns them into ECMA-262's `^` and `$` (drf-spectacular does).
DEVICE_PATTERN = r"\A[A-Za-z0-9_.-]{1,64}\Z"
DEVICE_MESSAGE = "Use 1 to 64 letters, digits, '_', '.' or '-'."
# JSON bodies must give each parameter its documented type: no coercion.
JSON_TYPES = {
    "room": str,
    "device": str,
    "grants": str,
    "identity": str,
    "ttl": int,
    "platform": str,
}


class StrictIntegerField(serializers.IntegerField):
    """ASCII digits only: int() also takes fullwidth digits, '1_800' and '600\\n'."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not re.fullmatch(r"[0-9]{1,9}", data):
            self.fail("invalid")
        if isinstance(data, bool | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class GrantListField(serializers.CharField):
    """A comma-separated list of grant names."""

    # A CharField in what it takes, a set of names in what it gives.
    def to_internal_value(self, data: Any) -> frozenset[str]:  # type: ignore[override]
        text = super().to_internal_value(data)
        # Here, not in the validators: they would measure the parsed set.
        if self.max_length is not None and len(text) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        # Spaces only: str.strip() would also drop control characters.
        names = [name.strip(" ") for name in text.split(",")]
        unknown = sorted({name for name in names if name not in policy.GRANT_NAMES})
        if unknown or not names:
            known = ", ".join(policy.GRANT_NAMES)
            raise serializers.ValidationError(
                f"Unknown grant {unknown[0]!r}; use {known}."
            )
        return frozenset(names)


# The /token parameters, validated one by one with these field instances:
# a Serializer deep-copies its fields for every instance, which cost more CPU
# than all the rest of the validation (docs/performance.md). Fields hold no
# per-request state; the messages are DRF's, as before.
def platform_field(**kwargs) -> serializers.ChoiceField:
    """The device's platform: the one choice for /token and the login."""
    return serializers.ChoiceField(
        choices=policy.PLATFORMS,
        required=False,
        help_text=(
            "`ios`, `ios-sandbox` (an app built for development) or `android`: "
            "the voice and chat grants carry that platform's push credential "
            "(APNs production, APNs sandbox, FCM), else the server's fallback, "
            "else none."
        ),
        **kwargs,
    )


def device_field(**kwargs) -> serializers.RegexField:
    """A device label: the one pattern for /token and the login."""
    return serializers.RegexField(
        DEVICE_PATTERN,
        max_length=64,
        required=False,
        trim_whitespace=False,
        error_messages={"invalid": DEVICE_MESSAGE},
        **kwargs,
    )


TOKEN_PARAM_FIELDS: dict[str, serializers.Field] = {
    "room": serializers.CharField(
        max_length=128,
        validators=[validate_room_name],
        required=False,
        trim_whitespace=False,
        help_text=(
            "A Video room's unique name (1-128 of `A-Z a-z 0-9 _ . -`, starting "
            "with a letter or digit). Locks the video grant to that room."
        ),
    ),
    "device": device_field(
        help_text=(
            "A device label; the Conversations `endpoint_id` becomes "
            "`tokenserver:<identity>:<device>`."
        )
    ),
    "grants": GrantListField(
        max_length=64,
        required=False,
        trim_whitespace=False,
        help_text=(
            f"Comma list from `{','.join(policy.GRANT_NAMES)}`. Default: every "
            "grant the user may get and the server is configured for (video "
            "only with `room` for a listed-rooms user); unconfigured grants "
            "are left out silently unless nothing else remains: then 503 "
            "`grant_not_configured`."
        ),
    ),
    # Only a sanity range: policy.decide refuses what is outside MIN_TTL and
    # the user's maximum, with a message naming both.
    "ttl": StrictIntegerField(
        min_value=1,
        max_value=10**9,
        required=False,
        help_text=(
            f"Lifetime in seconds, from {policy.MIN_TTL} to the user's maximum "
            "(see `max_ttl` in /api/me/). Default: the server default, capped "
            "at the maximum."
        ),
    ),
    "identity": serializers.CharField(
        max_length=identity.MAX_LENGTH * 4,
        required=False,
        trim_whitespace=False,
        help_text=(
            "Never used to choose the identity. Accepted only when it equals "
            "the user's identity (for old clients)."
        ),
    ),
    "platform": platform_field(),
}


def first_repeated(data: MultiValueDict, names) -> str | None:
    """The first of `names` a query string or form gives more than once."""
    return next((name for name in names if len(data.getlist(name)) > 1), None)


def parse_token_params(data: Mapping[str, Any]) -> policy.Params:
    """Validate /token parameters; a repeated parameter is an error."""
    if not isinstance(data, Mapping):
        raise errors.InvalidParameter("body", "Send a JSON object or a form.")
    if isinstance(data, MultiValueDict):
        repeated = first_repeated(data, TOKEN_FIELDS)
        if repeated:
            raise errors.InvalidParameter(repeated, "Give this parameter only once.")
        data = {name: data[name] for name in TOKEN_FIELDS if name in data}
    else:
        _check_json_types(data, JSON_TYPES)
    values = {}
    # In TOKEN_FIELDS order: the first invalid parameter is the one reported.
    for name, field in TOKEN_PARAM_FIELDS.items():
        if name not in data:
            continue
        try:
            values[name] = field.run_validation(data[name])
        except serializers.ValidationError as exc:
            # One field's errors: a list, never a dict of fields.
            first = cast(list, exc.detail)[0]
            raise errors.InvalidParameter(name, str(first)) from exc
    return policy.Params(
        grants=values.get("grants"),
        room=values.get("room"),
        device=values.get("device"),
        ttl=values.get("ttl"),
        identity=values.get("identity"),
        platform=values.get("platform"),
    )


def _check_json_types(data: Mapping[str, Any], types: Mapping[str, type]) -> None:
    for name, expected in types.items():
        value = data.get(name)
        if value is None and name not in data:
            continue
        if not isinstance(value, expected) or isinstance(value, bool):
            kind = "an integer" if expected is int else "a string"
            raise errors.InvalidParameter(name, f"Give {name} as {kind}.")
