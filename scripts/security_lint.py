"""Fail on patterns that must never enter tokenserver's source.

- `csrf_exempt`, or an authentication class that turns CSRF off
  (a method named `enforce_csrf`, or a class named like `*CsrfExempt*`),
  except exactly CSRF_EXEMPT_ALLOWED: Twilio's signed webhooks (video status
  callbacks, voice calls), whose signature proves the sender (the import and
  the decorator of each listed view, nothing else in those modules);
- the identity read from request data (`request.data["identity"]`,
  `request.GET.get("identity")`, ...): it comes from the authenticated user;
- request data splatted into a call (`**request.data`, `**request.GET`, ...),
  which lets a client choose ORM lookups.

    .venv/bin/python scripts/security_lint.py [paths...]   (default: tokens tokenserver)
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUEST_DATA = {"data", "query_params", "GET", "POST", "body"}
# module -> the functions in it that may be decorated with @csrf_exempt: the
# signed Twilio webhooks, and nothing else.
CSRF_EXEMPT_ALLOWED = {
    "tokens.twilio.views": frozenset({"video_status"}),
    "tokens.voice.views": frozenset(
        {"voice_outgoing", "voice_incoming", "voice_status"}
    ),
}


def _is_request_data(node: ast.AST) -> bool:
    """`request.data`, `self.request.GET` and the like."""
    if not isinstance(node, ast.Attribute) or node.attr not in REQUEST_DATA:
        return False
    owner = node.value
    if isinstance(owner, ast.Attribute):
        return owner.attr == "request"
    return isinstance(owner, ast.Name) and owner.id == "request"


def _names_identity(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == "identity"


def _csrf_off(node: ast.AST) -> str | None:
    names = {
        ast.Name: lambda n: n.id,
        ast.Attribute: lambda n: n.attr,
        ast.alias: lambda n: n.name.rsplit(".", 1)[-1],
    }
    if type(node) in names and names[type(node)](node) == "csrf_exempt":
        return "csrf_exempt turns CSRF protection off"
    if isinstance(node, ast.FunctionDef) and node.name == "enforce_csrf":
        return "an authentication class overrides enforce_csrf"
    if isinstance(node, ast.ClassDef) and "csrfexempt" in node.name.lower():
        return f"class {node.name} looks CSRF-exempt"
    return None


def _identity_from_request(node: ast.AST) -> str | None:
    message = "identity read from request data"
    if isinstance(node, ast.Subscript) and _is_request_data(node.value):
        return message if _names_identity(node.slice) else None
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return None
    func = node.func
    reads = func.attr in {"get", "getlist", "pop"} and _is_request_data(func.value)
    return message if reads and node.args and _names_identity(node.args[0]) else None


def _splatted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call) and any(
        keyword.arg is None and _is_request_data(keyword.value)
        for keyword in node.keywords
    ):
        return "request data splatted into a call"
    return None


def _allowed_csrf_exempt(tree: ast.AST, module: str | None) -> set[int]:
    """ids of the nodes that make up the allowed exemptions of `module`."""
    functions = CSRF_EXEMPT_ALLOWED.get(module or "")
    if functions is None:
        return set()
    allowed = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == (
            "django.views.decorators.csrf"
        ):
            allowed |= {id(a) for a in node.names if a.name == "csrf_exempt"}
        if isinstance(node, ast.FunctionDef) and node.name in functions:
            allowed |= {
                id(d)
                for d in node.decorator_list
                if isinstance(d, ast.Name) and d.id == "csrf_exempt"
            }
    return allowed


def problems(tree: ast.AST, module: str | None = None) -> list[tuple[int, str]]:
    allowed = _allowed_csrf_exempt(tree, module)
    found = []
    for node in ast.walk(tree):
        for rule in (_csrf_off, _identity_from_request, _splatted):
            message = rule(node)
            if message and not (rule is _csrf_off and id(node) in allowed):
                found.append((getattr(node, "lineno", 0), message))
    return found


def module_name(path: Path) -> str | None:
    """`tokens/twilio/views.py` -> `tokens.twilio.views` (None: outside)."""
    try:
        relative = path.resolve().relative_to(ROOT)
    except ValueError:
        return None
    return ".".join(relative.with_suffix("").parts)


def main(paths: list[str]) -> int:
    failures = 0
    for root in paths or ["tokens", "tokenserver"]:
        for path in sorted(Path(root).rglob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            for line, message in problems(tree, module_name(path)):
                print(f"{path}:{line}: {message}")
                failures += 1
    if failures:
        print(f"security lint: {failures} problem(s)")
        return 1
    print("security lint: no problems")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
