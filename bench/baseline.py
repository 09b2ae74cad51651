"""THE FIXED REFERENCE of the benchmark (issue 6): keep it as it is.

The least a token server can do: a bare WSGI app (no framework, no database,
no authentication, no rate limit, no audit) that signs one Twilio Access
Token with a VideoGrant for a fixed identity on every request and answers
{"identity", "token"}. bench/run.py serves it with gunicorn, 2 sync workers
(REFERENCE_ARGS there), and reports the project's figures as a ratio of its
figures. Changing this file or those arguments changes every ratio: don't.

The Twilio values come from the same fake TWILIO_* variables as the project's.
"""

import json
import os

from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VideoGrant

IDENTITY = "bench_reference"
ROOM = "bench-room-00000"
TTL = 3600


def application(environ, start_response):
    token = AccessToken(
        os.environ["TWILIO_ACCOUNT_SID"],
        os.environ["TWILIO_API_KEY"],
        os.environ["TWILIO_API_SECRET"],
        identity=IDENTITY,
        ttl=TTL,
        grants=[VideoGrant(room=ROOM)],
    )
    body = json.dumps({"identity": IDENTITY, "token": token.to_jwt()}).encode()
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [body]
