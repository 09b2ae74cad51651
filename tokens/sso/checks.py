"""System checks of the single sign-on variables (values never printed)."""

from django.core.checks import CheckMessage, Error, Tags, register

from tokens.sso import config


@register(Tags.security)
def oidc_settings(app_configs=None, **kwargs) -> list[CheckMessage]:
    """Each provider set (OIDC_ISSUER, or each of OIDC_PROVIDERS) must be usable."""
    messages: list[CheckMessage] = []
    issuers: set[str] = set()
    for entry in config.configured():
        problems = config.problems(entry["issuer"], entry["audiences"], entry["prefix"])
        if entry["client_id"] and not entry["client_secret"]:
            problems.append(
                f"{entry['prefix']}CLIENT_SECRET must be set with "
                f"{entry['prefix']}CLIENT_ID (the browser flow's code exchange)."
            )
        if entry["issuer"] in issuers:
            problems.append(f"{entry['prefix']}ISSUER is another provider's too.")
        issuers.add(entry["issuer"])
        messages += [
            Error(
                message,
                hint="Sign-ins with this provider are refused until fixed.",
                id="tokens.sso.E001",
            )
            for message in problems
        ]
    return messages
