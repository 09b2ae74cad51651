"""The rooms settings as one typed value, read at call time."""

from dataclasses import dataclass, field

from django.conf import settings


@dataclass(frozen=True)
class RestOptions:
    """How REST requests are sent: where, how long each may take, retries."""

    base_url: str = ""  # "" means Twilio's own hosts
    timeout: float = 5.0
    retries: int = 2
    max_retry_wait: float = 10.0  # a longer Retry-After is not waited for


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
