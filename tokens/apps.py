from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = "Twilio tokens"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the system checks, the OpenAPI extensions and the hooks
        # that end API sessions when a password changes.
        from tokens import checks, revocation, schema  # noqa: F401
        from tokens.twilio import checks as rooms_checks  # noqa: F401


class TokenAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with tokens/admin_site.py's site as `admin.site`."""

    default = False  # "tokens" itself stays TokensConfig
    default_site = "tokens.admin_site.TokenAdminSite"
