"""Issuing: one /token request in call order, from plain values to a signed JWT.

flow.py runs it (params -> subject -> policy -> live room -> signing ->
audit); params.py validates the parameters, subject.py reads the user's
rules and room access in a constant number of queries, live_room.py has a
managed room created on Twilio when none is known in progress, signing.py
turns a decision into a Twilio JWT, audit.py records every issue and
refusal, summary.py says what a user may get now (/api/me and the pages).

May import: tokens.models, tokens.policy, tokens.errors, tokens.metrics,
tokens.credentials,
tokens.identity, tokens.rows, tokens.timeutil, and of the rooms wing
tokens.twilio.rooms, rest, conf and models. Never the api, web or admin wings.
"""
