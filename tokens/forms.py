"""The browser login form, sharing the API's lockout."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from tokens import errors, lockout
from tokens.throttles import client_ip


class LockoutMixin:
    """Refuse a locked username or address before checking the password."""

    def clean(self):
        try:
            return self._clean_guarded()
        except errors.RateLimitUnavailable as exc:
            raise forms.ValidationError(
                "Logging in is unavailable for a moment. Try again shortly.",
                code="rate_limit_unavailable",
            ) from exc

    def _clean_guarded(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request is not None else None
        guard = lockout.guard()
        wait = guard.attempt(username=username, ip=ip)
        if wait:
            raise forms.ValidationError(
                f"Too many failed logins. Try again in {wait} seconds.",
                code="login_locked",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            guard.failed(username=username, ip=ip)
            raise
        guard.succeeded(username=username)
        return cleaned


class LockoutAuthenticationForm(LockoutMixin, AuthenticationForm):
    pass


class LockoutAdminAuthenticationForm(LockoutMixin, AdminAuthenticationForm):
    pass
