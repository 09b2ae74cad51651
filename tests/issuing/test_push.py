"""Push credentials per product and platform: each token decoded with PyJWT
carries the platform's own credential, the fallback, or none; the system
check names which combination gets which."""

import pytest
from django.core import checks
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, decode
from tests.helpers import twilio
from tokens.credentials import PUSH_VARIABLES, TwilioCredentials
from tokens.models import ApiToken, GrantRule, User

PRODUCTS = {"voice": "voice", "chat": "chat"}
FALLBACK = "TWILIO_PUSH_CREDENTIAL_SID"


@pytest.fixture
def gina(db):
    """May get voice (incoming) and chat: both grants carry push."""
    user = User.objects.create_user("gina", password=PASSWORD)
    GrantRule.objects.create(user=user, voice_incoming=True, chat=True)
    return user


def push_sids(token: str) -> dict:
    grants = decode(token)[1]["grants"]
    return {product: grants[product].get("push_credential_sid") for product in PRODUCTS}


def push_check_messages() -> list[checks.CheckMessage]:
    """The tokens checks' messages, in id order."""
    found = [m for m in checks.run_checks() if (m.id or "").startswith("tokens.")]
    return sorted(found, key=lambda m: m.id or "")


def ids(messages) -> list[str]:
    return [m.id for m in messages]


def without(settings, *names: str) -> None:
    settings.TWILIO = {**settings.TWILIO, **dict.fromkeys(names)}


@pytest.mark.parametrize("platform", ["ios", "ios-sandbox", "android"])
def test_a_token_asked_for_a_platform_carries_its_own_credentials(
    client_for, gina, platform
):
    body = client_for(gina).get("/token", {"platform": platform}).json()

    assert push_sids(body["token"]) == {
        product: twilio(PUSH_VARIABLES[(product, platform)]) for product in PRODUCTS
    }


def test_a_device_that_says_no_platform_gets_the_fallback(client_for, gina):
    body = client_for(gina).get("/token").json()

    assert push_sids(body["token"]) == dict.fromkeys(PRODUCTS, twilio(FALLBACK))


@pytest.mark.parametrize("platform", ["ios", "ios-sandbox", "android"])
@pytest.mark.parametrize("product", ["voice", "chat"])
def test_an_unset_platform_credential_falls_back_then_is_left_out(
    settings, client_for, gina, platform, product
):
    other = "chat" if product == "voice" else "voice"
    fallback_sid, other_sid = (
        twilio(FALLBACK),
        twilio(PUSH_VARIABLES[(other, platform)]),
    )
    without(settings, PUSH_VARIABLES[(product, platform)])
    client = client_for(gina)

    fallback = push_sids(client.get("/token", {"platform": platform}).json()["token"])
    without(settings, FALLBACK)
    none = push_sids(client.get("/token", {"platform": platform}).json()["token"])

    assert fallback[product] == fallback_sid
    assert none[product] is None
    assert none[other] == other_sid


def test_the_platform_said_at_login_is_kept_with_the_api_session(gina):
    client = APIClient()
    login = client.post(
        "/api/auth/login/",
        {"username": "gina", "password": PASSWORD, "platform": "ios-sandbox"},
        format="json",
    ).json()
    client.credentials(HTTP_AUTHORIZATION=f"Token {login['token']}")

    token = client.get("/token").json()["token"]
    asked = client.get("/token", {"platform": "android"}).json()["token"]

    assert ApiToken.objects.get(user=gina).platform == "ios-sandbox"
    assert push_sids(token)["voice"] == twilio(PUSH_VARIABLES[("voice", "ios-sandbox")])
    assert push_sids(asked)["voice"] == twilio(PUSH_VARIABLES[("voice", "android")])


def test_api_me_says_whether_the_sessions_platform_gets_push(
    settings, client_for, gina
):
    without(settings, PUSH_VARIABLES[("chat", "android")], FALLBACK)

    push = client_for(gina, platform="android").get("/api/me/").json()["push"]

    assert push == {"platform": "android", "voice": True, "chat": False}


