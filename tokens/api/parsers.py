"""A JSON parser that refuses duplicate keys instead of keeping the last."""

import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class DuplicateKey(ParseError):
    def __init__(self, key: str) -> None:
        super().__init__(f"JSON parse error - {key!r} is given more than once.")
        self.key = key


def _no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(key)
        seen[key] = value
    return seen


def _no_constant(name):
    raise ParseError(f"JSON parse error - {name} is not a number.")


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", "utf-8")
        try:
            text = stream.read().decode(encoding)
            return json.loads(
                text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant
            )
        except ParseError:
            raise
        except (ValueError, LookupError, RecursionError) as exc:
            raise ParseError("JSON parse error - the body is not valid JSON.") from exc
