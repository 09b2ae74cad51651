"""The voice fields of a grant rule, the answering group chosen in the admin,
one audit row per routing decision and one record per dialled call."""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from tokens.voice import policy


def validate_prefixes(value: str) -> None:
    try:
        policy.parse_prefixes(value)
    except policy.InvalidPrefixes as bad:
        raise ValidationError(str(bad), code="invalid_prefixes") from None


class CallPolicyFields(models.Model):
    """The voice switches and whom a user or group may call: an abstract
    base of GrantRule."""

    voice_outgoing = models.BooleanField("voice: outgoing calls", default=False)
    voice_incoming = models.BooleanField("voice: incoming calls", default=False)
    calls = models.CharField(
        "outgoing calls to",
        max_length=8,
        choices=policy.CALL_CHOICES,
        default=policy.CALLS_ANY,
        help_text="Only with “voice: outgoing calls”. The most generous rule wins.",
    )
    call_prefixes = models.CharField(
        "allowed phone number prefixes",
        max_length=200,
        blank=True,
        validators=[validate_prefixes],
        help_text="With phone numbers: the prefixes they may dial, such as "
        "+1, +44 (empty: none). +1 includes +1900 premium-rate numbers: list "
        "narrower prefixes to keep those out.",
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if self.call_prefixes.strip() and self.calls != policy.CALLS_PHONE:
            raise ValidationError(
                {"call_prefixes": "Prefixes apply only when phone numbers are allowed."}
            )

    def call_rule(self, source: str) -> policy.CallRule:
        return policy.CallRule(
            source=source,
            outgoing=self.voice_outgoing,
            incoming=self.voice_incoming,
            calls=self.calls,
            prefixes=policy.parse_prefixes(self.call_prefixes),
        )


class IncomingCalls(models.Model):
    """The one row saying which group answers the account's number.

    Its group, when chosen, wins over TWILIO_INCOMING_CALL_GROUP: staff
    change who answers without a deploy, and the environment stays the
    default of a fresh server. A group cannot be deleted while it answers.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    group = models.ForeignKey(
        "auth.Group",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="answering group",
        help_text="Its active members who may receive calls ring at once. Empty: "
        "the group named by TWILIO_INCOMING_CALL_GROUP.",
    )

    class Meta:
        verbose_name = verbose_name_plural = "incoming calls"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1), name="incoming_calls_one_row"
            )
        ]

    def __str__(self) -> str:
        return "Incoming calls"


class CallDecision(models.Model):
    """One routing decision of a voice webhook: dialled or refused, and why."""

    OUTGOING, INCOMING = "outgoing", "incoming"
    DIALLED, REFUSED = "dialled", "refused"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    direction = models.CharField(
        max_length=8, choices=[(OUTGOING, OUTGOING), (INCOMING, INCOMING)]
    )
    call_sid = models.CharField("call SID", max_length=34, blank=True, db_index=True)
    user = models.ForeignKey(
        "tokens.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    caller = models.CharField(max_length=130, blank=True)
    destination = models.CharField(max_length=130, blank=True)
    outcome = models.CharField(
        max_length=8, choices=[(DIALLED, DIALLED), (REFUSED, REFUSED)], db_index=True
    )
    code = models.CharField(max_length=32, blank=True, db_index=True)
    dialled = models.TextField(blank=True, help_text="Whom the TwiML rang.")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "call decision"

    def __str__(self) -> str:
        what = self.code or self.outcome
        return f"{self.direction} call {what} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class CallRecord(models.Model):
    """One dialled call once its <Dial> ended: parties, outcome and duration.

    Written once per call SID from Twilio's signed <Dial action> request; a
    replayed or late request for the same call changes nothing.
    """

    OUTCOMES = ("completed", "answered", "busy", "no-answer", "failed", "canceled")

    call_sid = models.CharField("call SID", max_length=34, unique=True)
    direction = models.CharField(max_length=8)
    user = models.ForeignKey(
        "tokens.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    caller = models.CharField(max_length=130, blank=True)
    dialled = models.TextField(blank=True)
    outcome = models.CharField(
        max_length=10, choices=[(name, name) for name in OUTCOMES], db_index=True
    )
    duration = models.PositiveIntegerField(
        "duration (seconds)", null=True, help_text="Of the answered leg."
    )
    dial_call_sid = models.CharField("answered leg's SID", max_length=34, blank=True)
    started_at = models.DateTimeField(help_text="When the call was routed.")
    ended_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-ended_at"]

    def __str__(self) -> str:
        return f"{self.direction} call {self.outcome} ({self.call_sid})"
