# django-rest-knox ships no types. Only knox.models is described (its abstract
# model is the base of tokens.models.ApiToken, whose fields mypy must know);
# the other knox modules stay untyped (ignore_missing_imports in pyproject).
from typing import Any

def __getattr__(name: str) -> Any: ...  # knox.views, knox.auth ...: untyped
