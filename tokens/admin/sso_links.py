"""Staff link a user to their identity provider account (tokens/sso/)."""

from django.contrib import admin

from tokens.sso.models import OidcLink


@admin.register(OidcLink)
class OidcLinkAdmin(admin.ModelAdmin):
    list_display = ("user", "issuer", "subject", "created_at")
    search_fields = ("user__username", "subject")
    list_filter = ("issuer",)
    autocomplete_fields = ("user",)
    readonly_fields = ("created_at",)
