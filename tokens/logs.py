"""One JSON object per log line, for log collectors."""

import json
import logging
from datetime import UTC, datetime

# Attributes that every LogRecord has; anything else was passed as `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
}
# Only plain values are copied from `extra`: Django's request logging adds the
# request object, whose text holds the query string.
_PLAIN = (str, int, float, bool, type(None))


def one_line(text: str) -> str:
    """Control characters as escapes, so that a logged value stays on its line."""
    if text.isprintable():
        return text
    return text.encode("unicode_escape").decode("ascii")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            {
                key: value
                for key, value in vars(record).items()
                if key not in _STANDARD and isinstance(value, _PLAIN)
            }
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)
