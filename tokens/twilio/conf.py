"""The rooms settings as one typed value, read at call time."""

from dataclasses import dataclass, field, replace

from django.conf import settings
from django.urls import reverse


@dataclass(frozen=True)
class RestOptions:
    """How REST requests are sent: where, how long each may take, retries."""

    base_url: str = ""  # "" means Twilio's own hosts
    timeout: float = 5.0
    retries: int = 2
    max_retry_wait: float = 10.0  # a longer Retry-After is not waited for
    # At most this many seconds for every request of one client together,
    # retries and waits included (None: only each request is bounded).
    deadline: float | None = None


@dataclass(frozen=True)
class WebhookConfig:
    """What validating a status callback needs; secrets kept out of repr."""

    public_url: str = ""
    auth_tokens: tuple[str, ...] = field(default=(), repr=False)
    account_sid: str = ""

    @property
    def missing(self) -> tuple[str, ...]:
        """The variables whose absence turns the webhook off."""
        names = []
        if not self.auth_tokens:
            names.append("TWILIO_AUTH_TOKEN")
        if not self.public_url:
            names.append("TOKENSERVER_PUBLIC_URL")
        return tuple(names)


def rest_options() -> RestOptions:
    return RestOptions(
        base_url=settings.TWILIO_API_BASE_URL,
        timeout=settings.TWILIO_REST_TIMEOUT,
        retries=settings.TWILIO_REST_RETRIES,
    )


def room_create_options() -> RestOptions:
    """REST options for creating a room while a /token waits: the whole
    create (retries, an adoption's fetch) within TWILIO_ROOM_CREATE_WAIT."""
    wait = settings.TWILIO_ROOM_CREATE_WAIT
    return replace(
        rest_options(),
        timeout=min(settings.TWILIO_REST_TIMEOUT, wait),
        max_retry_wait=min(RestOptions.max_retry_wait, wait),
        deadline=wait,
    )


def rooms_enforced() -> bool:
    """Whether this server creates and follows its rooms on Twilio: the
    webhook can be signed (TWILIO_AUTH_TOKEN, TOKENSERVER_PUBLIC_URL)."""
    from tokens.twilio.checks import usable_auth_tokens

    config = WebhookConfig(
        public_url=settings.TOKENSERVER_PUBLIC_URL, auth_tokens=usable_auth_tokens()
    )
    return not config.missing


def status_callback_url() -> str:
    """Where Twilio posts a room's status callbacks: the public URL's."""
    return settings.TOKENSERVER_PUBLIC_URL + reverse("twilio-video-status")


def webhook_config() -> WebhookConfig:
    from tokens.credentials import current_credentials
    from tokens.twilio.checks import usable_auth_tokens

    return WebhookConfig(
        public_url=settings.TOKENSERVER_PUBLIC_URL,
        auth_tokens=usable_auth_tokens(),
        account_sid=current_credentials().account_sid,
    )


@dataclass(frozen=True)
class WorkerOptions:
    """How the enforcement worker paces itself (seconds)."""

    bound: float = 15.0  # access end -> removal; the longest sleep
    reconcile_interval: float = 60.0  # how often Twilio's lists are read
    lease: float = 30.0  # how long a lease lasts unless renewed
    opening_lead: float = 60.0  # a room is created this long before a window


def worker_options() -> WorkerOptions:
    return WorkerOptions(
        bound=settings.TOKENSERVER_EVICTION_BOUND,
        reconcile_interval=settings.TOKENSERVER_RECONCILE_INTERVAL,
        lease=settings.TOKENSERVER_WORKER_LEASE,
    )


def enforcement_missing() -> tuple[str, ...]:
    """What keeps rooms from being enforced; () when the worker can run.

    It needs real Twilio credentials for REST (not the demo's) and the
    status webhook's settings: the rooms it creates send their callbacks.
    """
    from tokens.credentials import current_credentials

    credentials = current_credentials()
    missing = list(credentials.missing_core)
    if credentials.demo:
        missing.append("real Twilio credentials (demo mode)")
    return (*missing, *webhook_config().missing)
