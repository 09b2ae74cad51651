"""gunicorn's own answers in the API's JSON envelope, {"detail", "code"}.

gunicorn answers a request it cannot read itself, before Django sees it: a
request line over its limit (414), a header over its limits (431), a NUL or
control character in a header or a malformed request line (400), and a few
rarer ones. It wrote them as an HTML page, which a client that decodes every
error as JSON cannot read. gunicorn.conf.py installs write_json_error in
each worker in place of gunicorn.util.write_error, which every worker class
calls for these answers (gunicorn.workers.base.Worker.handle_error).

gunicorn's message is left out of the body: it quotes the offending header
value, which may be a credential.
"""

import json

from gunicorn import util

# status: (code, detail). README, "Error codes", lists them.
ANSWERS = {
    400: (
        "bad_request",
        "The request could not be read (malformed request line "
        "or header, or a control character in a header).",
    ),
    403: ("forbidden", "The request is refused."),
    414: (
        "request_line_too_long",
        "The request line (method, path and query string) is too long.",
    ),
    417: ("expectation_failed", "The Expect header is not supported."),
    431: (
        "headers_too_large",
        "A request header, or all of them, is too large or too many.",
    ),
    501: ("not_implemented", "The transfer coding is not supported."),
}
SERVER_ERROR = ("server_error", "Server error.")


def json_error(status: int, reason: str) -> bytes:
    """The whole HTTP answer for `status`: headers and the JSON body."""
    code, detail = ANSWERS.get(status, SERVER_ERROR)
    body = json.dumps({"detail": detail, "code": code}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        "Cache-Control: no-store\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def write_json_error(sock, status_int, reason, mesg):
    """gunicorn.util.write_error's signature; `mesg` is not sent (see above)."""
    util.write_nonblock(sock, json_error(status_int, reason))


def install() -> None:
    util.write_error = write_json_error
