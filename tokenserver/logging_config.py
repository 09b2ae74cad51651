"""The logging configuration: one console handler, text or JSON lines."""

from typing import Any


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """DJANGO_LOG_FORMAT and DJANGO_LOG_LEVEL, as Django's LOGGING dict."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "tokens.logs.JsonFormatter"},
            "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format}
        },
        "root": {"handlers": ["console"], "level": level},
    }
