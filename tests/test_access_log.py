"""gunicorn's access log, as gunicorn.conf.py configures it: one line a request."""

import runpy
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from tests.helpers import ROOT

CONF = runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def access_line(path_info: str) -> str:
    config = Config()
    config.set("logger_class", CONF["logger_class"])
    config.set("access_log_format", CONF["access_log_format"])
    logger = config.logger_class(config)
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/token",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": path_info,
        "QUERY_STRING": "room=standup",
    }
    response = SimpleNamespace(status="404 Not Found", sent=45, headers=[])
    request = SimpleNamespace(headers=[])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=3))
    return config.access_log_format % atoms


def test_a_newline_in_the_path_cannot_forge_an_access_log_line():
    # gunicorn logs PATH_INFO decoded: /token%0A... arrives as a newline.
    line = access_line('/token\n127.0.0.1 "POST /api/auth/login/" 200')

    assert "\n" not in line
    assert '"GET /token\\n127.0.0.1 \\"POST' not in line  # quotes left alone
    assert line.startswith('127.0.0.1 "GET /token\\n127.0.0.1 "POST /api/auth/login/"')


def test_the_access_log_leaves_out_the_query_string():
    line = access_line("/token")

    assert line.startswith('127.0.0.1 "GET /token" 404 45 ')
    assert "standup" not in line
