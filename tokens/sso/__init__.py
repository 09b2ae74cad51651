"""Single sign-on: an app trades its identity provider's ID token for an API token.

Owns: the one OpenID Connect provider configured by `OIDC_ISSUER` and
`OIDC_AUDIENCES` (config.py), fetching its discovery document and keys
(provider.py), verifying ID tokens (verify.py), the stored links
(issuer, subject) -> user (models.py, `OidcLink`), `POST /api/auth/oidc/`
(views.py) and the checks of its variables (checks.py).

May import: Django, DRF, PyJWT, tokens.errors, tokens.limits and
tokens.api (the password login's API-session creation, throttle and
cross-site refusal are reused, so both logins answer alike). Nothing outside
this package imports it but tokens/urls.py, tokens/models.py (the model),
tokens/apps.py (the checks) and the admin.

Why PyJWT: the project already depends on it to sign Twilio tokens, it is
small and well kept, and `jwt.PyJWKClient` fetches a JWKS with a timeout,
caches it and refreshes it on an unknown `kid` at most once per cooldown;
`jwt.decode` checks signature, `iss`, `aud`, `exp`, `iat` and `nbf`. Only
`cryptography` is added (its RS256/ES256). authlib/joserfc would be a second
JOSE library; django-allauth brings a whole account system for what is one
endpoint here. No cryptography is done by code of ours.
"""
