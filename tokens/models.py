"""Users and their identities, grant rules, rooms, room access, API tokens, audit."""

import uuid
from collections.abc import Callable

from django.contrib.auth.models import AbstractUser, Group
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from knox.models import AbstractAuthToken

from tokens import identity, policy
from tokens.twilio.room_settings import TwilioRoomFields
from tokens.voice.models import CallPolicyFields

validate_room_name = RegexValidator(
    r"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\Z",
    "Use 1 to 128 letters, digits, '_', '.' or '-', starting with a letter or digit.",
    code="invalid_room",
)


class User(AbstractUser):
    twilio_identity = models.CharField(
        "Twilio identity",
        max_length=identity.MAX_LENGTH,
        unique=True,
        blank=True,
        validators=[identity.validate_identity],
        help_text="Derived from the username when left blank; never changes by itself.",
    )
    _ends_api_sessions: bool  # from pre_save to post_save: see tokens/revocation.py

    def save(self, *args, **kwargs):
        if self.twilio_identity:
            return super().save(*args, **kwargs)
        save_with_free_identity(self, lambda: super(User, self).save(*args, **kwargs))
        return None


def save_with_free_identity(user: User, save: Callable[[], object]) -> None:
    """Give `user` the first free identity derived from the username, and save.

    A concurrent save taking the same identity makes the unique constraint
    fail, and the next candidate is tried. The user's own stored identity is
    not taken by someone else.
    """

    def taken(names: list[str]) -> set[str]:
        others = User.objects.filter(twilio_identity__in=names).exclude(pk=user.pk)
        return set(others.values_list("twilio_identity", flat=True))

    for name in identity.free_candidates(user.get_username(), taken):
        user.twilio_identity = name
        try:
            with transaction.atomic():
                save()
                return
        except IntegrityError:
            if User.objects.filter(twilio_identity=name).exists():
                continue  # taken meanwhile: the next one
            user.twilio_identity = ""
            raise


class UserOrGroup(models.Model):
    """A row that belongs to one user or one group: grant rules, room access.

    Each subclass declares its own `user` and `group` (a rule is one per
    owner, access is many), and names its constraint with `one_owner`.
    """

    # Declared by each subclass; annotated here for `source`.
    user_id: int | None
    group: Group | None

    class Meta:
        abstract = True

    @staticmethod
    def one_owner(name: str, message: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=Q(user__isnull=False, group__isnull=True)
            | Q(user__isnull=True, group__isnull=False),
            name=name,
            violation_error_message=message,
        )

    @property
    def source(self) -> str:
        return "personal" if self.user_id else f"group {self.group}"


class GrantRule(UserOrGroup, CallPolicyFields):
    """The grants one user or one group may put in a token (the voice
    switches and whom they may call: tokens/voice/models.py)."""

    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="grant_rule"
    )
    group = models.OneToOneField(
        Group,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="grant_rule",
    )
    video = models.CharField(
        max_length=8,
        choices=[
            (policy.VIDEO_NONE, "No video"),
            (policy.VIDEO_LISTED, "Listed rooms only"),
            (policy.VIDEO_ANY, "Any room"),
        ],
        default=policy.VIDEO_NONE,
    )
    chat = models.BooleanField("chat (Conversations)", default=False)
    sync = models.BooleanField(default=False)
    max_ttl = models.PositiveIntegerField(
        "maximum token lifetime (seconds)",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(policy.MIN_TTL),
            MaxValueValidator(policy.MAX_TTL),
        ],
        help_text="Empty: server default. The largest of all applicable rules wins.",
    )

    class Meta:
        permissions = [
            # The staff page listing which Twilio variables are set: superusers
            # and staff given this (admin_views.CONFIGURATION_PERMISSION).
            ("view_twilio_configuration", "Can view the Twilio configuration page"),
        ]
        constraints = [
            UserOrGroup.one_owner(
                "grant_rule_user_xor_group",
                "Give grants to a user or a group, not both.",
            ),
        ]

    def __str__(self) -> str:
        return f"Grants of {self.user or self.group}"


