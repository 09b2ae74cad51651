"""Test settings: a fake environment set before the real settings are read."""

import os

os.environ["DJANGO_READ_DOT_ENV_FILE"] = "false"
# Nothing of the machine's own configuration may leak in (DATABASE_URL stays:
# scripts/test sets it for the PostgreSQL run).
for name in list(os.environ):
    if name.startswith(
        ("TWILIO_", "TOKENSERVER_", "DJANGO_", "GUNICORN_", "OTEL_", "OIDC_")
    ) or name in (
        "PROMETHEUS_MULTIPROC_DIR",
        "REDIS_URL",
        "CACHE_URL",
    ):
        del os.environ[name]
os.environ["DJANGO_READ_DOT_ENV_FILE"] = "false"
os.environ.update(
    {
        "DJANGO_SECRET_KEY": "test-secret-key-not-used-anywhere-else-0123456789",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "TWILIO_ACCOUNT_SID": "AC" + "a1" * 16,
        "TWILIO_API_KEY": "SK" + "b2" * 16,
        "TWILIO_API_SECRET": "test-api-secret-0123456789abcdef",
        "TWILIO_CONVERSATIONS_SERVICE_SID": "IS" + "c3" * 16,
        "TWILIO_SYNC_SERVICE_SID": "IS" + "d4" * 16,
        "TWILIO_TWIML_APP_SID": "AP" + "e5" * 16,
        "TWILIO_PUSH_CREDENTIAL_SID": "CR" + "f6" * 16,
        # Per product and platform (issue 16): CR + a digit per variable.
        "TWILIO_VOICE_PUSH_CREDENTIAL_SID_APNS": "CR" + "1" * 32,
        "TWILIO_VOICE_PUSH_CREDENTIAL_SID_APNS_SANDBOX": "CR" + "2" * 32,
        "TWILIO_VOICE_PUSH_CREDENTIAL_SID_FCM": "CR" + "3" * 32,
        "TWILIO_CONVERSATIONS_PUSH_CREDENTIAL_SID_APNS": "CR" + "4" * 32,
        "TWILIO_CONVERSATIONS_PUSH_CREDENTIAL_SID_APNS_SANDBOX": "CR" + "5" * 32,
        "TWILIO_CONVERSATIONS_PUSH_CREDENTIAL_SID_FCM": "CR" + "6" * 32,
        # Rooms (issue 15): fake signing keys and public URL; REST requests go
        # to a port on loopback where nothing listens unless a test points
        # them at the stand-in, so no test can reach Twilio.
        "TWILIO_AUTH_TOKEN": "test-auth-token-0123456789abcdef",
        "TWILIO_AUTH_TOKEN_SECONDARY": "test-auth-token-secondary-0123456",
        "TOKENSERVER_PUBLIC_URL": "https://tokens.example.com",
        "TWILIO_API_BASE_URL": "http://127.0.0.1:9",
        # Voice calls (issue 16): Twilio's magic test number as the caller ID;
        # the group the account's number rings.
        "TWILIO_CALLER_ID": "+15005550006",
        "TWILIO_INCOMING_CALL_GROUP": "desk",
    }
)
os.environ.setdefault("CACHE_URL", "locmemcache://tests")

from tokenserver.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The manifest needs collectstatic; tests render pages without it.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
