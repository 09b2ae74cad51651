"""The voice webhooks' routing decisions in the admin: read-only, like the audit log."""

from django.contrib import admin

from tokens.admin.columns import clipped
from tokens.models import CallDecision


@admin.register(CallDecision)
class CallDecisionAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
