"""The admin site: its login shares the API's login rate and lockout."""

from django.contrib import admin

from tokens.web.forms import LockoutAdminAuthenticationForm, with_refusal_status


class TokenAdminSite(admin.AdminSite):
    login_form = LockoutAdminAuthenticationForm
    site_header = "tokenserver administration"

    def login(self, request, extra_context=None):
        return with_refusal_status(super().login(request, extra_context))
