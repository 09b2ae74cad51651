"""Field schemas shared by the operations: the Grant component, ttl's range."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tokens import policy
from tokens.issuing.params import StrictIntegerField


@extend_schema_field(
    {"type": "string", "enum": list(policy.GRANT_NAMES)}, component_name="Grant"
)
class GrantField(serializers.ChoiceField):
    """A grant name: one component, whichever list it is in."""

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=policy.GRANT_NAMES, **kwargs)


def grant_list(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=GrantField(), help_text=help_text)


class TtlRange(OpenApiSerializerFieldExtension):
    """The /token `ttl`: its field's range, narrowed to what policy.decide takes.

    The field only keeps absurd numbers out; policy.decide refuses, as
    `invalid`, a ttl below MIN_TTL or above the user's maximum (at most
    MAX_TTL), with a message that names both.
    """

    target_class = StrictIntegerField

    @classmethod
    def _matches(cls, target) -> bool:
        return super()._matches(target) and target.field_name == "ttl"

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(
            self.target, direction, bypass_extensions=True
        )
        schema["minimum"] = max(schema["minimum"], policy.MIN_TTL)
        schema["maximum"] = min(schema["maximum"], policy.MAX_TTL)
        return schema
