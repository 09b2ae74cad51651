"""Browser sessions: rows only for logged-in users, signed cookies for the rest.

The CSRF secret lives in the session (settings.CSRF_USE_SESSIONS), so every
cookieless visit to a login page would insert a 14-day row: anyone could grow
the table without bound. A session that holds no login is kept in the
visitor's own cookie instead, signed (and dated) with the secret key as
Django's signed_cookies backend does; the login (which cycles the key)
moves it into the database, where logout, password changes and expiry end
it as before. Nothing secret from others sits in an anonymous session: its
CSRF secret is the visitor's own.
"""

from typing import TypeGuard

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.core import signing

_SALT = "tokens.sessions.anonymous"


def _is_signed(session_key: str | None) -> TypeGuard[str]:
    # Database keys are 32 letters and digits; signed values carry ':'.
    return session_key is not None and ":" in session_key


# Django's private API, kept on purpose (issue 14; tests/test_sessions.py
# fails by name if Django changes it): `save` starts as Django's own database
# backend does, with `_get_session(no_load=must_create)`, and `delete` and
# `_save_signed` set `_session_key` as Django's signed_cookies backend does.
# There is no public way to read a session without loading it from the
# database (a load of a key not yet saved resets the key to None) or to set
# the key. The data itself is read and cleared through the public mapping
# API (`in`, `items()`, `clear()`).


class SessionStore(db.SessionStore):
    def _holds_login(self) -> bool:
        return SESSION_KEY in self

    def load(self):
        if not _is_signed(self.session_key):
            return super().load()
        try:
            return signing.loads(
                self.session_key,
                salt=_SALT,
                serializer=self.serializer,
                max_age=self.get_session_cookie_age(),
            )
        except (signing.BadSignature, ValueError):
            self._session_key = None
            return {}

    def create(self):
        if self._holds_login():
            super().create()
        else:
            self._save_signed()

    def save(self, must_create=False):
        # Loads the data if not yet; private in Django, left out of django-stubs.
        self._get_session(no_load=must_create)  # type: ignore[attr-defined]
        if not self._holds_login():
            self._save_signed()
        elif must_create or not _is_signed(self.session_key):
            super().save(must_create=must_create)
        else:
            super().create()  # the login: a new database key, as cycle_key gives

    def _save_signed(self):
        stored = self.session_key
        self._session_key = signing.dumps(
            dict(self.items()),
            salt=_SALT,
            serializer=self.serializer,
            compress=True,
        )
        self.modified = True
        if stored and not _is_signed(stored):
            super().delete(stored)  # a row that no longer holds a login

    def exists(self, session_key):
        return not _is_signed(session_key) and super().exists(session_key)

    def delete(self, session_key=None):
        key = self.session_key if session_key is None else session_key
        if _is_signed(key):
            if session_key is None:  # flush(), or delete() of the visitor's own
                self._session_key = ""
                self.clear()
            return
        super().delete(session_key)
