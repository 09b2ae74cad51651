"""Reading the rooms variables (issue 15) for tokenserver/settings.py.

Kept apart from envvars.py so the two evolve without conflicts; the same
promise holds: a value that cannot be used stops startup naming the
variable, never printing the value.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from tokenserver.envvars import env_str


def _origin(text: str) -> str | None:
    """`scheme://host[:port]` without a trailing slash, or None if not one."""
    try:
        parts = urlsplit(text)
        _ = parts.port  # "host:abc" raises here
    except ValueError:
        return None
    bare = not (parts.query or parts.fragment or parts.username or parts.password)
    if parts.scheme not in ("http", "https") or not parts.hostname or not bare:
        return None
    if parts.path not in ("", "/") or any(c.isspace() for c in text):
        return None
    return f"{parts.scheme}://{parts.netloc}"


def env_origin(name: str, *, require_https: bool) -> str:
    """An origin such as https://tokens.example.com; unset or empty: "".

    A path would be silently dropped or doubled when URLs are built from it,
    so it is refused; so are a query, a fragment and a user name.
    """
    text = env_str(name)
    if not text:
        return ""
    origin = _origin(text)
    if origin is None or (require_https and not origin.startswith("https://")):
        scheme = "https" if require_https else "http or https"
        raise ImproperlyConfigured(
            f"{name} must be {scheme}://host[:port] with no path, query or "
            "user name, e.g. https://tokens.example.com."
        )
    return origin
