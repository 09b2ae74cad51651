from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = "Twilio tokens"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the system checks, the OpenAPI extensions, the hooks
        # that end API sessions when a password changes and those that wake
        # the enforcement worker when access changes.
        from tokens import checks, revocation  # noqa: F401
        from tokens.api import docs  # noqa: F401
        from tokens.metrics import traces
        from tokens.sso import checks as sso_checks  # noqa: F401
        from tokens.twilio import checks as rooms_checks  # noqa: F401
        from tokens.twilio import signals  # noqa: F401
        from tokens.voice import checks as voice_checks  # noqa: F401

        traces.start()  # only with OTEL_EXPORTER_OTLP_ENDPOINT and the extra


class TokenAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with tokens/admin/site.py's site as `admin.site`."""

    default = False  # "tokens" itself stays TokensConfig
    default_site = "tokens.admin.site.TokenAdminSite"

    def ready(self) -> None:
        super().ready()  # autodiscovery imports the tokens.admin package only
        # Not from tokens/admin/__init__.py: building admin.site imports
        # tokens.admin.site, and registering from inside that import would
        # fill a second site that Django then throws away.
        from tokens.admin import (  # noqa: F401
            audit_log,
            calls,
            registrations,
            rooms,
            sso_links,
        )