class Room(TwilioRoomFields):
    name = models.CharField(
        "unique name",
        max_length=128,
        unique=True,
        validators=[validate_room_name],
        help_text="The Video room's unique name, as clients ask for it.",
    )
    display_name = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(
        default=True, help_text="Inactive rooms get no new tokens."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name or self.name


class RoomAccessQuerySet(models.QuerySet):
    def open_at(self, now) -> "RoomAccessQuerySet":
        return self.filter(
            Q(starts_at__isnull=True) | Q(starts_at__lte=now),
            Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        )


class RoomAccess(UserOrGroup):
    """Access to one room for a user or a group, optionally within a window."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="room_accesses",
    )
    group = models.ForeignKey(
        Group,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="room_accesses",
    )
    starts_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty: already open."
    )
    ends_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty: never closes."
    )

    objects = RoomAccessQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "room access"
        constraints = [
            UserOrGroup.one_owner(
                "room_access_user_xor_group",
                "Give access to a user or a group, not both.",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=models.F("starts_at")),
                name="room_access_window_ends_after_start",
                violation_error_message="The window must end after it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.group} in {self.room}"

    def as_window(self) -> policy.Window:
        return policy.Window(self.source, self.starts_at, self.ends_at)


class ApiToken(AbstractAuthToken):
    """An API session: knox's hashed token, with the device it was made for."""

    device = models.CharField(max_length=64, blank=True)
    platform = models.CharField(
        max_length=16,
        blank=True,
        choices=[(name, name) for name in policy.PLATFORMS],
        help_text="Said at login: which push credential its tokens carry.",
    )

    class Meta:
        verbose_name = "API session"

    def __str__(self) -> str:
        device = self.device or "unnamed device"
        return f"{self.user} on {device} (since {self.created:%Y-%m-%d})"


class TokenEvent(models.Model):
    """One issued or refused Twilio token. Holds a hash of the JWT, never the JWT."""

    ISSUED = "issued"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    identity = models.CharField(max_length=identity.MAX_LENGTH)
    outcome = models.CharField(max_length=32, db_index=True)
    grants = models.CharField(max_length=64, blank=True)
    room = models.CharField(max_length=128, blank=True)
    device = models.CharField(max_length=64, blank=True)
    ttl = models.PositiveIntegerField(null=True)
    expires_at = models.DateTimeField(null=True)
    client_ip = models.GenericIPAddressField(null=True)
    user_agent = models.CharField(max_length=256, blank=True)
    jwt_sha256 = models.CharField("SHA-256 of the JWT", max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "token event"
        # The admin's search (exact identity, room or JWT hash) newest first:
        # each an index walk that stops at a page (docs/performance.md, "The
        # audit log after a year").
        indexes = [
            models.Index(
                fields=["identity", "created_at"], name="tokenevent_identity_at"
            ),
            models.Index(fields=["room", "created_at"], name="tokenevent_room_at"),
            models.Index(fields=["jwt_sha256"], name="tokenevent_jwt_sha256"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.outcome} for {self.identity} at {self.created_at:%Y-%m-%d %H:%M:%S}"
        )


# The rooms wing's models live in their own module; imported here so the
# app has one set of migrations.
from tokens.sso.models import OidcLink  # noqa: E402
from tokens.twilio.models import (  # noqa: E402
    Eviction,
    ParticipantSession,
    TwilioRoom,
    WorkerLease,
)
from tokens.voice.models import CallDecision, CallRecord  # noqa: E402

__all__ = [
    "ApiToken",
    "CallDecision",
    "CallRecord",
    "Eviction",
    "GrantRule",
    "OidcLink",
    "ParticipantSession",
    "Room",
    "RoomAccess",
    "TokenEvent",
    "TwilioRoom",
    "User",
    "WorkerLease",
]
