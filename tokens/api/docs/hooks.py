"""The postprocessing hook: the long description and the health probes.

`finish` is listed in SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]; /healthz,
/healthz/live and /healthz/ready are plain Django views, so drf-spectacular
does not see them.
"""

from tokenserver import gunicorn_errors

HEALTHZ = {
    "get": {
        "operationId": "healthz",
        "summary": "Health check",
        "description": (
            "For load balancers: no authentication, answered before the host "
            "check and the HTTPS redirect."
        ),
        "tags": ["health"],
        "security": [],
        "responses": {
            "200": {
                "description": "The database answers.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {"status": {"type": "string"}},
                            "required": ["status"],
                            "example": {"status": "ok"},
                        }
                    }
                },
            },
            "503": {
                "description": "The database does not answer: `code` is "
                "`database_unavailable`.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "status": {"type": "string"},
                                "detail": {"type": "string"},
                                "code": {"type": "string"},
                            },
                            "required": ["status", "detail", "code"],
                        }
                    }
                },
            },
        },
    }
}


def _probe(operation_id: str, summary: str, ok: str, refused: str | None) -> dict:
    """A probe answering `{"status"}` (and `failed` for readiness)."""
    properties: dict[str, object] = {"status": {"type": "string"}}
    if refused is not None:
        properties["failed"] = {
            "type": "array",
            "items": {"type": "string", "enum": ["database", "redis", "worker"]},
        }
    responses = {
        "200": {
            "description": ok,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": properties,
                        "required": list(properties),
                    }
                }
            },
        }
    }
    if refused is not None:
        responses["503"] = {
            "description": refused,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            **properties,
                            "detail": {"type": "string"},
                            "code": {"type": "string", "enum": ["not_ready"]},
                        },
                        "required": ["status", "detail", "code", "failed"],
                    }
                }
            },
        }
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "description": "For orchestrators: no authentication, answered "
            "before the host check and the HTTPS redirect.",
            "tags": ["health"],
            "security": [],
            "responses": responses,
        }
    }


LIVE = _probe("healthz_live", "Liveness", "The process answers (reads nothing).", None)
READY = _probe(
    "healthz_ready",
    "Readiness",
    "The database and Redis answer in time, and the enforcement worker's "
    "heartbeat is recent when rooms are enforced.",
    "Not ready: `failed` names what did not answer (`Retry-After` given).",
)

DESCRIPTION = """\
Twilio Access Tokens for authenticated users.

Log in with `POST /api/auth/login/` to get an API token, then send it as
`Authorization: Token <token>`. A browser session (from `/accounts/login/`)
also works for `/token` and `/api/me/` from this site's own pages (not from
another site's page or link); a session `POST` needs the CSRF token.

Every error body is JSON `{"detail", "code"}`; validation errors add
`"fields"`. Switch on `code`, never on `detail`. Besides the codes listed per
operation, any endpoint answers `405 method_not_allowed` to a method it does
not support, `400 bad_request` to a `Host` the server does not serve or to
more than 1,000 parameters, `404 not_found` to a path or `?format=` that does
not exist, `503 database_unavailable` when the database does not answer, and
`500 server_error` to a fault of its own. Every 503 carries `Retry-After: 30`.
The server answers a request it cannot read before any endpoint sees it
(request line or headers over its limits, a control character in a header)
with one of: {server_answers}.

`GET /healthz` (no authentication) answers `200 {"status": "ok"}` when the
database answers and `503` with code `database_unavailable` otherwise;
`GET /healthz/live` and `GET /healthz/ready` are the orchestrator's probes.
"""


def server_answers() -> str:
    """gunicorn's own answers (tokenserver/gunicorn_errors.py), for DESCRIPTION."""
    answers = [*gunicorn_errors.ANSWERS.items(), (500, gunicorn_errors.SERVER_ERROR)]
    return ", ".join(f"`{status} {code}`" for status, (code, _) in sorted(answers))


def finish(result, generator, request, public):
    """Postprocessing hook: the long description and /healthz (a plain Django view)."""
    result["info"]["description"] = DESCRIPTION.replace(
        "{server_answers}", server_answers()
    )
    paths = result.setdefault("paths", {})
    paths["/healthz"] = HEALTHZ
    paths["/healthz/live"] = LIVE
    paths["/healthz/ready"] = READY
    return result
