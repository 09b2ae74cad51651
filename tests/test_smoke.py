from tests.conftest import decode


def test_alice_gets_a_chat_token_with_her_identity(alice, client_for):
    response = client_for(alice).get("/token")
    assert response.status_code == 200, response.json()
    header, claims = decode(response.json()["token"])
    assert header["cty"] == "twilio-fpa;v=1"
    assert claims["grants"]["identity"] == "alice"
    assert set(claims["grants"]) == {"identity", "chat"}
