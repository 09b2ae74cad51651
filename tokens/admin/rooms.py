"""Managed rooms on Twilio in the admin: read-only, as the status callbacks said.

Who is connected now and every past session, from tokens/twilio/models.py,
and the evictions (who was removed from a room, why, and whether Twilio
confirmed it). Nothing here is edited by hand: the rows follow Twilio's
signed callbacks, the enforcement worker and the room page's actions.
"""

from django.contrib import admin

from tokens.models import Room
from tokens.twilio.models import Eviction, ParticipantSession, TwilioRoom


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ConnectedNowFilter(admin.SimpleListFilter):
    title = "connected now"
    parameter_name = "connected"

    def lookups(self, request, model_admin):
        return [("yes", "Connected now"), ("no", "Left")]

    def queryset(self, request, queryset):
        connected = ParticipantSession.objects.connected().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=connected)
        if self.value() == "no":
            return queryset.exclude(pk__in=connected)
        return queryset


class RoomFilter(admin.SimpleListFilter):
    """The sessions of one managed room, linked from its page (?room=<id>).

    Offers only the room chosen: a choice of every room would list them all
    on each page.
    """

    title = "room"
    parameter_name = "room"

    def lookups(self, request, model_admin):
        value = self.value()
        if not (value and value.isascii() and value.isdigit()):
            return []
        return [
            (value, name)
            for name in Room.objects.filter(pk=value).values_list("name", flat=True)
        ]

    def has_output(self):
        # Django drops a filter that offers no choice, and its parameter with
        # it: a deleted room's link or a bad id would then list every session.
        return self.value() is not None

    def queryset(self, request, queryset):
        value = self.value()
        if not (value and value.isascii() and value.isdigit()):
            return queryset.none()
        return queryset.filter(twilio_room__room=value)


class SessionInline(ReadOnly, admin.TabularInline):
    model = ParticipantSession
    readonly_fields = (
        "identity",
        "user",
        "connected_at",
        "disconnected_at",
        "duration",
    )
    fields = readonly_fields
    extra = 0
    show_change_link = True


@admin.register(TwilioRoom)
class TwilioRoomAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["unique_name", "sid", "status", "status_since", "ended_at"]
    list_filter = ["status"]
    search_fields = ["unique_name", "=sid"]
    inlines = [SessionInline]


@admin.register(ParticipantSession)
class ParticipantSessionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "identity",
        "user",
        "twilio_room",
        "connected_at",
        "disconnected_at",
        "duration",
    ]
    list_filter = [ConnectedNowFilter, RoomFilter, "connected_at"]
    search_fields = ["identity", "twilio_room__unique_name", "=participant_sid"]
    list_select_related = ["user", "twilio_room"]


class RemovedFilter(admin.SimpleListFilter):
    title = "removed"
    parameter_name = "removed"

    def lookups(self, request, model_admin):
        return [("yes", "Removed"), ("no", "Pending")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(removed_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(removed_at__isnull=True)
        return queryset


@admin.register(Eviction)
class EvictionAdmin(ReadOnly, admin.ModelAdmin):
    """Who was removed from a room and why: part of the audit log."""

    list_display = [
        "identity",
        "room",
        "reason",
        "access_ended_at",
        "decided_at",
        "removed_at",
        "attempts",
        "last_error",
    ]
    list_filter = ["reason", RemovedFilter]
    search_fields = ["session__identity", "session__twilio_room__unique_name"]
    list_select_related = ["session__twilio_room", "staff_user"]
    date_hierarchy = "decided_at"

    @admin.display(description="identity", ordering="session__identity")
    def identity(self, obj):
        return obj.session.identity

    @admin.display(description="room", ordering="session__twilio_room__unique_name")
    def room(self, obj):
        return obj.session.twilio_room.unique_name
