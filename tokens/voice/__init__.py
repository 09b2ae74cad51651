"""The voice wing: who may call whom, and the TwiML that makes it so.

A Voice grant places no call by itself: Twilio asks the TwiML application
what to do, and this wing answers. It owns the call policy (`policy.py`,
pure), the parsing of Twilio's voice webhook parameters (`params.py`,
pure), the TwiML answers (`twiml.py`, built only with twilio's
VoiceResponse), loading the parties of a call and the answering group
(`parties.py`), the voice fields of a grant rule, the answering group
chosen in the admin (`IncomingCalls`), the audit row of each routing
decision and the record of each dialled call (`models.py`, imported by
tokens/models.py so the app has one set of migrations; `records.py`
parses and writes the record), the signed webhooks (`views.py`) and their
system checks (`checks.py`).

It may import tokens.identity, tokens.errors, tokens.metrics, tokens.twilio.conf,
tokens.twilio.signed and tokens.twilio.webhooks (the signature machinery
shared with the video webhook) and Django settings; tokens.models only
from `parties.py`, `records.py` and `views.py`. Nothing from the API
views, the admin or the issuing wing: the admin calls into this wing,
never the other way round.
"""
