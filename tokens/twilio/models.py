"""What Twilio says about the rooms this server manages, from its callbacks.

Keyed by Twilio's SIDs, so a repeated callback finds the row it already
wrote; every timestamp is set once (the first event that knows it wins) and
a room's or session's end is never undone, so events may come in any order:
a participant-disconnected before its participant-connected closes the
session, and the late connected only fills in when it started.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

IN_PROGRESS = "in-progress"
ENDED_STATUSES = ("completed", "failed")


class TwilioRoom(models.Model):
    """One Twilio room (one SID) of a managed Room: a unique name has one
    in-progress Twilio room at a time, and a new one after each end."""

    sid = models.CharField("room SID", max_length=34, unique=True)
    room = models.ForeignKey(
        "tokens.Room",
        null=True,
        on_delete=models.SET_NULL,
        related_name="twilio_rooms",
        help_text="Empty when the room was deleted here; the history stays.",
    )
    unique_name = models.CharField(max_length=128, db_index=True)
    status = models.CharField(max_length=16, default=IN_PROGRESS)
    status_since = models.DateTimeField(help_text="When Twilio set the status.")
    created_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Twilio room"
        ordering = ["-status_since"]
        constraints = [
            # What the worker scans: a name's live room, at most one.
            models.UniqueConstraint(
                fields=["unique_name"],
                condition=Q(status=IN_PROGRESS),
                name="twilio_room_one_in_progress_per_name",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unique_name} ({self.sid}, {self.status})"

    @property
    def is_live(self) -> bool:
        return self.status == IN_PROGRESS


class ParticipantSessionQuerySet(models.QuerySet):
    def connected(self) -> "ParticipantSessionQuerySet":
        """Sessions with no end known: who is in a room now."""
        return self.filter(disconnected_at__isnull=True)


class ParticipantSession(models.Model):
    """One participant connection (one participant SID) in a Twilio room."""

    twilio_room = models.ForeignKey(
        TwilioRoom, on_delete=models.CASCADE, related_name="sessions"
    )
    participant_sid = models.CharField("participant SID", max_length=34, unique=True)
    identity = models.CharField(max_length=256, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="participant_sessions",
        help_text="The user with this identity when they connected; empty: none.",
    )
    connected_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    duration = models.PositiveIntegerField("duration (seconds)", null=True, blank=True)

    objects = ParticipantSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-connected_at"]
        indexes = [
            models.Index(
                fields=["twilio_room"],
                condition=Q(disconnected_at__isnull=True),
                name="participant_session_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identity} in {self.twilio_room.unique_name}"


class Eviction(models.Model):
    """The decision to remove one participant connection, and its outcome.

    One row a session (a OneToOne): whatever the worker restarts or retries,
    nobody is removed twice. `removed_at` empty: still due, retried after
    `next_attempt_at`.
    """

    WINDOW_ENDED = "window_ended"
    ACCESS_REVOKED = "access_revoked"
    ROOM_INACTIVE = "room_inactive"
    USER_INACTIVE = "user_inactive"
    GRANT_REMOVED = "grant_removed"
    UNKNOWN_IDENTITY = "unknown_identity"
    REASONS = [
        (WINDOW_ENDED, "the access window ended"),
        (ACCESS_REVOKED, "room access was revoked or changed"),
        (ROOM_INACTIVE, "the room was deactivated"),
        (USER_INACTIVE, "the user was deactivated"),
        (GRANT_REMOVED, "the user's video grant was removed"),
        (UNKNOWN_IDENTITY, "the identity is no user of this server"),
    ]
    STAFF = "staff"  # "remove this participant" in the admin

    session = models.OneToOneField(
        ParticipantSession, on_delete=models.CASCADE, related_name="eviction"
    )
    reason = models.CharField(max_length=32, choices=[*REASONS, (STAFF, "staff")])
    access_ended_at = models.DateTimeField(
        help_text="When access ended: the eviction is late from this moment."
    )
    decided_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=64, blank=True)
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who removed the participant, for a staff removal.",
    )

    class Meta:
        ordering = ["-decided_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(removed_at__isnull=True),
                name="eviction_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session.identity}: {self.reason}"


class WorkerLease(models.Model):
    """Who runs the enforcement worker now: one row a name, held until
    `expires_at` and renewed by its holder; a dead holder's lease simply
    expires, and another worker takes it."""

    name = models.CharField(max_length=64, primary_key=True)
    holder = models.CharField(max_length=128, blank=True)
    expires_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField(help_text="The holder's last pass.")
    wake_requested_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set by staff actions that remove access: act now.",
    )

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder or 'nobody'}"
