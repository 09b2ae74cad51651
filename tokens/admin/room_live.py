"""What a room is doing on Twilio now, on its admin page and its users' pages.

Read from the status callbacks' rows (tokens/twilio/models.py): whether the
room is live, who is connected (with the audit row that let them in) and
its latest past sessions. Each panel is one query, whatever the number of
participants. The actions the panels link to are in room_actions.py.
"""

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from tokens.models import ParticipantSession, TokenEvent, TwilioRoom
from tokens.twilio.models import IN_PROGRESS

PAST_SESSIONS = 20  # on the page; the rest in the session list, filtered
SESSIONS_PERMISSION = "tokens.view_participantsession"
ROOMS_PERMISSION = "tokens.view_twilioroom"


def connected_in(room) -> list[ParticipantSession]:
    """Who is connected to the room now, each with the token that let them in."""
    admitted = TokenEvent.objects.filter(
        outcome=TokenEvent.ISSUED,
        user=OuterRef("user"),
        room=OuterRef("twilio_room__unique_name"),
        created_at__lte=OuterRef("connected_at"),
    ).order_by("-created_at")
    return list(
        ParticipantSession.objects.connected()
        .filter(twilio_room__room=room)
        .select_related("user", "twilio_room", "eviction")
        .annotate(admitted_by=Subquery(admitted.values("pk")[:1]))
        .order_by("connected_at")
    )


def _link(request, permission: str, url_name: str, pk, text) -> str:
    """A link to another admin page, plain text for staff who may not open it."""
    if pk is None or not request.user.has_perm(permission):
        return format_html("{}", text)
    return format_html('<a href="{}">{}</a>', reverse(url_name, args=[pk]), text)


def _admitted(session: ParticipantSession):
    """The pk of the issued token event connected_in() found, or None."""
    return getattr(session, "admitted_by", None)


def _removal(session: ParticipantSession) -> str:
    eviction = getattr(session, "eviction", None)
    if eviction is None:
        return ""
    if eviction.removed_at is not None:
        return f"removed at {eviction.removed_at:%H:%M:%S} ({eviction.reason})"
    return f"being removed ({eviction.reason})"


def live_status(room) -> str:
    twilio_room = TwilioRoom.objects.filter(room=room).order_by("-status_since").first()
    if twilio_room is None:
        return "Not on Twilio: no participant has connected since it is managed here."
    if twilio_room.is_live:
        return format_html(
            "<strong>Live on Twilio</strong> since {} ({})",
            twilio_room.created_at or twilio_room.status_since,
            twilio_room.sid,
        )
    return format_html(
        "Not live on Twilio: the last room ({}) is {} since {}.",
        twilio_room.sid,
        twilio_room.status,
        twilio_room.ended_at or twilio_room.status_since,
    )


def is_live(room) -> bool:
    return TwilioRoom.objects.filter(room=room, status=IN_PROGRESS).exists()


def connected_table(request, room, *, may_remove: bool) -> str:
    sessions = connected_in(room)
    if not sessions:
        return "Nobody is connected now."
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                s.identity,
                _link(
                    request,
                    "tokens.view_user",
                    "admin:tokens_user_change",
                    s.user_id,
                    s.user or "no user",
                ),
                s.connected_at or "unknown",
                _link(
                    request,
                    "tokens.view_tokenevent",
                    "admin:tokens_tokenevent_change",
                    _admitted(s),
                    "token" if _admitted(s) else "none found",
                ),
                _removal(s),
                _remove_button(room, s) if may_remove and not _removal(s) else "",
            )
            for s in sessions
        ),
    )
    return format_html(
        "<table><tr><th>Identity</th><th>User</th><th>Connected since</th>"
        "<th>Let in by</th><th>Removal</th><th></th></tr>{}</table>",
        rows,
    )


def _remove_button(room, session: ParticipantSession) -> str:
    url = reverse("admin:tokens_room_remove", args=[room.pk, session.pk])
    return format_html('<a class="button" href="{}">Remove this participant…</a>', url)


def past_table(room) -> str:
    sessions = list(
        ParticipantSession.objects.filter(
            twilio_room__room=room, disconnected_at__isnull=False
        ).order_by("-disconnected_at")[: PAST_SESSIONS + 1]
    )
    if not sessions:
        return "No past session."
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                s.identity,
                s.connected_at or "unknown",
                s.disconnected_at,
                _duration(s.duration),
            )
            for s in sessions[:PAST_SESSIONS]
        ),
    )
    url = reverse("admin:tokens_participantsession_changelist")
    more = format_html(
        '<p><a href="{}?room={}">Every session in this room</a>{}</p>',
        url,
        room.pk,
        f" (the latest {PAST_SESSIONS} are shown)"
        if len(sessions) > PAST_SESSIONS
        else "",
    )
    return format_html(
        "<table><tr><th>Identity</th><th>Connected</th><th>Left</th>"
        "<th>Duration</th></tr>{}</table>{}",
        rows,
        more,
    )


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "unknown"
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def rooms_of(request, user) -> str:
    """The rooms the user is connected to now, for their admin page."""
    sessions = list(
        ParticipantSession.objects.connected()
        .filter(user=user)
        .select_related("twilio_room")
        .order_by("connected_at")
    )
    if not sessions:
        return "In no room now."
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                _link(
                    request,
                    "tokens.view_room",
                    "admin:tokens_room_change",
                    s.twilio_room.room_id,
                    s.twilio_room.unique_name,
                ),
                s.connected_at or "unknown",
                _link(
                    request,
                    SESSIONS_PERMISSION,
                    "admin:tokens_participantsession_change",
                    s.pk,
                    s.participant_sid,
                ),
            )
            for s in sessions
        ),
    )
    return format_html(
        "<table><tr><th>Room</th><th>Connected since</th><th>Session</th></tr>"
        "{}</table>",
        rows,
    )
