"""Every metric tokenserver exports, defined once.

Under gunicorn (PROMETHEUS_MULTIPROC_DIR set) each process writes its own
files; the enforcement worker's carry an "enforce-" prefix so that
gunicorn's start-up cleaning (gunicorn.conf.py) leaves them alone.
"""

import os

from prometheus_client import Counter, Gauge, Histogram, values

ROLE = {"prefix": ""}


def _identifier() -> str:
    return f"{ROLE['prefix']}{os.getpid()}"


if values.ValueClass is not values.MutexValue:  # multiprocess mode
    values.ValueClass = values.MultiProcessValue(process_identifier=_identifier)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600)

TOKENS_ISSUED = Counter(
    "tokenserver_tokens_issued", "Tokens issued, once per grant in them", ["grant"]
)
REFUSALS = Counter(
    "tokenserver_token_refusals", "Refusals of /token, by error code", ["code"]
)
LOGINS = Counter(
    "tokenserver_logins",
    "Password logins: succeeded, failed, locked_out, throttled",
    ["outcome"],
)
LATENCY = Histogram(
    "tokenserver_request_seconds",
    "Latency of /token and the logins",
    ["endpoint"],
    buckets=LATENCY_BUCKETS,
)
UNAVAILABLE = Counter("tokenserver_unavailable", "503 answers, by error code", ["code"])
WEBHOOKS = Counter(
    "tokenserver_webhooks_received",
    "Twilio webhooks received, by kind and signature",
    ["kind", "signature"],
)
REST_CALLS = Counter(
    "tokenserver_twilio_rest_calls",
    "Twilio REST calls, by operation and outcome",
    ["operation", "outcome"],
)
REST_LATENCY = Histogram(
    "tokenserver_twilio_rest_seconds",
    "Twilio REST call latency, retries included",
    ["operation"],
    buckets=LATENCY_BUCKETS,
)
EVICTIONS = Counter(
    "tokenserver_evictions", "Participants removed, by reason", ["reason"]
)
EVICTION_LAG = Histogram(
    "tokenserver_eviction_lag_seconds",
    "Seconds from access ending to the participant's removal",
    buckets=LAG_BUCKETS,
)
CONNECTED = Gauge(
    "tokenserver_connected_participants",
    "Participants connected to managed rooms, as the worker's last pass saw",
    multiprocess_mode="mostrecent",
)
WORKER_PASS = Gauge(
    "tokenserver_worker_last_pass_timestamp_seconds",
    "When the lease-holding enforcement worker last judged the rooms",
    multiprocess_mode="mostrecent",
)
TWIML = Counter(
    "tokenserver_twiml_decisions",
    "Voice calls routed, by direction, outcome and refusal code",
    ["direction", "outcome", "code"],
)
SIGN_INS = Counter(
    "tokenserver_sign_ins",
    "OpenID Connect sign-ins, by provider and outcome",
    ["provider", "outcome"],
)
