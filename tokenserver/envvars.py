"""Reading the environment for tokenserver/settings.py.

Every variable is read by a helper here: a value it cannot use stops startup
with ConfigError naming the variable, never printing the value (values may
be secrets), instead of a silent fallback or a 500 at runtime. manage.py and
gunicorn.conf.py print it as one line (startup_line), not a traceback.
"""

import importlib
import io
import logging
import os
import re
import sys
from pathlib import Path
from typing import overload

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()


class ConfigError(ImproperlyConfigured):
    """A variable's value cannot be used; the message names it, never the value."""


def startup_line(error: ConfigError) -> str:
    """The one line an operator sees when startup stops on `error`."""
    return f"configuration error: {error}"


def check_settings() -> None:
    """Load Django's settings module once and forget it; a ConfigError exits.

    For gunicorn's master, before any worker starts: each worker would
    otherwise print its own traceback. The environment (which .env adds to)
    and the module are put back, so that workers started after a reload
    read them afresh, as before.
    """
    module = os.environ.get("DJANGO_SETTINGS_MODULE", "tokenserver.settings")
    saved = dict(os.environ)
    try:
        importlib.import_module(module)
    except ConfigError as error:
        raise SystemExit(startup_line(error)) from None
    finally:
        sys.modules.pop(module, None)
        os.environ.clear()
        os.environ.update(saved)


def raw_env(*names: str) -> tuple[str, str] | None:
    """Return (name, value) of the first variable set, without interpolation.

    django-environ expands values starting with `$` as references to other
    variables and prints the value when that fails; secrets may start with `$`.
    """
    for name in names:
        value = env.ENVIRON.get(name)
        if value is not None:
            return name, value
    return None


def env_str(name: str) -> str:
    """The variable's value without surrounding spaces; "" when unset."""
    found = raw_env(name)
    return found[1].strip() if found else ""


TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "0"})


def env_bool(name: str, *, default: bool) -> bool:
    """A yes/no variable; unset or empty means the default.

    django-environ reads any word it does not know ("ture", "enabled") as
    false, so a typo would silently turn a setting off: here it is an error.
    """
    word = env_str(name).lower()
    if not word:
        return default
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise ConfigError(f"{name} must be true or false (or yes/no, on/off, 1/0).")


# ASCII digits only: int() would also take "٣", "1_000" and " +1".
WHOLE_NUMBER = re.compile(r"[0-9]{1,15}")
DECIMAL_NUMBER = re.compile(r"[0-9]{1,9}(?:\.[0-9]{0,9})?|\.[0-9]{1,9}")


@overload
def env_int(
    name: str, *, default: int, minimum: int = 0, maximum: int | None = None
) -> int: ...
@overload
def env_int(
    name: str, *, default: None, minimum: int = 0, maximum: int | None = None
) -> int | None: ...
def env_int(
    name: str, *, default: int | None, minimum: int = 0, maximum: int | None = None
) -> int | None:
    """A whole number; unset or empty means the default.

    env.int fails with "invalid literal for int()", naming no variable.
    """
    text = env_str(name)
    if not text:
        return default
    value = int(text) if WHOLE_NUMBER.fullmatch(text) else None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        bounds = f"from {minimum} to {maximum}" if maximum else f"of at least {minimum}"
        raise ConfigError(
            f"{name} must be a whole number {bounds} (digits only, no unit)."
        )
    return value


def env_seconds(name: str, *, default: float) -> float:
    """A positive number of seconds, such as 0.5; unset or empty: the default."""
    text = env_str(name)
    if not text:
        return default
    value = float(text) if DECIMAL_NUMBER.fullmatch(text) else 0.0
    if value <= 0:
        raise ConfigError(
            f"{name} must be a number of seconds greater than 0, such as 0.5 "
            "(digits and a decimal point only, no unit)."
        )
    return value


def env_word(name: str, choices: tuple[str, ...], *, default: str) -> str:
    """One of `choices` (lower case), in any case; unset or empty: the default."""
    word = env_str(name).lower()
    if not word:
        return default
    if word not in choices:
        raise ConfigError(f"{name} must be one of: {', '.join(choices)}.")
    return word


def env_list(name: str, *, default: list[str]) -> list[str]:
    """A comma-separated list; spaces around items and empty items are dropped.

    A space after a comma is common in lists written by hand, and would
    otherwise become part of a host name or origin that then never matches.
    """
    items = [item.strip() for item in env_str(name).split(",")]
    return [item for item in items if item] or default


# What DRF's throttles understand: it reads only the first letter of the
# period, so "100/month" would be 100 a minute. Only these words are taken.
RATE = re.compile(r"([0-9]{1,9})/(s|sec|second|m|min|minute|h|hour|d|day)")


def env_rate(name: str, *, default: str) -> str:
    """A throttle rate such as 60/min; unset or empty means the default."""
    text = env_str(name).lower()
    if not text:
        return default
    match = RATE.fullmatch(text)
    if not match or int(match[1]) < 1:
        raise ConfigError(
            f"{name} must be a rate such as 100/hour: a whole number of at least 1, "
            "/, and one of s, sec, second, m, min, minute, h, hour, d, day."
        )
    return f"{int(match[1])}/{match[2]}"


# Django compares the header's META name exactly: HTTP_ and upper case.
PROXY_HEADER = re.compile(r"HTTP_[A-Z0-9_]+")
PROXY_VALUE = re.compile(r"[^\s,]+")


def env_proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """HEADER_NAME,value (spaces around either ignored); unset or empty: None.

    A space kept in the value never matches (an endless redirect to HTTPS);
    a value without a comma is a 500 on every request.
    """
    text = env_str(name)
    if not text:
        return None
    header, comma, value = (part.strip() for part in text.partition(","))
    if not (comma and PROXY_HEADER.fullmatch(header) and PROXY_VALUE.fullmatch(value)):
        raise ConfigError(
            f"{name} must be HEADER_NAME,value with the header as Django names it "
            "(HTTP_ and upper case), e.g. HTTP_X_FORWARDED_PROTO,https."
        )
    return header, value


# What django-environ's read_env takes; other lines it logs in full.
DOT_ENV_LINE = re.compile(r"\A(?:export )?[A-Za-z_0-9]+=.*\Z")


def read_dot_env(path: Path) -> None:
    """Load `path` into the environment without ever printing a line of it.

    read_env logs each line it cannot read ("Invalid line: NAME = secret"):
    such lines are left out here and reported by number only.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeError):
        raise ConfigError(
            f"{path} (the .env file) could not be read as UTF-8 text; "
            "set DJANGO_READ_DOT_ENV_FILE=false to start without it."
        ) from None
    kept, skipped = [], []
    for number, line in enumerate(lines, start=1):
        if DOT_ENV_LINE.match(line):
            kept.append(line)
        elif line.strip() and not line.lstrip().startswith("#"):
            skipped.append(str(number))
    if skipped:
        lines_word = "line" if len(skipped) == 1 else "lines"
        sys.stderr.write(
            f"warning: {path}: {lines_word} {', '.join(skipped)} ignored, not "
            "NAME=value (no spaces around =); not shown, they may hold secrets.\n"
        )
    quiet = logging.getLogger(environ.Env.__module__)
    was_disabled, quiet.disabled = quiet.disabled, True
    try:
        env.read_env(io.StringIO("\n".join(kept)))
    finally:
        quiet.disabled = was_disabled
