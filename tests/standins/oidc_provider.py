"""A stand-in OpenID Connect provider on 127.0.0.1, started by the tests.

Serves the discovery document and a JWKS with the RSA and EC keys it
generates when it starts, and signs ID tokens with them (`id_token`).
`rotate()` replaces its keys; `fail` makes it answer 500, `delay` makes it
slow; `requests` counts what was asked, per path.
"""

import json
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

DISCOVERY = "/.well-known/openid-configuration"
JWKS = "/jwks"


class _Key:
    def __init__(self, kind: str):
        self.kind = kind
        self.kid = f"{kind}-{uuid.uuid4().hex[:8]}"
        self.alg = {"RSA": "RS256", "EC": "ES256"}[kind]
        self.private = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if kind == "RSA"
            else ec.generate_private_key(ec.SECP256R1())
        )

    def public_jwk(self) -> dict:
        algorithm = jwt.get_algorithm_by_name(self.alg)
        jwk = json.loads(algorithm.to_jwk(self.private.public_key()))
        return jwk | {"kid": self.kid, "use": "sig", "alg": self.alg}


class _Handler(BaseHTTPRequestHandler):
    provider: "OidcProvider"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        provider = self.provider
        provider.requests[self.path] += 1
        if provider.delay:
            time.sleep(provider.delay)
        if provider.fail or self.path not in (DISCOVERY, JWKS):
            return self._answer(500 if provider.fail else 404, {})
        if self.path == DISCOVERY:
            return self._answer(200, provider.discovery())
        return self._answer(200, {"keys": [k.public_jwk() for k in provider.keys]})

    def _answer(self, status: int, body: dict):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class OidcProvider:
    """Listen on 127.0.0.1:<free port>; `issuer` is its URL."""

    def __init__(self, audience: str = "com.example.app"):
        self.audience = audience
        self.keys = [_Key("RSA"), _Key("EC")]
        self.fail = False
        self.delay = 0.0
        self.requests: Counter = Counter()
        handler = type("Handler", (_Handler,), {"provider": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        ).start()

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "jwks_uri": self.issuer + JWKS,
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        }

    def rotate(self) -> None:
        self.keys = [_Key("RSA"), _Key("EC")]

    def claims(self, subject: str = "sub-alice", **overrides) -> dict:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": self.audience,
            "iat": now,
            "exp": now + 600,
        }
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}

    def id_token(
        self, subject: str = "sub-alice", *, kind: str = "RSA", headers=None, **claims
    ) -> str:
        """An ID token signed with its current key of `kind` ("RSA" or "EC")."""
        key = next(k for k in self.keys if k.kind == kind)
        return jwt.encode(
            self.claims(subject, **claims),
            key.private,
            algorithm=key.alg,
            headers={"kid": key.kid, **(headers or {})},
        )

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
