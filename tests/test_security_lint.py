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


# --- the only CSRF exemptions: Twilio's signed webhooks -----------------------------

WEBHOOK = "tokens.twilio.views"
VOICE = "tokens.voice.views"
EXEMPT_IMPORT = "from django.views.decorators.csrf import csrf_exempt\n"


@pytest.mark.parametrize(
    ("module", "function"),
    [
        (WEBHOOK, "video_status"),
        (VOICE, "voice_outgoing"),
        (VOICE, "voice_incoming"),
        (VOICE, "voice_status"),
    ],
)
def test_the_signed_webhooks_are_the_allowed_csrf_exemptions(module, function):
    source = EXEMPT_IMPORT + f"@csrf_exempt\ndef {function}(request): pass"

    assert security_lint.problems(ast.parse(source), module) == []


def test_the_lint_knows_exactly_the_signed_webhooks():
    allowed = security_lint.CSRF_EXEMPT_ALLOWED

    assert allowed == {
        WEBHOOK: {"video_status"},
        VOICE: {"voice_outgoing", "voice_incoming", "voice_status"},
    }


@pytest.mark.parametrize(
    ("source", "module"),
    [
        pytest.param(
            EXEMPT_IMPORT + "@csrf_exempt\ndef video_status(request): pass",
            "tokens.views",
            id="same-function-in-another-module",
        ),
        pytest.param(
            EXEMPT_IMPORT + "@csrf_exempt\ndef other(request): pass",
            WEBHOOK,
            id="another-function-in-the-webhook-module",
        ),
        pytest.param(
            EXEMPT_IMPORT + "@csrf_exempt\ndef other(request): pass",
            VOICE,
            id="another-function-in-the-voice-module",
        ),
        pytest.param(
            EXEMPT_IMPORT + "@csrf_exempt\ndef voice_outgoing(request): pass",
            WEBHOOK,
            id="a-voice-view-name-in-the-video-module",
        ),
        pytest.param(
            EXEMPT_IMPORT + "@csrf_exempt\ndef voice_outgoing(request): pass",
            "tokens.voice.policy",
            id="a-voice-view-name-in-another-voice-module",
        ),
        pytest.param(
            EXEMPT_IMPORT + "other = csrf_exempt(view)",
            WEBHOOK,
            id="a-call-in-the-webhook-module",
        ),
        pytest.param(
            "from django.views.decorators import csrf\n"
            "@csrf.csrf_exempt\ndef video_status(request): pass",
            WEBHOOK,
            id="an-attribute-decorator",
        ),
        pytest.param(
            "class A(SessionAuthentication):\n"
            "    def enforce_csrf(self, request): return",
            WEBHOOK,
            id="an-authentication-class-in-the-webhook-module",
        ),
    ],
)
def test_any_other_csrf_exemption_is_still_reported(source, module):
    assert security_lint.problems(ast.parse(source), module)


def test_the_webhook_module_is_named_from_its_path():
    path = ROOT / "tokens" / "twilio" / "views.py"

    assert security_lint.module_name(path) == WEBHOOK
    assert security_lint.module_name(Path("/elsewhere/tokens/twilio/views.py")) is None
