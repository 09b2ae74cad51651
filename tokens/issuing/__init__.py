"""Issuing: one /token request in call order, from plain values to a signed JWT.

flow.py runs it (params -> subject -> policy -> signing -> audit); params.py
validates the parameters, subject.py reads the user's rules and room access
in a constant number of queries, signing.py turns a decision into a Twilio
JWT, audit.py records every issue and refusal, summary.py says what a user
may get now (/api/me and the pages).

May import: tokens.models, tokens.policy, tokens.errors, tokens.credentials,
tokens.identity, tokens.rows, tokens.timeutil. Never the api, web or admin wings.
"""
