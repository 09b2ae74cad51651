"""System checks of the single sign-on variables (values never printed)."""

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from tokens.sso import config


@register(Tags.security)
def oidc_settings(app_configs=None, **kwargs) -> list[CheckMessage]:
    issuer, audiences = settings.OIDC_ISSUER, settings.OIDC_AUDIENCES
    if not issuer and not audiences:
        return []  # single sign-on is off: POST /api/auth/oidc/ says so
    return [
        Error(
            message,
            hint="POST /api/auth/oidc/ answers oidc_not_configured until fixed.",
            id="tokens.sso.E001",
        )
        for message in config.problems(issuer, audiences)
    ]
