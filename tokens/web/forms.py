"""The browser login forms, sharing the API's login rate and lockout."""

import math
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from rest_framework import exceptions

from tokens import errors
from tokens.limits import lockout
from tokens.limits.throttles import LoginRateThrottle, client_ip

# A refused login page's form error has the code the API login answers for
# the same refusal, and the same status.
THROTTLED = exceptions.Throttled.default_code
LOCKED = errors.LoginLocked.default_code
UNAVAILABLE = errors.RateLimitUnavailable.default_code
REFUSAL_STATUS: dict[str | None, int] = {THROTTLED: 429, LOCKED: 429, UNAVAILABLE: 503}


class LockoutMixin(AuthenticationForm):
    """Refuse a login over the address's rate, or from a locked username or
    address, before checking the password.

    The rate is the API login's, with the same counter: an address gets
    TOKENSERVER_LOGIN_RATE logins in all, through the API and the pages.
    """

    retry_after: int | None = None

    def clean(self):
        try:
            return self._clean_guarded()
        except errors.RateLimitUnavailable as exc:
            self.retry_after = errors.RETRY_AFTER_SECONDS
            raise forms.ValidationError(
                "Logging in is unavailable for a moment. Try again shortly.",
                code=UNAVAILABLE,
            ) from exc

    def _clean_guarded(self):
        self._check_rate()
        failures: list[forms.ValidationError] = []

        def verify() -> dict[str, Any] | None:
            try:
                return super(LockoutMixin, self).clean()
            except forms.ValidationError as exc:  # a wrong password, or inactive
                failures.append(exc)
                return None

        try:
            cleaned = lockout.check_password(
                username=self.cleaned_data.get("username") or "",
                ip=client_ip(self.request) if self.request is not None else None,
                verify=verify,
            )
        except errors.LoginLocked as exc:
            self.retry_after = exc.wait
            raise forms.ValidationError(
                f"Too many failed logins. Try again in {exc.wait} seconds.",
                code=LOCKED,
            ) from exc
        if cleaned is None:
            raise failures[0]
        return cleaned

    def _check_rate(self) -> None:
        if self.request is None:
            return
        throttle = LoginRateThrottle()
        if not throttle.allow_request(self.request, None):
            self.retry_after = max(1, math.ceil(throttle.wait() or 1))
            raise forms.ValidationError(
                "Too many logins from your address. "
                f"Try again in {self.retry_after} seconds.",
                code=THROTTLED,
            )


class LockoutAuthenticationForm(LockoutMixin, AuthenticationForm):
    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        from tokens.api.views import password_login_allowed

        if not password_login_allowed(user):
            raise forms.ValidationError(
                "Password login is for staff here: sign in with your identity "
                "provider.",
                code="password_login_disabled",
            )


class LockoutAdminAuthenticationForm(LockoutMixin, AdminAuthenticationForm):
    pass


def with_refusal_status(response):
    """A login page refused by the rate or the lockout: 429 and Retry-After.

    503 when the limits cannot be checked. The page still shows the form and
    the message; a wrong password stays 200, as Django answers it.
    """
    form = (getattr(response, "context_data", None) or {}).get("form")
    if not isinstance(form, LockoutMixin) or not form.is_bound:
        return response
    for error in form.non_field_errors().as_data():
        status = REFUSAL_STATUS.get(error.code)
        if status is not None:
            response.status_code = status
            if form.retry_after:
                response["Retry-After"] = str(form.retry_after)
            break
    return response
