"""Managed rooms on Twilio in the admin: read-only, as the status callbacks said.

Who is connected now and every past session, from tokens/twilio/models.py.
Nothing here is edited by hand: the rows follow Twilio's signed callbacks.
"""

from django.contrib import admin

from tokens.twilio.models import ParticipantSession, TwilioRoom


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
    list_filter = [ConnectedNowFilter, "connected_at"]
    search_fields = ["identity", "twilio_room__unique_name", "=participant_sid"]
    list_select_related = ["user", "twilio_room"]
