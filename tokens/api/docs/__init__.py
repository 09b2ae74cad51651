"""The OpenAPI description of the JSON API (drf-spectacular).

One module per group of operations (token.py, auth.py, me.py) holds its
shapes, its error table and the extend_schema decorators views.py applies;
errors.py holds what every error code means and its example; headers.py the
documented response headers; fields.py the shared field schemas; hooks.py
the postprocessing hook that adds the long description and /healthz.
Request parameters and bodies are documented from the fields that validate
them. Importing this package registers the authentication schemes.
"""

from tokens.api.docs.auth import login, logout, logout_all
from tokens.api.docs.hooks import finish
from tokens.api.docs.me import me
from tokens.api.docs.token import token_get, token_post

__all__ = ["finish", "login", "logout", "logout_all", "me", "token_get", "token_post"]
