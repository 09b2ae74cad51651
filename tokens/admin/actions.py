"""Admin actions: room access for a window, revocations, room activation."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils import timezone

from tokens.admin import removals
from tokens.models import ApiToken, Room, RoomAccess


class AccessActionPermissions:
    """Who may run the actions on users and groups: the rights they exercise.

    Without these, Django offers an action to anyone who may view the list.
    """

    # Both room-access actions ask for a room from a list of every room: only
    # for staff who may view rooms (the room admin refuses the others).
    def has_grant_access_permission(self, request) -> bool:
        return request.user.has_perms(["tokens.add_roomaccess", "tokens.view_room"])

    def has_revoke_access_permission(self, request) -> bool:
        return request.user.has_perms(["tokens.delete_roomaccess", "tokens.view_room"])

    def has_revoke_sessions_permission(self, request) -> bool:
        return request.user.has_perm("tokens.delete_apitoken")

    # Like the grant rule admin: changing rules; creating one where missing
    # also needs add_grantrule, checked when the action applies.
    def has_change_grants_permission(self, request) -> bool:
        return request.user.has_perm("tokens.change_grantrule")


class RoomWindowForm(forms.Form):
    room = forms.ModelChoiceField(Room.objects.all())
    starts_at = forms.DateTimeField(
        required=False,
        help_text="Empty: open now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    ends_at = forms.DateTimeField(
        required=False,
        help_text="Empty: never closes.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            raise forms.ValidationError("The window must end after it starts.")
        if ends and ends <= timezone.now():
            raise forms.ValidationError("The window must end in the future.")
        return cleaned


class RoomChoiceForm(forms.Form):
    room = forms.ModelChoiceField(Room.objects.all())


def _with_form(modeladmin, request, queryset, form_class, title, apply, *, action):
    """Run an action that first asks for a form on an intermediate page.

    `action` is posted back by name: with several `action` values in the
    POST, Django runs the one its `index` picks, not always the last.
    """
    form = form_class(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        return apply(form.cleaned_data)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "queryset": queryset,
        "opts": modeladmin.model._meta,
        "action": action,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, "admin/tokens/action_form.html", context)


def _owner_field(queryset) -> str:
    return "user" if queryset.model._meta.model_name == "user" else "group"


@admin.action(
    description="Give access to a room for a time window…", permissions=["grant_access"]
)
def grant_room_access(modeladmin, request, queryset):
    field = _owner_field(queryset)

    def apply(data):
        rows = [
            RoomAccess(
                room=data["room"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                **{field: owner},
            )
            for owner in queryset
        ]
        RoomAccess.objects.bulk_create(rows)
        modeladmin.message_user(
            request,
            f"Gave {len(rows)} {field}(s) access to {data['room']}.",
            messages.SUCCESS,
        )

    return _with_form(
        modeladmin,
        request,
        queryset,
        RoomWindowForm,
        "Give room access",
        apply,
        action="grant_room_access",
    )


@admin.action(description="Revoke access to a room…", permissions=["revoke_access"])
def revoke_room_access(modeladmin, request, queryset):
    field = _owner_field(queryset)

    def apply(data):
        rows = RoomAccess.objects.filter(
            room=data["room"], **{f"{field}__in": queryset}
        )
        concerned = removals.under_access(rows)
        deleted, _ = rows.delete()
        modeladmin.message_user(
            request,
            f"Revoked {deleted} access row(s) to {data['room']}.",
            messages.SUCCESS,
        )
        removals.warn_removals(request, concerned)

    return _with_form(
        modeladmin,
        request,
        queryset,
        RoomChoiceForm,
        "Revoke room access",
        apply,
        action="revoke_room_access",
    )


@admin.action(
    description="Revoke all API sessions of the selected users",
    permissions=["revoke_sessions"],
)
def revoke_api_sessions(modeladmin, request, queryset):
    deleted, _ = ApiToken.objects.filter(user__in=queryset).delete()
    modeladmin.message_user(
        request, f"Revoked {deleted} API session(s).", messages.SUCCESS
    )


@admin.action(
    description="Deactivate the selected rooms (refuse new tokens now)",
    permissions=["change"],
)
def deactivate_rooms(modeladmin, request, queryset):
    rooms = list(queryset.values_list("pk", flat=True))
    changed = queryset.update(active=False)
    modeladmin.message_user(
        request, f"Deactivated {changed} room(s).", messages.SUCCESS
    )
    removals.warn_removals(request, removals.candidates(rooms=rooms))


@admin.action(description="Activate the selected rooms", permissions=["change"])
def activate_rooms(modeladmin, request, queryset):
    changed = queryset.update(active=True)
    modeladmin.message_user(request, f"Activated {changed} room(s).", messages.SUCCESS)


@admin.action(
    description="End the selected access now (keeps the record)",
    permissions=["change", "delete"],
)
def end_access_now(modeladmin, request, queryset):
    now = timezone.now()
    concerned = removals.under_access(queryset)
    with transaction.atomic():
        # A window that has not started yet cannot end before it starts: drop it.
        not_started = queryset.filter(starts_at__gt=now)
        dropped, _ = not_started.delete()
        ended = queryset.exclude(ends_at__lte=now).update(ends_at=now)
    modeladmin.message_user(
        request,
        f"Ended {ended} and removed {dropped} future access row(s).",
        messages.SUCCESS,
    )
    removals.warn_removals(request, concerned)
