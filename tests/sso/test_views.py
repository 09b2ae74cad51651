"""POST /api/auth/oidc/: a valid ID token signs in; each forbidden path is refused."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from rest_framework.test import APIClient

from tests.helpers import api_login, assert_refused, assert_token_works
from tokens.limits import throttles
from tokens.models import ApiToken

URL = "/api/auth/oidc/"


def sign_in(id_token, **body):
    return APIClient().post(URL, {"id_token": id_token, **body}, format="json")


def refused_as_invalid(response):
    body = assert_refused(response, 401, "invalid_id_token")
    assert body["detail"] == "The ID token is not valid here."


@pytest.mark.parametrize("kind", ["RSA", "EC"])
def test_a_valid_id_token_gets_an_api_token_for_the_linked_user(
    alice_linked, provider, kind
):
    response = sign_in(provider.id_token(kind=kind), device="alice-iphone")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["identity"] == alice_linked.twilio_identity
    assert response["Cache-Control"] == "no-store"
    session = ApiToken.objects.get()
    assert session.user == alice_linked
    assert session.device == "alice-iphone"
    assert body["token"] not in session.digest  # stored hashed
    assert_token_works(body["token"], alice_linked.twilio_identity)


def test_a_sign_in_makes_a_constant_number_of_queries(
    alice_linked, provider, django_assert_max_num_queries
):
    sign_in(provider.id_token())  # keys fetched; the count is of the queries
    # The link and its user (in a savepoint: two more), the session limit
    # (lock, count), the session, last_login.
    with django_assert_max_num_queries(7):
        assert sign_in(provider.id_token()).status_code == 200


def test_staff_see_the_links_in_the_admin(alice_linked, staff):
    response = staff.get("/admin/tokens/oidclink/")
    assert response.status_code == 200
    assert "sub-alice" in response.content.decode()


def test_the_second_audience_and_a_matching_azp_are_accepted(alice_linked, provider):
    token = provider.id_token(aud=["web-client-id", "other"], azp="web-client-id")
    assert sign_in(token).status_code == 200


def test_the_keys_are_fetched_once_for_many_sign_ins(alice_linked, provider):
    for _ in range(3):
        assert sign_in(provider.id_token()).status_code == 200
    assert provider.requests["/jwks"] == 1
    assert provider.requests["/.well-known/openid-configuration"] == 1


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"iss": "https://evil.example.com"}, id="wrong-issuer"),
        pytest.param({"aud": "com.other.app"}, id="wrong-audience"),
        pytest.param({"azp": "com.other.app"}, id="azp-mismatch"),
        pytest.param({"exp": int(time.time()) - 120}, id="expired"),
        pytest.param({"nbf": int(time.time()) + 600}, id="nbf-in-the-future"),
        pytest.param({"iat": int(time.time()) + 600}, id="iat-in-the-future"),
        pytest.param({"exp": None}, id="no-exp"),
        pytest.param({"sub": "a\nb"}, id="control-character-in-sub"),
    ],
)
def test_tokens_with_bad_claims_are_refused(alice_linked, provider, claims):
    refused_as_invalid(sign_in(provider.id_token(**claims)))


def test_the_issuer_with_a_trailing_slash_is_not_the_issuer(alice_linked, provider):
    refused_as_invalid(sign_in(provider.id_token(iss=provider.issuer + "/")))


def test_alg_none_is_refused(alice_linked, provider):
    kid = provider.keys[0].kid
    token = jwt.encode(provider.claims(), None, algorithm="none", headers={"kid": kid})
    refused_as_invalid(sign_in(token))


def test_hs256_signed_with_the_public_key_is_refused(alice_linked, provider):
    key = provider.keys[0]
    pem = key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # PyJWT itself refuses a PEM as an HMAC secret; sign the bytes by hand.
    algorithm = jwt.get_algorithm_by_name("HS256")
    header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
    token = _sign_by_hand(header, provider.claims(), lambda m: algorithm.sign(m, pem))
    refused_as_invalid(sign_in(token))


def _sign_by_hand(header, claims, sign):
    import base64
    import json

    def part(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    signing_input = (
        part(json.dumps(header).encode()) + b"." + part(json.dumps(claims).encode())
    )
    return (signing_input + b"." + part(sign(signing_input))).decode()


@pytest.mark.parametrize("header", ["jwk", "jku", "x5u"])
def test_a_key_named_by_the_token_itself_is_refused(alice_linked, provider, header):
    own = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = jwt.get_algorithm_by_name("RS256").to_jwk(own.public_key(), as_dict=True)
    value = public if header == "jwk" else "http://127.0.0.1:9/keys"
    token = jwt.encode(
        provider.claims(),
        own,
        algorithm="RS256",
        headers={"kid": provider.keys[0].kid, header: value},
    )
    refused_as_invalid(sign_in(token))


def test_a_token_signed_by_another_key_with_a_known_kid_is_refused(
    alice_linked, provider
):
    own = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(
        provider.claims(), own, algorithm="RS256", headers={"kid": provider.keys[0].kid}
    )
    refused_as_invalid(sign_in(token))


def test_a_modified_payload_is_refused(alice_linked, provider):
    header, _, signature = provider.id_token().split(".")
    other = provider.id_token(subject="sub-root").split(".")[1]
    refused_as_invalid(sign_in(f"{header}.{other}.{signature}"))


def test_an_oversized_token_is_refused(alice_linked, provider):
    refused_as_invalid(sign_in(provider.id_token(padding="x" * 9000)))


def test_an_unknown_subject_is_refused(alice_linked, provider):
    body = assert_refused(
        sign_in(provider.id_token(subject="sub-stranger")), 403, "oidc_user_unknown"
    )
    assert "staff" in body["detail"].lower()


def test_a_link_to_another_issuer_does_not_sign_in(alice, provider):
    from tokens.sso.models import OidcLink

    OidcLink.objects.create(
        issuer="https://other.example", subject="sub-alice", user=alice
    )
    assert_refused(sign_in(provider.id_token()), 403, "oidc_user_unknown")


def test_an_inactive_user_is_refused_even_with_a_valid_token(alice_linked, provider):
    alice_linked.is_active = False
    alice_linked.save()
    assert_refused(sign_in(provider.id_token()), 403, "account_inactive")


@pytest.mark.parametrize(
    "body",
    [{}, {"id_token": ""}, {"id_token": 42}, {"id_token": "x", "device": "no spaces!"}],
)
def test_malformed_bodies_are_400(alice_linked, provider, body):
    response = APIClient().post(URL, body, format="json")
    assert_refused(response, 400, "invalid")


def test_garbage_in_place_of_a_token_is_invalid(alice_linked, provider):
    refused_as_invalid(sign_in("not.a.jwt"))


def test_not_configured_is_503(alice_linked, settings):
    settings.OIDC_ISSUER = ""
    response = sign_in("x.y.z")
    assert_refused(response, 503, "oidc_not_configured")
    assert response["Retry-After"] == "30"


def test_sign_ins_share_the_password_logins_rate(alice_linked, provider, monkeypatch):
    monkeypatch.setattr(
        throttles.LoginRateThrottle, "THROTTLE_RATES", {"login": "2/min"}
    )
    api_login("nobody", "wrong")  # the password login spends the same budget
    refused_as_invalid(sign_in("bad"))
    assert_refused(sign_in(provider.id_token()), 429, "throttled")


def test_staff_see_and_unlink_a_users_providers_on_the_user_page(
    alice_linked, provider, staff
):
    page = staff.get(f"/admin/tokens/user/{alice_linked.pk}/change/")
    assert "sub-alice" in page.content.decode()
    link = alice_linked.oidc_links.get()
    response = staff.post(f"/admin/tokens/oidclink/{link.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert_refused(sign_in(provider.id_token()), 403, "oidc_user_unknown")


@pytest.mark.parametrize("claim", ["email", "name", "nonce"])
def test_control_characters_in_other_claims_change_nothing(
    alice_linked, provider, settings, claim
):
    settings.TOKENSERVER_OIDC_MATCH_EMAIL = True
    token = provider.id_token(**{claim: "x\x00\r\n\x1b[31m", "email_verified": True})
    assert sign_in(token).status_code == 200
    alice_linked.refresh_from_db()
    assert "\x00" not in alice_linked.email
    assert "\x1b" not in alice_linked.get_full_name()


def test_a_token_replayed_after_logout_gets_a_new_session(alice_linked, provider):
    token = provider.id_token()
    first = sign_in(token).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.post("/api/auth/logout/").status_code == 204
    second = sign_in(token)  # the same sign-in, still before its exp
    assert second.status_code == 200
    assert second.json()["token"] != first
    assert client.get("/api/me/").status_code == 401


def test_the_platform_is_kept_with_the_api_session(alice_linked, provider):
    assert sign_in(provider.id_token(), platform="ios-sandbox").status_code == 200
    assert ApiToken.objects.get().platform == "ios-sandbox"
    assert_refused(
        sign_in(provider.id_token(), platform="windows"), 400, "invalid", api_tokens=1
    )
