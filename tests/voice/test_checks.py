"""The voice settings' system checks: what each missing or bad value turns off."""

import pytest
from django.core import checks

VOICE_CHECKS = {"tokens.E050", "tokens.W050", "tokens.I050", "tokens.I051"}


def voice_messages() -> list[checks.CheckMessage]:
    return [m for m in checks.run_checks() if m.id in VOICE_CHECKS]


def test_the_test_settings_raise_no_voice_message():
    assert voice_messages() == []


def test_unset_voice_settings_say_what_is_off(settings):
    settings.TWILIO_CALLER_ID = ""
    settings.TWILIO_INCOMING_CALL_GROUP = ""

    messages = voice_messages()

    assert sorted(m.id for m in messages) == ["tokens.I050", "tokens.I051"]
    assert "numbers_not_configured" in (messages[0].hint or "")
    assert "rings nobody" in (messages[1].hint or "")


@pytest.mark.parametrize(
    ("debug", "expected"), [(False, "tokens.E050"), (True, "tokens.W050")]
)
@pytest.mark.parametrize("value", ["4155550100", "+1 415 555 0100", "+0123"])
def test_a_caller_id_that_is_not_e164_is_named(settings, debug, expected, value):
    settings.DEBUG = debug
    settings.TWILIO_CALLER_ID = value

    messages = voice_messages()

    assert [m.id for m in messages] == [expected]
    assert "TWILIO_CALLER_ID" in messages[0].msg
