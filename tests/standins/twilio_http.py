"""Point twilio-python's own REST client at the stand-in.

Owns `StandInHttpClient`, a `TwilioHttpClient` that sends what twilio-python
addresses to `https://video.twilio.com` to the stand-in's origin instead (the
same rewrite `TWILIO_API_BASE_URL` asks of the project's client), and refuses
any other non-loopback URL, so no test request can reach the internet.
"""

from urllib.parse import urlsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

TWILIO_VIDEO = "https://video.twilio.com"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class StandInHttpClient(TwilioHttpClient):
    """Rewrite Twilio's Video origin to `origin`; refuse every other host."""

    def __init__(self, origin: str, **kwargs):
        super().__init__(**kwargs)
        self.origin = origin.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWILIO_VIDEO + "/"):
            url = self.origin + url[len(TWILIO_VIDEO) :]
        if urlsplit(url).hostname not in LOOPBACK:
            raise ValueError(f"a test tried to reach {url}")
        return super().request(method, url, *args, **kwargs)


def standin_client(standin, *, timeout: float = 5, **kwargs) -> Client:
    """A twilio.rest.Client authenticated with the stand-in's API key."""
    http_client = StandInHttpClient(standin.origin, timeout=timeout, **kwargs)
    return Client(
        standin.api_key_sid,
        standin.api_secret,
        standin.account_sid,
        http_client=http_client,
        environment={},
    )
