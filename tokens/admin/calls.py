"""Calls in the admin, read-only like the audit log: every routing decision,
and each dialled call's record (parties, outcome, duration)."""

from django.contrib import admin

from tokens.admin.columns import clipped
from tokens.models import CallDecision, CallRecord


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CallDecision)
class CallDecisionAdmin(ReadOnly):
    """Every call dialled or refused, with the refusal's code."""

    list_display = [
        "created_at",
        "direction",
        clipped("caller"),
        clipped("destination"),
        "outcome",
        "code",
        clipped("dialled"),
        "call_sid",
    ]
    list_filter = ["direction", "outcome", "code", "created_at"]
    search_fields = ["caller", "destination", "dialled", "=call_sid"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(CallRecord)
class CallRecordAdmin(ReadOnly):
    """Each dialled call once it ended, from Twilio's <Dial action>."""

    list_display = [
        "ended_at",
        "direction",
        clipped("caller"),
        clipped("dialled"),
        "outcome",
        "duration",
        "call_sid",
    ]
    list_filter = [
        ("user", admin.RelatedOnlyFieldListFilter),
        "outcome",
        "direction",
        "ended_at",
    ]
    search_fields = ["caller", "dialled", "user__username", "=call_sid"]
    date_hierarchy = "ended_at"
    list_select_related = ["user"]
    show_full_result_count = False
