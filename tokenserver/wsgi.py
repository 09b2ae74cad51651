"""WSGI entry point for production servers."""

import os

from django.core.wsgi import get_wsgi_application
from django.utils.http import parse_header_parameters

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tokenserver.settings")

UNSUPPORTED_CHARSET = (
    b'{"detail": "The charset of this body is not a known text encoding.", '
    b'"code": "unsupported_media_type"}'
)


def refusing_binary_charsets(app):
    """Answer 415 to a Content-Type whose charset is not a known text encoding.

    Django builds the request from `charset=rot13` (or hex, base64, zlib,
    idna, punycode, undefined) and decodes the query string with it before
    any of its handlers run: an exception, and the server's bare 500. A
    charset it does not know it ignores, reading the body as UTF-8: what the
    client meant is unknown, so that is refused too, not guessed.
    """

    def application(environ, start_response):
        content_type = environ.get("CONTENT_TYPE", "")
        # Most requests (GET /token) name no charset: nothing to parse.
        if "charset" in content_type.lower() and not _decodes_text(
            parse_header_parameters(content_type)[1].get("charset")
        ):
            start_response(
                "415 Unsupported Media Type",
                [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(UNSUPPORTED_CHARSET))),
                ],
            )
            return [UNSUPPORTED_CHARSET]
        return app(environ, start_response)

    return application


def _decodes_text(charset: str | None) -> bool:
    if not charset:
        return True
    try:
        # Every byte, errors replaced: a text encoding decodes them; unknown
        # names and binary codecs raise LookupError, idna/punycode/undefined
        # other errors.
        bytes(range(256)).decode(charset, "replace")
    except Exception:
        return False
    return True


application = refusing_binary_charsets(get_wsgi_application())
