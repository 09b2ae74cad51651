"""The live panels and actions on the room and user admin pages.

Mixed into RoomAdmin and UserAdmin (registrations.py): panels from
room_live.py rendered below the form (templates/admin/tokens/*/
change_form.html), the URLs of room_actions.py, and the warning of
removals.py when a save ends someone's access.
"""

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html

from tokens.admin import removals, room_actions, room_live


def _admin_view(model_admin, view):
    return model_admin.admin_site.admin_view(
        lambda request, *args, **kwargs: view(model_admin, request, *args, **kwargs)
    )


class LiveRoomPage(admin.ModelAdmin):
    """RoomAdmin: whether the room is live, who is in it, what happened."""

    def get_urls(self):
        return [
            path(
                "<path:object_id>/twilio/end/",
                _admin_view(self, room_actions.end_room),
                name="tokens_room_end",
            ),
            path(
                "<path:object_id>/twilio/remove/<int:session_id>/",
                _admin_view(self, room_actions.remove_participant),
                name="tokens_room_remove",
            ),
            *super().get_urls(),
        ]

    def live_panels(self, request, room) -> list[tuple[str, str]]:
        user = request.user
        panels = []
        if user.has_perm(room_live.ROOMS_PERMISSION):
            status = room_live.live_status(room)
            if self.has_change_permission(request, room) and room_live.is_live(room):
                url = reverse("admin:tokens_room_end", args=[room.pk])
                status = format_html(
                    '{} <a class="button" href="{}">End the room now…</a>', status, url
                )
            panels.append(("On Twilio now", status))
        if user.has_perm(room_live.SESSIONS_PERMISSION):
            may_remove = self.has_change_permission(request, room)
            table = room_live.connected_table(request, room, may_remove=may_remove)
            panels.append(("Connected now", table))
            panels.append(("Past sessions", room_live.past_table(room)))
        return panels

    def change_view(self, request, object_id, form_url="", extra_context=None):
        room = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if room is not None and self.has_view_permission(request, room):
            extra["live_panels"] = self.live_panels(request, room)
        return super().change_view(request, object_id, form_url, extra)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and (form.has_changed() or any(f.has_changed() for f in formsets)):
            removals.warn_removals(request, removals.candidates(rooms=[form.instance]))


class RoomsNowOnUser(admin.ModelAdmin):
    """UserAdmin: the rooms the user is connected to now."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        user = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if user is not None and request.user.has_perm(room_live.SESSIONS_PERMISSION):
            extra["live_panels"] = [("In rooms now", room_live.rooms_of(request, user))]
        return super().change_view(request, object_id, form_url, extra)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and (form.has_changed() or any(f.has_changed() for f in formsets)):
            removals.warn_removals(request, removals.candidates(users=[form.instance]))


class RoomsNowOnGroup(admin.ModelAdmin):
    """GroupAdmin: a change to a group's rules or access warns of removals."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and (form.has_changed() or any(f.has_changed() for f in formsets)):
            removals.warn_removals(request, removals.candidates(groups=[form.instance]))


class AccessChanges(admin.ModelAdmin):
    """RoomAccessAdmin: saving or deleting a row warns of the removals it causes.

    The people the row concerned before the change and after it: moving a
    row to another room or user ends the old one's access.
    """

    def save_model(self, request, obj, form, change):
        row = type(obj).objects.filter(pk=obj.pk)
        before = removals.under_access(row) if change else []
        super().save_model(request, obj, form, change)
        if change:
            both = {s.pk: s for s in [*before, *removals.under_access(row)]}
            removals.warn_removals(request, both.values())

    def delete_model(self, request, obj):
        concerned = removals.under_access(type(obj).objects.filter(pk=obj.pk))
        super().delete_model(request, obj)
        removals.warn_removals(request, concerned)

    def delete_queryset(self, request, queryset):
        concerned = removals.under_access(queryset)
        super().delete_queryset(request, queryset)
        removals.warn_removals(request, concerned)
