"""Field schemas shared by the operations: the Grant component."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tokens import policy


@extend_schema_field(
    {"type": "string", "enum": list(policy.GRANT_NAMES)}, component_name="Grant"
)
class GrantField(serializers.ChoiceField):
    """A grant name: one component, whichever list it is in."""

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=policy.GRANT_NAMES, **kwargs)


def grant_list(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=GrantField(), help_text=help_text)
