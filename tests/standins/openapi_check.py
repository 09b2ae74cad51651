"""Check a request against Twilio's OpenAPI description of the Video v1 API.

Owns only the reading of `twilio_oai/twilio_video_v1.json` and the checks: the
path and method exist, every query or form field is one the operation
declares, required ones are present, and each value parses as its declared
type (integer, boolean, enum, uri, date-time, array items). Real Twilio often
ignores an unknown field; the stand-in refuses it, so that a field Twilio
would not act on fails the tests instead of being silently dropped.
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

SPEC_PATH = Path(__file__).parent / "twilio_oai" / "twilio_video_v1.json"
FORM = "application/x-www-form-urlencoded"
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class Operation:
    """One method on one path template, with the fields it accepts."""

    template: str
    method: str
    operation_id: str
    fields: dict  # name -> resolved JSON schema of the value
    required: frozenset
    in_query: bool  # GET takes its fields in the query, POST in a form body


@cache
def load_spec(path: Path = SPEC_PATH) -> dict:
    """Read the OpenAPI document once."""
    return json.loads(path.read_text(encoding="utf-8"))


def _resolve(spec: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    if not ref:
        return schema
    node = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return _resolve(spec, node)


def _operation(spec: dict, template: str, method: str, op: dict) -> Operation:
    if method == "get":
        params = [p for p in op.get("parameters", []) if p["in"] == "query"]
        fields = {p["name"]: _resolve(spec, p.get("schema", {})) for p in params}
        required = {p["name"] for p in params if p.get("required")}
        return Operation(
            template, "GET", op["operationId"], fields, frozenset(required), True
        )
    content = op.get("requestBody", {}).get("content", {})
    schema = content.get(FORM, {}).get("schema", {})
    props = schema.get("properties", {})
    fields = {name: _resolve(spec, value) for name, value in props.items()}
    required = frozenset(schema.get("required", []))
    return Operation(
        template, method.upper(), op["operationId"], fields, required, False
    )


@cache
def operations() -> dict:
    """Map (compiled path pattern, METHOD) to its Operation."""
    spec = load_spec()
    found = {}
    for template, item in spec["paths"].items():
        pattern = re.compile(
            "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        )
        for method in ("get", "post", "delete"):
            if method in item:
                op = _operation(spec, template, method, item[method])
                found[pattern, method.upper()] = op
    return found


def find_operation(method: str, path: str) -> tuple[Operation | None, str | None]:
    """Return the operation for method and path, or None and why not."""
    methods = [op for (pattern, _), op in operations().items() if pattern.match(path)]
    if not methods:
        return None, f"path {path} is not in Twilio's Video API"
    for op in methods:
        if op.method == method:
            return op, None
    return None, f"{method} is not an operation of {methods[0].template}"


def _value_problem(schema: dict, value: str) -> str | None:
    kind = schema.get("type")
    if "enum" in schema and value not in schema["enum"]:
        return f"{value!r} is not one of {schema['enum']}"
    if kind == "integer":
        return None if _INTEGER.fullmatch(value) else f"{value!r} is not an integer"
    if kind == "boolean":
        return None if value in ("true", "false") else f"{value!r} is not a boolean"
    return _format_problem(schema.get("format"), value)


def _format_problem(fmt: str | None, value: str) -> str | None:
    if fmt == "uri":
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return f"{value!r} is not an absolute http(s) URL"
    if fmt == "date-time":
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return f"{value!r} is not an ISO 8601 date-time"
    return None


def _field_problems(op: Operation, name: str, values: list[str]) -> list[str]:
    schema = op.fields[name]
    if schema.get("type") == "array":
        item = _resolve(load_spec(), schema.get("items", {}))
        checks = [_value_problem(item, v) for v in values]
    elif len(values) > 1:
        return [f"{name} is given {len(values)} times"]
    else:
        checks = [_value_problem(schema, values[0])]
    return [f"{name}: {problem}" for problem in checks if problem]


def check_request(
    method: str, path: str, query: dict, form: dict, content_type: str | None
) -> list[str]:
    """List what in this request Twilio's description does not allow.

    `query` and `form` map each field name to the list of its values.
    """
    op, problem = find_operation(method, path)
    if op is None:
        return [problem]
    given = query if op.in_query else form
    other = form if op.in_query else query
    problems = [
        f"{name} is not a field of {op.operation_id}"
        for name in given
        if name not in op.fields
    ]
    where = "form body" if op.in_query else "query string"
    problems += [f"{name} in the {where} of {op.operation_id}" for name in other]
    problems += [
        f"{name} is required by {op.operation_id}"
        for name in sorted(op.required - set(given))
    ]
    for name, values in given.items():
        if name in op.fields:
            problems += _field_problems(op, name, values)
    if form and (content_type or "").split(";")[0].strip() != FORM:
        problems.append(f"a form body needs Content-Type {FORM}")
    return problems
