"""Rate limits and login lockout, counted in the shared cache (Redis).

throttles.py: the per-user /token rate and the per-address login rate, and
the caller's address (client_ip), read here only. lockout.py: the username
and address lockout after failed logins.

May import: tokens.errors, tokens.metrics (counts) and Django's cache. Nothing above it.
"""
