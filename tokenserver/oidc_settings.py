"""Single sign-on settings (tokens/sso/): the OpenID Connect providers.

Two forms, both read here (values never printed):

- one provider: `OIDC_ISSUER` and `OIDC_AUDIENCES` (optional `OIDC_CLIENT_ID`,
  `OIDC_CLIENT_SECRET`, `OIDC_LABEL`), named `oidc`;
- several: `OIDC_PROVIDERS=apple,google,corp` and per name `OIDC_<NAME>_ISSUER`,
  `_AUDIENCES`, `_CLIENT_ID`, `_CLIENT_SECRET`, `_LABEL`. The names `apple`
  and `google` are presets: their issuer and label are filled in.

Each named provider is a dict in OIDC_PROVIDER_SETTINGS; tokens/sso/config.py
adds the one-provider form and turns them into OidcConfig; tokens/sso/checks.py
says what is unusable.
"""

import re

from tokenserver.envvars import ConfigError, env_bool, env_list, env_str, env_word

# The documented issuers: https://appleid.apple.com (Sign in with Apple's
# "Verify the identity token") and https://accounts.google.com, whose ID
# tokens may also say "accounts.google.com" (Google's "Validate an ID token").
PRESETS: dict[str, dict] = {
    "apple": {"issuer": "https://appleid.apple.com", "label": "Apple"},
    "google": {
        "issuer": "https://accounts.google.com",
        "label": "Google",
        "also_issuers": ["accounts.google.com"],
    },
}
NAME = re.compile(r"[a-z][a-z0-9]{0,19}")
SINGLE_NAME = "oidc"


def _provider(name: str) -> dict:
    prefix = f"OIDC_{name.upper()}_"
    preset = PRESETS.get(name, {})
    return {
        "name": name,
        "issuer": env_str(prefix + "ISSUER") or preset.get("issuer", ""),
        "also_issuers": list(preset.get("also_issuers", [])),
        "audiences": env_list(prefix + "AUDIENCES", default=[]),
        "client_id": env_str(prefix + "CLIENT_ID"),
        "client_secret": env_str(prefix + "CLIENT_SECRET"),
        "label": env_str(prefix + "LABEL") or preset.get("label", name.title()),
    }


def _providers() -> list[dict]:
    names = [name.lower() for name in env_list("OIDC_PROVIDERS", default=[])]
    for name in names:
        if not NAME.fullmatch(name) or name == SINGLE_NAME:
            raise ConfigError(
                "OIDC_PROVIDERS must be a comma list of names of 1 to 20 letters "
                f"and digits starting with a letter (not {SINGLE_NAME!r})."
            )
    if len(set(names)) != len(names):
        raise ConfigError("OIDC_PROVIDERS names a provider twice.")
    return [_provider(name) for name in names]


OIDC_PROVIDER_SETTINGS = _providers()
# The one-provider form's browser client and button label (OIDC_ISSUER and
# OIDC_AUDIENCES are read in settings.py).
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET")
OIDC_LABEL = env_str("OIDC_LABEL")
# Accounts: unknown (issuer, sub) are refused unless this is on; a verified
# email may link an existing (non-staff) account only when matching is on.
TOKENSERVER_OIDC_CREATE_USERS = env_bool("TOKENSERVER_OIDC_CREATE_USERS", default=False)
TOKENSERVER_OIDC_MATCH_EMAIL = env_bool("TOKENSERVER_OIDC_MATCH_EMAIL", default=False)
# Groups: the claim naming the user's groups at the provider, and the groups
# here that it may add and remove (others are never touched or created).
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM")
OIDC_GROUPS_ALLOWED = env_list("OIDC_GROUPS_ALLOWED", default=[])
# Who may log in with a password (page and API): everyone, or staff only.
TOKENSERVER_PASSWORD_LOGIN = env_word(
    "TOKENSERVER_PASSWORD_LOGIN", ("everyone", "staff"), default="everyone"
)
