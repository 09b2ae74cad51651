"""What gunicorn answers itself, and where it logs: a real server on loopback.

gunicorn refuses some requests before Django sees them (a request line or a
header over its limits, a control character in a header). Those answers
must be the API's JSON envelope with a documented code, like every other.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, free_port, local_server_env

HOST = "127.0.0.1"
GUNICORN = Path(sys.executable).parent / "gunicorn"
SECRET = "header-value-that-must-not-be-echoed"


def exchange(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send `raw` as is; the status, headers and body of the answer."""
    with socket.create_connection((HOST, port), timeout=10) as sock:
        sock.sendall(raw)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return int(status_line.split()[1]), {k.lower(): v for k, v in headers.items()}, body


def request(path: str = "/healthz", *headers: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn as gunicorn.conf.py configures it: its port and output files."""
    folder = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    env = local_server_env(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        GUNICORN_BIND=f"{HOST}:{port}",
        WEB_CONCURRENCY="1",
    )
    out, err = folder / "stdout", folder / "stderr"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(  # noqa: S603  (our gunicorn, our config)
            [str(GUNICORN), "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        wait_listening(port, process, err)
        yield port, out, err
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def wait_listening(port: int, process: subprocess.Popen, err: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, err.read_text()[-3000:]
        try:
            exchange(port, request())
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"gunicorn not answering after 30 s:\n{err.read_text()[-3000:]}")


# (case, request, status, code)
REFUSED = [
    ("request_line_over_the_limit", request("/token?room=" + "a" * 5000), 414,
     "request_line_too_long"),
    ("header_of_64_kb", request("/token", "X-Big: " + "a" * 65536), 431,
     "headers_too_large"),
    ("nul_in_a_header", request("/token", f"Authorization: Token {SECRET}\x00"),
     400, "bad_request"),
    ("control_character_in_a_header",
     request("/token", f"Authorization: Token {SECRET}\x01"), 400, "bad_request"),
    ("malformed_request_line", b"GET /token HTTP/1.1 extra\r\n\r\n", 400,
     "bad_request"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [case[1:] for case in REFUSED],
    ids=[c[0] for c in REFUSED],
)
def test_answers_gunicorn_writes_itself_are_the_json_envelope(
    server, raw, status, code
):
    # They were HTML pages (<h1><p>Bad Request</p></h1>...).
    port, _, _ = server

    got, headers, body = exchange(port, raw)

    assert got == status, body
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(body)
    answer = json.loads(body)
    assert set(answer) == {"detail", "code"}
    assert answer["code"] == code
    assert answer["detail"]
    assert SECRET not in body.decode()


def test_every_code_gunicorn_can_answer_with_is_in_the_readme():
    from tokenserver.gunicorn_errors import ANSWERS, SERVER_ERROR

    readme = (ROOT / "README.md").read_text()
    error_table = readme[readme.index("### Error codes") :]

    for status, (code, _) in [*ANSWERS.items(), (500, SERVER_ERROR)]:
        assert f"| {status} | `{code}` |" in error_table, (status, code)


def test_access_log_dash_is_stdout_as_env_example_says(server):
    port, out, err = server
    exchange(port, request("/healthz?probe=stdout-or-stderr"))
    time.sleep(0.5)  # gunicorn writes the line after the answer

    assert '"GET /healthz"' in out.read_text()
    assert '"GET /healthz"' not in err.read_text()
    example = (ROOT / ".env.example").read_text().splitlines()
    comment = example[example.index("# GUNICORN_ACCESS_LOG=-") - 1]
    assert "- for stdout" in comment  # it said "- for stderr"
