"""The JSON API: login, logout, /token and /api/me, for apps and web clients.

views.py parses and authenticates, hands plain values to tokens.issuing and
answers; authentication.py checks API tokens and browser sessions;
parsers.py reads JSON strictly; serializers.py validates the login body;
docs/ is the OpenAPI description, built from the fields that validate.

May import: tokens.issuing, tokens.limits, tokens.models, tokens.errors,
tokens.credentials. Never the web or admin wings.
"""
