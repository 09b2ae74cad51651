"""The enforcement worker's passes: hold the lease, reconcile, decide, remove.

One pass (`Worker.run_pass`): take or renew the lease (or do nothing: another
worker acts); read Twilio's live rooms and participants when the
reconciliation is due; retry the removals still due; judge every connected
participant with tokens/twilio/eviction.py and remove those who may no
longer stay; create on Twilio the rooms whose window opens soon. It returns
how long to sleep: until the next moment something could change, never
longer than the eviction bound. `run` repeats passes until stopped, waking
early when staff change access (tokens/twilio/wake.py).
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import DatabaseError, close_old_connections
from django.db.models import Q
from django.utils import timezone
from twilio.rest import Client

from tokens.errors import TwilioUnavailable
from tokens.metrics import record as metrics
from tokens.models import Room, RoomAccess
from tokens.twilio import eviction, lease, reconcile, removals, rest
from tokens.twilio.conf import WorkerOptions
from tokens.twilio.connected import load_connected
from tokens.twilio.models import IN_PROGRESS
from tokens.twilio.rooms import ensure_live
from tokens.twilio.wake import Waiter

logger = logging.getLogger(__name__)


class Worker:
    def __init__(
        self,
        client: Client,
        options: WorkerOptions,
        *,
        holder: str | None = None,
        waiter: Waiter | None = None,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        self.client, self.options, self.clock = client, options, clock
        self.holder = holder or lease.new_holder()
        self.waiter = waiter or Waiter()
        self.next_reconcile: datetime | None = None  # None: at the first pass
        self.holding = False  # whether the last pass held the lease

    def run(self) -> None:
        """Passes until `waiter.stop()`; the lease is given up at the end."""
        logger.info("enforce_access started as %s", self.holder)
        try:
            while not self.waiter.stopping.is_set():
                self.rest(self.safe_pass())
        finally:
            lease.release(self.holder, now=self.clock())
            logger.info("enforce_access stopped")

    def rest(self, seconds: float) -> None:
        """Wait for the next pass. Only the lease holder waits for wakes: a
        standby taking one off the Redis list would leave the holder asleep
        until its bound."""
        if self.holding:
            self.waiter.wait(seconds)
        else:
            self.waiter.stopping.wait(seconds)

    def safe_pass(self) -> float:
        """A pass that a database error ends early, not the worker: nothing
        restarts it beside scripts/serve or in the Docker image, and the
        next pass (after the bound) finds what this one did not do."""
        try:
            return self.run_pass()
        except DatabaseError as error:
            logger.error(
                "enforce_access pass failed: database error: %s", type(error).__name__
            )
            self.holding = False
            close_old_connections()  # a broken connection is opened anew
            return self.options.bound

    def run_once(self) -> None:
        """One pass, then give the lease up (`enforce_access --once`)."""
        try:
            self.run_pass()
        finally:
            lease.release(self.holder, now=self.clock())

    def run_pass(self) -> float:
        """One pass; the seconds until the next one is due."""
        now = self.clock()
        self.holding = lease.acquire(self.holder, now=now, seconds=self.options.lease)
        if not self.holding:
            return self.options.bound  # a standby: look again later
        if self.next_reconcile is None or now >= self.next_reconcile:
            self._reconcile(now)
            now = self.clock()
            self.holding = lease.acquire(
                self.holder, now=now, seconds=self.options.lease
            )
            if not self.holding:
                return self.options.bound
        moments = [now + timedelta(seconds=self.options.bound), self.next_reconcile]
        # Judge first: a removal due but no longer deserved is dropped
        # before it is retried.
        moments.append(self._evict(now))
        moments.append(self._retry_due(now))
        moments.append(self._open_rooms(now))
        wake_at = min(moment for moment in moments if moment is not None)
        return max(0.0, (wake_at - self.clock()).total_seconds())

    def _reconcile(self, now: datetime) -> None:
        try:
            done = reconcile.reconcile(self.client, now=now)
        except (TwilioUnavailable, rest.TwilioRefused) as error:
            # Retried at the next pass; meanwhile the callbacks' view is used.
            logger.warning("reconciling with Twilio failed: %s", removals.code(error))
            self.next_reconcile = now + timedelta(seconds=self.options.bound)
            return
        self.next_reconcile = now + timedelta(seconds=self.options.reconcile_interval)
        if done.added or done.closed:
            logger.info(
                "reconciled %d live room(s): %d session(s) added, %d closed",
                done.rooms,
                done.added,
                done.closed,
            )

    def _retry_due(self, now: datetime) -> datetime | None:
        waiting = removals.pending()
        for due in [e for e in waiting if removals.is_due(e, now)]:
            removals.carry_out(self.client, due, now=now, bound=self.options.bound)
        return removals.next_retry([e for e in waiting if e.removed_at is None], now)

    def _evict(self, now: datetime) -> datetime | None:
        """Judge everyone connected; the earliest moment a verdict may change."""
        moments: list[datetime | None] = []
        staying = []
        connected = load_connected()
        metrics.worker_pass(len(connected))
        for present in connected:
            verdict = eviction.decide(present.facts, now=now)
            if verdict.reason is None:
                staying.append(present.session)
                moments.append(verdict.next_change)
                continue
            decided = removals.decide(present.session, verdict, now=now)
            if decided.removed_at is None and removals.is_due(decided, now):
                removals.carry_out(
                    self.client, decided, now=now, bound=self.options.bound
                )
            moments.append(None if decided.removed_at else decided.next_attempt_at)
        removals.cancel(staying)
        return min((at for at in moments if at is not None), default=None)

    def _open_rooms(self, now: datetime) -> datetime | None:
        """Create the rooms whose window opens soon; when the next one does."""
        lead = timedelta(seconds=self.options.opening_lead)
        opening = Q(accesses__starts_at__gt=now - lead) & Q(
            accesses__starts_at__lte=now + lead
        )
        rooms = (
            Room.objects.filter(opening, active=True)
            .exclude(twilio_rooms__status=IN_PROGRESS)
            .distinct()
        )
        for room in rooms:
            try:
                ensure_live(room, client=self.client, now=now)
            except (TwilioUnavailable, rest.TwilioRefused) as error:
                logger.warning(
                    "creating room %s failed: %s", room.name, removals.code(error)
                )
        later = (
            RoomAccess.objects.filter(starts_at__gt=now + lead, room__active=True)
            .order_by("starts_at")
            .values_list("starts_at", flat=True)
            .first()
        )
        return later - lead if later is not None else None
