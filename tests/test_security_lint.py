"""The security lint catches what it promises, and the source passes it."""

import ast
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location(
    "security_lint", ROOT / "scripts/security_lint.py"
)
security_lint = importlib.util.module_from_spec(spec)
spec.loader.exec_module(security_lint)


@pytest.mark.parametrize(
    "source",
    [
        "from django.views.decorators.csrf import csrf_exempt",
        "@csrf_exempt\ndef view(request): pass",
        "class A(SessionAuthentication):\n    def enforce_csrf(self, request): return",
        "class CsrfExemptSessionAuthentication: pass",
        "who = request.data['identity']",
        "who = self.request.query_params.get('identity')",
        "who = request.GET.get('identity', '')",
        "User.objects.filter(**request.GET)",
        "Room.objects.filter(**self.request.data)",
    ],
)
def test_forbidden_pattern_is_reported(source):
    assert security_lint.problems(ast.parse(source))


@pytest.mark.parametrize(
    "source",
    [
        "identity = request.user.twilio_identity",
        "params = parse_token_params(request.query_params)",
        "Room.objects.filter(name=params.room)",
        "data = {'identity': user.twilio_identity}",
    ],
)
def test_allowed_pattern_passes(source):
    assert security_lint.problems(ast.parse(source)) == []


def test_project_source_has_no_forbidden_pattern(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert security_lint.main([]) == 0
