"""Stand-ins for the outside services the tests talk to, served on loopback.

`twilio_video.TwilioVideoStandIn` is Twilio's Video REST API v1 (rooms,
participants, signed status callbacks, faults), checked against Twilio's
OpenAPI description in `twilio_oai/`; `fixtures.py` has its pytest fixtures.
"""