@pytest.mark.parametrize("value", ["iOS", "windows", "", "ios\n"])
def test_an_unknown_platform_is_refused(client_for, gina, value):
    response = client_for(gina).get("/token", {"platform": value})

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "platform": [f'"{value}" is not a valid choice.']
    }


@pytest.mark.parametrize(
    ("platform", "own", "expected"),
    [
        ("ios", "CR" + "a" * 32, "CR" + "a" * 32),
        ("ios", "", "CR" + "f" * 32),
        (None, "CR" + "a" * 32, "CR" + "f" * 32),
    ],
)
def test_the_credential_is_the_platforms_else_the_fallback(platform, own, expected):
    name = PUSH_VARIABLES[("voice", "ios")]
    credentials = TwilioCredentials(
        push_credential_sid="CR" + "f" * 32, platform_push={name: own} if own else {}
    )

    assert credentials.push_credential_for("voice", platform) == expected


def test_platforms_without_a_credential_of_their_own_use_the_fallback(settings):
    without(settings, *list(PUSH_VARIABLES.values())[1:])

    messages = push_check_messages()

    assert ids(messages) == ["tokens.I003"]
    text = messages[0].msg
    fallback, own = text.split(" Own credential: ")
    assert "TWILIO_PUSH_CREDENTIAL_SID, the fallback" in fallback
    assert "is off" not in text
    for name in (
        "voice on iOS in development (APNs sandbox)",
        "voice on Android (FCM)",
        "chat on iOS (APNs production)",
        "chat on iOS in development (APNs sandbox)",
        "chat on Android (FCM)",
    ):
        assert name in fallback, name
    assert (
        own == "voice on iOS (APNs production) (TWILIO_VOICE_PUSH_CREDENTIAL_SID_APNS)."
    )
    assert "one kind" in (messages[0].hint or "")


def test_without_the_fallback_the_platforms_lacking_their_own_are_off(settings):
    without(
        settings,
        FALLBACK,
        "TWILIO_VOICE_PUSH_CREDENTIAL_SID_FCM",
        "TWILIO_CONVERSATIONS_PUSH_CREDENTIAL_SID_APNS_SANDBOX",
    )

    messages = push_check_messages()

    assert ids(messages) == ["tokens.I002"]
    off, own = messages[0].msg.split(" Own credential: ")
    assert off.startswith(
        "Push is off for voice on Android (FCM), chat on iOS in development "
        "(APNs sandbox): "
    )
    assert (
        "voice on iOS (APNs production) (TWILIO_VOICE_PUSH_CREDENTIAL_SID_APNS)" in own
    )
    assert "voice on Android" not in own
    assert messages[0].hint == (
        "Set TWILIO_VOICE_PUSH_CREDENTIAL_SID_FCM, "
        "TWILIO_CONVERSATIONS_PUSH_CREDENTIAL_SID_APNS_SANDBOX "
        "(or TWILIO_PUSH_CREDENTIAL_SID for all)."
    )


def test_a_malformed_platform_credential_is_an_error_and_counts_as_unset(settings):
    settings.DEBUG = False
    without(settings, FALLBACK)
    bad = ("TWILIO_VOICE_PUSH_CREDENTIAL_SID_FCM", "XX" + "0" * 32)
    settings.TWILIO = {**settings.TWILIO, bad[0]: bad}

    messages = push_check_messages()

    assert ids(messages) == ["tokens.E001", "tokens.I002"]
    assert "Push is off for voice on Android (FCM):" in messages[1].msg


def test_without_any_push_credential_every_combination_is_off(settings):
    without(settings, *PUSH_VARIABLES.values(), FALLBACK)

    messages = push_check_messages()

    assert ids(messages) == ["tokens.I002"]
    assert "Own credential" not in messages[0].msg
    assert messages[0].msg.count(" on ") == 6
