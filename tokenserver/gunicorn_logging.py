"""gunicorn's logger, with each access log value kept on its line."""

from gunicorn.glogging import Logger

from tokens.logs import one_line


class EscapingLogger(Logger):
    """Control characters in access log values are written as escapes.

    gunicorn logs PATH_INFO decoded: a %0A in a URL would start a line of the
    caller's choosing in the access log.
    """

    def atoms(self, resp, req, environ, request_time):
        return {
            name: one_line(value) if isinstance(value, str) else value
            for name, value in super().atoms(resp, req, environ, request_time).items()
        }
