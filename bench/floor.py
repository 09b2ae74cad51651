"""THE FLOOR of /token for the benchmark: the project's work without a framework.

What the bare-Python limit of this workload is, as opposed to the fixed
reference's (bench/baseline.py), which does none of it. For each request,
exactly the work of `GET /token?room=...`: the API token's candidates read
by the project's statement and its digest compared in constant time, the
request counted by the project's Redis script, the rules, room and access
rows read by the project's statement, the decision and the signing by the
project's plain functions (tokens/policy.py, tokens/issuing/signing.py), the audit
row INSERTed and committed, the same JSON. Without: Django's request and
response, middleware, DRF, ORM instances, the connection health check.

The statements and the script come from the project's modules, so they are
the ones the project runs (Django is set up once, at import, for that). A
database connection per worker process, kept open, autocommit, server-side
binding and prepared statements as the project's settings give them; the
Redis connection kept open too. bench/run.py serves it with gunicorn.conf.py
and the project's chosen setting, like the bare reference app.
"""

import json
import os
import secrets
import uuid
from datetime import UTC, datetime
from hmac import compare_digest

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tokenserver.settings")
django.setup()

import psycopg  # noqa: E402
import redis  # noqa: E402
from django.http import QueryDict  # noqa: E402
from knox.crypto import hash_token  # noqa: E402
from knox.settings import CONSTANTS  # noqa: E402

from tokens import policy, rows  # noqa: E402
from tokens.api import authentication as auth  # noqa: E402
from tokens.credentials import current_credentials, current_limits  # noqa: E402
from tokens.issuing import signing  # noqa: E402
from tokens.issuing import subject as queries  # noqa: E402
from tokens.issuing.params import parse_token_params  # noqa: E402
from tokens.limits.throttles import SLIDING_LOG, TokenRateThrottle  # noqa: E402
from tokens.models import TokenEvent  # noqa: E402
from tokens.timeutil import iso_utc  # noqa: E402

CREDENTIALS = current_credentials()
LIMITS = current_limits()
_RATE = TokenRateThrottle()
_USER_ID = len(auth._TOKEN) + auth._USER.names.index("id")
_IDENTITY = len(auth._TOKEN) + auth._USER.names.index("twilio_identity")
_SUPERUSER = len(auth._TOKEN) + auth._USER.names.index("is_superuser")
_ACTIVE = len(auth._TOKEN) + auth._USER.names.index("is_active")
_EXPIRY = auth._TOKEN.names.index("expiry")
_INSERT = rows._insert_sql(TokenEvent, django.db.connection)
_COLUMNS = [field.attname for field in TokenEvent._meta.concrete_fields]


class _Process:
    """Connections opened lazily, once per worker process (after the fork)."""

    db = None
    script = None

    @classmethod
    def get(cls):
        if cls.db is None:
            cls.db = psycopg.connect(
                os.environ["DATABASE_URL"], autocommit=True, prepare_threshold=5
            )
            client = redis.Redis.from_url(os.environ["REDIS_URL"])
            cls.script = client.register_script(SLIDING_LOG)
        return cls.db, cls.script


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/healthz":  # what bench/run.py waits for
        return _answer(start_response, "200 OK", {"status": "ok"})
    db, script = _Process.get()
    user = _authenticate(db, environ.get("HTTP_AUTHORIZATION", ""))
    if user is None:
        return _answer(start_response, "401 Unauthorized", {"code": "bad_token"})
    user_id = user[_USER_ID]
    key = f"floor:rate-log:throttle_token_{user_id}"
    args = [_RATE.duration, _RATE.num_requests, secrets.token_hex(4)]
    if float(script(keys=[key], args=args)) > 0:
        return _answer(start_response, "429 Too Many Requests", {"code": "throttled"})
    now = datetime.now(UTC).replace(microsecond=0)
    params = parse_token_params(QueryDict(environ.get("QUERY_STRING", "")))
    sql, values = queries._RULES_SQL, [user_id, user_id]
    if params.room is not None:
        sql += queries._ROOM_SQL
        values += [params.room, user_id, user_id, params.room]
    found = db.execute(sql, values).fetchall()
    subject = policy.Subject(
        identity=user[_IDENTITY],
        is_superuser=user[_SUPERUSER],
        rules=queries._rules([row for row in found if row[0] == queries.RULE]),
        room=None if params.room is None else queries._room(params.room, found),
    )
    decision = policy.decide(
        subject,
        params,
        capabilities=CREDENTIALS.capabilities,
        limits=LIMITS,
        now=now,
    )
    issued = signing.sign(
        decision,
        identity=user[_IDENTITY],
        device=params.device,
        credentials=CREDENTIALS,
        now=now,
    )
    row = {
        "id": uuid.uuid4(),
        "created_at": now,
        "user_id": user_id,
        "identity": user[_IDENTITY],
        "outcome": TokenEvent.ISSUED,
        "grants": ",".join(decision.grants),
        "room": decision.room or "",
        "device": params.device or "",
        "ttl": decision.ttl,
        "expires_at": decision.expires_at,
        "client_ip": environ.get("REMOTE_ADDR"),
        "user_agent": environ.get("HTTP_USER_AGENT", "")[:256],
        "jwt_sha256": issued.sha256,
    }
    db.execute(_INSERT, [row[name] for name in _COLUMNS])
    body = {
        "identity": user[_IDENTITY],
        "token": issued.jwt,
        "ttl": decision.ttl,
        "expires_at": iso_utc(decision.expires_at),
        "grants": list(decision.grants),
        "room": decision.room,
    }
    return _answer(start_response, "200 OK", body)


def _authenticate(db, header: str):
    words = header.split()
    if len(words) != 2 or words[0].lower() != "token":
        return None
    text = words[1]
    if not auth.TOKEN_PATTERN.fullmatch(text):
        return None
    digest = hash_token(text)
    candidates = db.execute(
        auth._CANDIDATES_SQL, [text[: CONSTANTS.TOKEN_KEY_LENGTH]]
    ).fetchall()
    for found in candidates:
        if compare_digest(digest, found[auth._DIGEST]):
            expiry = found[_EXPIRY]
            if expiry is not None and expiry <= datetime.now(UTC):
                return None
            return found if found[_ACTIVE] else None
    return None


def _answer(start_response, status: str, body: dict):
    data = json.dumps(body).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [data]
