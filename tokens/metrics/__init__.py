"""The metrics wing: what tokenserver counts, and `/metrics` to read it.

Owns the Prometheus metrics (`counters.py`, every one defined there), the
one-line recording helpers callers use (`record.py`) and the scrape view
(`views.py`: bearer token TOKENSERVER_METRICS_TOKEN, compared in constant
time; 404 when none is configured). Labels are codes only: never an
identity, room, device or address.

prometheus-client, not django-prometheus: django-prometheus labels requests
by view name and method and patches the database and cache backends to
count their calls; we need domain counts (refusals by our codes, evictions,
Twilio REST outcomes) from the worker process too, in one multiprocess
directory under gunicorn.

May import: prometheus_client, Django settings, tokens.errors. Nothing else
of tokens: every wing calls into this one, never the other way round.
"""
