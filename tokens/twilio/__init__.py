"""The rooms wing: what tokenserver does with Twilio beyond signing tokens.

Owns the Twilio Video REST client (`http.py`, `rest.py`), the rooms
settings as one value (`conf.py`), managed rooms made live on Twilio by
this server (`rooms.py`: `ensure_live`), the signed status webhook (`webhooks.py`
parses and checks, `signed.py` refuses what Twilio did not sign, which the
voice webhooks share, `recording.py` writes, `views.py` answers), the Twilio
state of managed rooms and participant sessions (`models.py`, imported by
tokens/models.py so the app has one set of migrations), their system
checks (`checks.py`), and the enforcement worker (`manage.py
enforce_access`): the pure eviction policy (`eviction.py`), who is
connected (`connected.py`), agreeing with Twilio (`reconcile.py`),
removals (`removals.py`), the lease (`lease.py`), waking it on staff
changes (`wake.py`, `signals.py`) and its passes (`worker.py`).

It may import tokens.models, tokens.policy, tokens.credentials, tokens.metrics,
tokens.errors (domain errors) and Django settings; nothing from tokens.api,
tokens.web, tokens.admin or tokens.issuing, which call into this wing, never
the other way round.
"""
