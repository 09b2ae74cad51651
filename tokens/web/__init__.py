"""The user's pages: login, home (grants, rooms, API sessions), get a token.

May import: tokens.issuing (the summary), tokens.limits, tokens.models,
tokens.errors, tokens.credentials. Never the api or admin wings.
"""
