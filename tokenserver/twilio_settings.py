"""Twilio's settings: the credentials, rooms after the token (REST, webhooks,
the enforcement worker) and voice calls. Read like every other setting (by
tokenserver/envvars.py's helpers) and star-imported by settings.py, after
`.env` is read, so that file stays one screenful a concern.
"""

from tokenserver.envurls import env_origin
from tokenserver.envvars import env, env_bool, env_int, env_seconds, env_str, raw_env

__all__ = [
    "TOKENSERVER_EVICTION_BOUND",
    "TOKENSERVER_PUBLIC_URL",
    "TOKENSERVER_RECONCILE_INTERVAL",
    "TOKENSERVER_WORKER_LEASE",
    "TWILIO",
    "TWILIO_API_BASE_URL",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_AUTH_TOKEN_SECONDARY",
    "TWILIO_CALLER_ID",
    "TWILIO_INCOMING_CALL_GROUP",
    "TWILIO_MISNAMED",
    "TWILIO_REST_RETRIES",
    "TWILIO_REST_TIMEOUT",
    "TWILIO_ROOM_CREATE_WAIT",
]

_DEBUG = env_bool("DJANGO_DEBUG", default=False)  # as settings.DEBUG reads it

# Twilio. Read raw (see raw_env); validated by the `tokens` system checks.
TWILIO = {
    "TWILIO_ACCOUNT_SID": raw_env("TWILIO_ACCOUNT_SID"),
    "TWILIO_API_KEY": raw_env("TWILIO_API_KEY", "TWILIO_SIGNING_KEY"),
    "TWILIO_API_SECRET": raw_env("TWILIO_API_SECRET"),
    "TWILIO_CONVERSATIONS_SERVICE_SID": raw_env(
        "TWILIO_CONVERSATIONS_SERVICE_SID", "TWILIO_CHAT_SERVICE_SID"
    ),
    "TWILIO_SYNC_SERVICE_SID": raw_env("TWILIO_SYNC_SERVICE_SID"),
    "TWILIO_TWIML_APP_SID": raw_env("TWILIO_TWIML_APP_SID"),
    "TWILIO_PUSH_CREDENTIAL_SID": raw_env("TWILIO_PUSH_CREDENTIAL_SID"),
    # Per product and platform (tokens/credentials.py, PUSH_VARIABLES); the
    # one above is the fallback for each.
    **{
        f"TWILIO_{product}_PUSH_CREDENTIAL_SID_{suffix}": raw_env(
            f"TWILIO_{product}_PUSH_CREDENTIAL_SID_{suffix}"
        )
        for product in ("VOICE", "CONVERSATIONS")
        for suffix in ("APNS", "APNS_SANDBOX", "FCM")
    },
}
# Set only to tell the operator it is the wrong name (see the checks).
TWILIO_MISNAMED = sorted(name for name in ("TWILIO_SECRET",) if name in env.ENVIRON)

# Rooms after the token: Twilio REST and signed status webhooks. Without
# these, token issuing works as before; tokens/twilio/checks.py says what is off.

# Webhook signing keys. Read raw like the other Twilio secrets (they may
# start with `$`) and validated by the system checks, never printed. The
# secondary one is accepted too, so the auth token can be rotated.
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_AUTH_TOKEN_SECONDARY = env_str("TWILIO_AUTH_TOKEN_SECONDARY")
# Where Twilio reaches this server, as the public sees it: signatures are
# over this URL, not the one a TLS-terminating proxy forwards to.
TOKENSERVER_PUBLIC_URL = env_origin("TOKENSERVER_PUBLIC_URL", require_https=not _DEBUG)
# Every Twilio REST request goes to this origin instead of Twilio's hosts
# (a staging stand-in); `check --deploy` warns when it is set.
TWILIO_API_BASE_URL = env_origin("TWILIO_API_BASE_URL", require_https=False)
TWILIO_REST_TIMEOUT = env_seconds("TWILIO_REST_TIMEOUT", default=5.0)
TWILIO_REST_RETRIES = env_int("TWILIO_REST_RETRIES", default=2, maximum=10)
# The longest a /token waits for Twilio to create its room, retries included.
TWILIO_ROOM_CREATE_WAIT = env_seconds("TWILIO_ROOM_CREATE_WAIT", default=5.0)
# The enforcement worker (manage.py enforce_access): it removes a participant
# at most this many seconds after their access ends (its longest sleep),
# reads Twilio's lists of live rooms and participants this often, and holds
# its lease this long unless renewed (a dead worker's lease then expires).
TOKENSERVER_EVICTION_BOUND = env_int(
    "TOKENSERVER_EVICTION_BOUND", default=15, minimum=1, maximum=3600
)
TOKENSERVER_RECONCILE_INTERVAL = env_int(
    "TOKENSERVER_RECONCILE_INTERVAL", default=60, minimum=1, maximum=86400
)
TOKENSERVER_WORKER_LEASE = env_int(
    "TOKENSERVER_WORKER_LEASE", default=30, minimum=2, maximum=86400
)

# Voice calls (tokens/voice/): the account's number shown to phone numbers
# the apps dial (E.164; without it no phone number is dialled), and the
# Django group whose members the account's number rings.
TWILIO_CALLER_ID = env_str("TWILIO_CALLER_ID")
TWILIO_INCOMING_CALL_GROUP = env_str("TWILIO_INCOMING_CALL_GROUP")
