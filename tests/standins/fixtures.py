"""pytest fixtures for the stand-in Twilio Video API.

`twilio_video` starts a fresh stand-in per test and, at teardown, fails the
test if any request it received broke Twilio's OpenAPI description (a test
that sends bad requests on purpose empties `twilio_video.violations`).
`twilio_client` is twilio-python's `Client` pointed at it, with a 2 s
timeout; `callback_receiver` records the status callbacks sent to it.
"""

import pytest

from .callback_receiver import CallbackReceiver
from .twilio_video import TwilioVideoStandIn


@pytest.fixture
def twilio_video():
    standin = TwilioVideoStandIn().start()
    try:
        yield standin
    finally:
        standin.stop()
    problems = [
        f"{r.method} {r.path}: {'; '.join(r.problems)}" for r in standin.violations
    ]
    assert not problems, "requests Twilio would refuse:\n" + "\n".join(problems)


@pytest.fixture
def twilio_client(twilio_video):
    return twilio_video.client(timeout=2)


@pytest.fixture
def callback_receiver():
    receiver = CallbackReceiver()
    yield receiver
    receiver.stop()
