"""The body of `POST /api/auth/oidc/`."""

from rest_framework import serializers

from tokens.issuing.params import device_field, platform_field


class OidcLoginSerializer(serializers.Serializer):
    """The ID token, and optionally the device's label and platform."""

    # Bounded here only so a huge body is not parsed as a token; the real
    # limit (config.MAX_TOKEN_BYTES) answers invalid_id_token.
    id_token = serializers.CharField(max_length=65536, trim_whitespace=True)
    # Which provider (a name of OIDC_PROVIDERS, or "oidc"); without it the
    # token's own `iss` chooses, and the token is then verified against it.
    provider = serializers.RegexField(r"\A[a-z][a-z0-9]{0,19}\Z", required=False)
    device = device_field()
    platform = platform_field()

    def to_internal_value(self, data):
        if "id_token" in data and not isinstance(data["id_token"], str):
            raise serializers.ValidationError({"id_token": ["Give it as a string."]})
        return super().to_internal_value(data)
