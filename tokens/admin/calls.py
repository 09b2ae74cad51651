"""Calls in the admin: the answering group of the number (one row, staff
with its change permission choose it), and, read-only like the audit log,
every routing decision and each dialled call's record."""

from django.contrib import admin
from django.contrib.auth.models import Group
from django.http import HttpResponseRedirect
from django.urls import reverse

from tokens.admin.columns import clipped
from tokens.models import CallDecision, CallRecord
from tokens.voice import parties
from tokens.voice.models import IncomingCalls


def answering_text(chosen: parties.AnsweringGroup) -> str:
    """Which group answers and why, for staff (the admin and configuration)."""
    if not chosen.source:
        return (
            "No group answers: none is chosen here and TWILIO_INCOMING_CALL_GROUP "
            "is not set, so the number rings nobody."
        )
    if chosen.source == parties.ADMIN:
        return f"{chosen.name}, chosen in the admin (it wins over the environment)."
    if chosen.group is None:
        return (
            f"TWILIO_INCOMING_CALL_GROUP names {chosen.name}, which does not "
            "exist: the number rings nobody."
        )
    return f"{chosen.name}, from TWILIO_INCOMING_CALL_GROUP (none chosen here)."


def _group_name(group) -> str | None:
    if group is None or isinstance(group, Group):
        return group.name if group else None
    found = Group.objects.filter(pk=group).first()  # the form's initial: a pk
    return found.name if found else f"a deleted group (id {group})"


def answering_change(before: str | None, after: str | None) -> str:
    """The log message of a change of the answering group."""

    def shown(name: str | None) -> str:
        return f"“{name}”" if name else "none (TWILIO_INCOMING_CALL_GROUP)"

    return f"Answering group changed from {shown(before)} to {shown(after)}."


@admin.register(IncomingCalls)
class IncomingCallsAdmin(admin.ModelAdmin):
    """One row: the group the number rings. Its group wins over
    TWILIO_INCOMING_CALL_GROUP; empty, the environment's applies."""

    fields = ["group", "answers_now", "rings_now"]
    readonly_fields = ["answers_now", "rings_now"]

    def has_add_permission(self, request):
        exists = IncomingCalls.objects.exists()
        return super().has_add_permission(request) and not exists

    def has_delete_permission(self, request, obj=None):
        return False  # emptying the group returns to the environment's

    def save_model(self, request, obj, form, change):
        """Adding writes the one row whether or not another staff member's
        add got there first (update_or_create retries the conflict): two
        adds at once end with the last choice, never a 500."""
        if change:
            return super().save_model(request, obj, form, change)
        row, _ = IncomingCalls.objects.update_or_create(
            pk=1, defaults={"group": obj.group}
        )
        obj.pk, obj._state.adding, obj._state.db = row.pk, False, row._state.db

    def construct_change_message(self, request, form, formsets, add=False):
        """The admin's log (who, when) says from which group to which."""
        before = form.initial.get("group") if not add else None
        return answering_change(
            _group_name(before), _group_name(form.cleaned_data.get("group"))
        )

    def changelist_view(self, request, extra_context=None):
        """Straight to the one row when it exists (its page checks permissions)."""
        if IncomingCalls.objects.exists() and self.has_view_or_change_permission(
            request
        ):
            url = reverse("admin:tokens_incomingcalls_change", args=[1])
            return HttpResponseRedirect(url)
        return super().changelist_view(request, extra_context)

    @admin.display(description="answers now")
    def answers_now(self, obj=None) -> str:
        return answering_text(parties.answering_group())

    @admin.display(description="rings now")
    def rings_now(self, obj=None) -> str:
        group = parties.answering_group().group
        found = parties.answering(group, limit=parties.RING_LIMIT) if group else []
        if not found:
            return "Nobody: no active member may receive calls."
        return ", ".join(found)


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
