# The part of django-rest-knox 5.1's knox/models.py that tokenserver uses.
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models

class AuthTokenManager(models.Manager[Any]):
    # Returns the instance and the token text, unlike Manager.create.
    def create(  # type: ignore[override]
        self, user: Any, expiry: Any = ..., prefix: str | None = ..., **kwargs: Any
    ) -> tuple[Any, str]: ...

class AbstractAuthToken(models.Model):
    objects: AuthTokenManager
    digest = models.CharField(primary_key=True)
    token_key = models.CharField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="auth_token_set",
        on_delete=models.CASCADE,
    )
    created = models.DateTimeField(auto_now_add=True)
    expiry = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

def get_token_model() -> type[AbstractAuthToken]: ...
def get_expiry(expiry: Any) -> datetime | None: ...
