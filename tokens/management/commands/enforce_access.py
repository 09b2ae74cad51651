"""Remove participants whose access has ended from the rooms this server manages.

Runs until SIGTERM or SIGINT (it finishes the pass under way, gives up its
lease and exits 0); `--once` does one pass and exits. Any number may run:
one holds the lease and acts, the others stand by (tokens/twilio/lease.py).
Exits 0 at once, saying why, when rooms enforcement is not configured.
"""

import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from tokens.credentials import current_credentials
from tokens.metrics import record as metrics
from tokens.twilio.conf import enforcement_missing, rest_options, worker_options
from tokens.twilio.rest import make_client
from tokens.twilio.wake import Waiter
from tokens.twilio.worker import Worker


class Command(BaseCommand):
    help = (
        "Remove participants whose access ended from the managed Twilio rooms; "
        "runs until stopped (--once: one pass)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, *args, once: bool = False, **options):
        missing = enforcement_missing()
        if missing:
            self.stdout.write(
                "rooms enforcement is off (missing: "
                + ", ".join(missing)
                + "): nothing to do"
            )
            return
        metrics.become_worker()  # its files outlive gunicorn restarts
        client = make_client(current_credentials(), rest_options())
        config = worker_options()
        waiter = Waiter(redis_url=settings.REDIS_URL, longest=config.bound)
        worker = Worker(client, config, waiter=waiter)
        if once:
            worker.run_once()
            return
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: waiter.stop())
        worker.run()
