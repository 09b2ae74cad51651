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


class OidcLinkInline(admin.TabularInline):
    """A user's linked providers on their page: staff see them and unlink
    (delete) them; links are added on the links' own page or by sign-in."""

    model = OidcLink
    extra = 0
    fields = ("issuer", "subject", "created_at")
    readonly_fields = fields
    verbose_name_plural = "identity provider links (delete to unlink)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False
