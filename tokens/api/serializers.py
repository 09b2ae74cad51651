"""What the JSON API validates besides /token's parameters: the login body."""

from collections.abc import Mapping

from django.utils.datastructures import MultiValueDict
from rest_framework import serializers

from tokens.issuing.params import device_field, first_repeated, platform_field

LOGIN_FIELDS = ("username", "password", "device", "platform")


class LoginSerializer(serializers.Serializer):
    """A login: username, password and, optionally, the device's label and platform."""

    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    device = device_field()
    platform = platform_field()

    def to_internal_value(self, data):
        if isinstance(data, MultiValueDict):
            # A form repeating a field: the last value would win silently.
            repeated = first_repeated(data, LOGIN_FIELDS)
            if repeated:
                raise serializers.ValidationError(
                    {repeated: ["Give this field only once."]}
                )
        elif isinstance(data, Mapping):
            wrong = [
                name
                for name in LOGIN_FIELDS
                if name in data and not isinstance(data[name], str)
            ]
            if wrong:
                raise serializers.ValidationError({wrong[0]: ["Give it as a string."]})
        return super().to_internal_value(data)
