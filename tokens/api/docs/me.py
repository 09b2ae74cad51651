"""The OpenAPI description of /api/me/: what the user may get now."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from tokens import errors, policy
from tokens.api.docs.errors import SIGNED_IN_ERRORS, error_responses
from tokens.api.docs.fields import grant_list
from tokens.api.docs.headers import WWW_AUTHENTICATE

# /api/me/ takes a browser session too; logout takes only API tokens.
ME_ERRORS = {**SIGNED_IN_ERRORS, 403: (errors.CrossSiteRequest.default_code,)}


class RoomEntrySerializer(serializers.Serializer):
    name = serializers.CharField()
    display_name = serializers.CharField()
    active = serializers.BooleanField()
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    source = serializers.CharField(  # type: ignore[assignment]  # as ErrorSerializer's
        help_text="Where the access comes from: `personal` or `group <name>`."
    )
    state = serializers.ChoiceField(
        choices=("open", "upcoming", "ended", "inactive"),
        help_text=(
            "`open`: may join now; `upcoming`: the window opens later; `ended`: "
            "the window has closed; `inactive`: the room is switched off."
        ),
    )

    class Meta:
        ref_name = "RoomEntry"


class PushSerializer(serializers.Serializer):
    platform = serializers.ChoiceField(
        choices=policy.PLATFORMS,
        allow_null=True,
        help_text="The platform the API session's login said (null: none said).",
    )
    voice = serializers.BooleanField(
        help_text="Whether voice grants carry a push credential for it."
    )
    chat = serializers.BooleanField(
        help_text="Whether chat grants carry a push credential for it."
    )

    class Meta:
        ref_name = "Push"


class MeSerializer(serializers.Serializer):
    identity = serializers.CharField()
    grants = grant_list("The grants the user may get now.")
    not_configured = grant_list(
        "Grants the user may get but the server is not configured for."
    )
    video = serializers.ChoiceField(
        choices=(policy.VIDEO_NONE, policy.VIDEO_LISTED, policy.VIDEO_ANY),
        help_text="Which rooms: none, listed rooms only, or any room.",
    )
    max_ttl = serializers.IntegerField()
    default_ttl = serializers.IntegerField()
    sources = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per grant, the rules that give it (`personal`, `group <name>`).",
    )
    rooms = RoomEntrySerializer(many=True)
    next_change = serializers.DateTimeField(
        allow_null=True,
        help_text="The next time one of the room windows opens or closes.",
    )
    push = PushSerializer(
        help_text="Push for the session's platform: without a credential for "
        "it, the grant has no `push_credential_sid` and the device gets no "
        "push (a `platform` on /token may say another)."
    )
    demo = serializers.BooleanField(
        help_text="True when tokens are signed with fake credentials."
    )
    warning = serializers.CharField(required=False, help_text="Demo mode only.")

    class Meta:
        ref_name = "Me"


me = extend_schema(
    operation_id="me",
    tags=["me"],
    summary="What the user may get now",
    description=(
        "The user's identity, the grants they may get now, where each comes "
        "from, their maximum and default TTL, and the rooms they may join with "
        "their windows. In demo mode also `demo: true` and a `warning`."
    ),
    parameters=[WWW_AUTHENTICATE],
    responses={200: MeSerializer, **error_responses(ME_ERRORS)},
)
