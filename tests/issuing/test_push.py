"""Push credentials per product and platform: each token decoded with PyJWT
carries the platform's own credential, the fallback, or none."""

import pytest
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
