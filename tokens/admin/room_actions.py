"""Staff act on a live room: end it now, or remove one connected participant.

Both are a confirmation page (GET) and the act (POST, CSRF-checked by the
admin site). Both need the permission to change the room; removing a
participant also needs to view participant sessions (the page names them).
Twilio answers through tokens/twilio/rest.py; whatever it does, staff read a
message, never a 500 or a secret, and nothing is written unless Twilio
confirmed. The room's and sessions' rows then follow Twilio's callbacks.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from tokens.admin.room_live import SESSIONS_PERMISSION
from tokens.credentials import current_credentials
from tokens.errors import TwilioUnavailable
from tokens.models import Room
from tokens.twilio import rest
from tokens.twilio.conf import rest_options
from tokens.twilio.models import IN_PROGRESS, Eviction, ParticipantSession, TwilioRoom


class TwilioProblem(Exception):
    """What to tell staff when Twilio cannot be asked or fails."""


def twilio_client():
    credentials = current_credentials()
    if credentials.missing_core:
        raise TwilioProblem(
            "Twilio is not configured (" + ", ".join(credentials.missing_core) + " "
            "not set): nothing was changed."
        )
    return rest.make_client(credentials, rest_options())


def _ask_twilio(call, *args):
    """Run a REST call; Twilio's failures become a TwilioProblem for staff."""
    try:
        return call(twilio_client(), *args)
    except TwilioUnavailable:
        raise TwilioProblem(
            "Twilio did not answer in time: nothing was changed. Try again shortly."
        ) from None
    except rest.TwilioRefused as refused:
        raise TwilioProblem(
            f"Twilio refused (status {refused.status}, error {refused.code}): "
            "nothing was changed."
        ) from None


def _room(model_admin, request: HttpRequest, object_id: str) -> Room:
    if not (object_id.isascii() and object_id.isdigit()):
        raise Http404
    room = get_object_or_404(Room, pk=object_id)
    if not model_admin.has_change_permission(request, room):
        raise PermissionDenied
    return room


def _back(room: Room) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("admin:tokens_room_change", args=[room.pk]))


def _confirm(model_admin, request, room, *, title, lines, button) -> HttpResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "lines": lines,
        "button": button,
        "room": room,
        "opts": model_admin.model._meta,
        "back": reverse("admin:tokens_room_change", args=[room.pk]),
    }
    return TemplateResponse(request, "admin/tokens/room_confirm.html", context)


def end_room(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """End the room on Twilio now: every participant is disconnected."""
    room = _room(model_admin, request, object_id)
    live = TwilioRoom.objects.filter(room=room, status=IN_PROGRESS).first()
    if live is None:
        messages.warning(request, f"{room.name} is not live on Twilio: nothing to end.")
        return _back(room)
    if request.method != "POST":
        connected = live.sessions.filter(disconnected_at__isnull=True).count()
        return _confirm(
            model_admin,
            request,
            room,
            title=f"End {room.name} on Twilio now?",
            lines=[
                f"Twilio ends room {live.sid} and disconnects the {connected} "
                "participant(s) connected now.",
                "A new token for this room name lets its holder start a new room: "
                "deactivate the room as well to keep everyone out.",
            ],
            button="Yes, end the room now",
        )
    try:
        ended = _ask_twilio(rest.complete_room, live.sid)
    except TwilioProblem as problem:
        messages.error(request, str(problem))
        return _back(room)
    if ended is None:
        messages.warning(request, f"Twilio knows no room {live.sid}: nothing ended.")
        return _back(room)
    model_admin.log_change(request, room, f"Ended Twilio room {live.sid}.")
    messages.success(
        request,
        f"Twilio ended {room.name} ({live.sid}): its participants are disconnected. "
        "This page shows it live until Twilio's room-ended callback arrives.",
    )
    return _back(room)


def remove_participant(
    model_admin, request: HttpRequest, object_id: str, session_id: int
) -> HttpResponse:
    """Disconnect one participant through Twilio and record it as a staff eviction."""
    room = _room(model_admin, request, object_id)
    if not request.user.has_perm(SESSIONS_PERMISSION):
        raise PermissionDenied
    session = get_object_or_404(
        ParticipantSession.objects.select_related("twilio_room"),
        pk=session_id,
        twilio_room__room=room,
    )
    done = Eviction.objects.filter(session=session, removed_at__isnull=False).first()
    if session.disconnected_at is not None or done is not None:
        messages.warning(request, f"{session.identity} is no longer connected.")
        return _back(room)
    if request.method != "POST":
        return _confirm(
            model_admin,
            request,
            room,
            title=f"Remove {session.identity} from {room.name}?",
            lines=[
                f"Twilio disconnects participant {session.participant_sid}, "
                f"connected since {session.connected_at or 'an unknown time'}.",
                "A token still valid lets them reconnect while their access allows "
                "it: revoke their room access as well to keep them out.",
            ],
            button="Yes, remove this participant",
        )
    try:
        removed = _ask_twilio(
            rest.disconnect_participant,
            session.twilio_room.sid,
            session.participant_sid,
        )
    except TwilioProblem as problem:
        messages.error(request, str(problem))
        return _back(room)
    if removed is None:
        messages.warning(
            request,
            f"Twilio has no participant {session.participant_sid} in this room "
            "(they may have just left): nothing was written.",
        )
        return _back(room)
    record_staff_removal(session, staff=request.user, now=timezone.now())
    model_admin.log_change(
        request,
        room,
        f"Removed participant {session.identity} ({session.participant_sid}).",
    )
    messages.success(
        request,
        f"Twilio disconnected {session.identity} from {room.name}; "
        "the removal is in the evictions log.",
    )
    return _back(room)


def record_staff_removal(session: ParticipantSession, *, staff, now) -> Eviction:
    """The session's eviction, removed now: a new staff row, or the pending one
    the worker had decided (its reason kept: it came first)."""
    fields = {"removed_at": now, "staff_user": staff, "last_error": ""}
    try:
        with transaction.atomic():
            return Eviction.objects.create(
                session=session,
                reason=Eviction.STAFF,
                access_ended_at=now,
                decided_at=now,
                attempts=1,
                **fields,
            )
    except IntegrityError:  # the worker decided first: one row a session
        eviction = Eviction.objects.get(session=session)
        if eviction.removed_at is None:
            for name, value in fields.items():
                setattr(eviction, name, value)
            eviction.attempts += 1
            eviction.save(update_fields=[*fields, "attempts"])
        return eviction
