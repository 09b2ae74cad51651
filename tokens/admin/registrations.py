"""Staff manage identities, grants, rooms and access, and read the audit log."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Q
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from tokens.admin import actions as admin_actions
from tokens.admin import grants as admin_grants
from tokens.admin import twilio_create
from tokens.admin import views as admin_views
from tokens.admin.accounts import GroupPrivileges, UserPrivileges
from tokens.admin.live_pages import (
    AccessChanges,
    LiveRoomPage,
    RoomsNowOnGroup,
    RoomsNowOnUser,
)
from tokens.admin.sso_links import OidcLinkInline
from tokens.models import ApiToken, GrantRule, Room, RoomAccess, TokenEvent, User

# The call policy's fields come with the voice switches they refine.
RULE_FIELDS = (
    "video",
    "voice_outgoing",
    "voice_incoming",
    "calls",
    "call_prefixes",
    "chat",
    "sync",
    "max_ttl",
)


class GrantRuleInline(admin.StackedInline):
    model = GrantRule
    fields = RULE_FIELDS
    extra = 0
    max_num = 1
    verbose_name = verbose_name_plural = "grant permissions"


class RoomAccessInline(admin.TabularInline):
    model = RoomAccess
    extra = 0
    autocomplete_fields = ["room"]

    def get_queryset(self, request):
        # Each row's widgets and label name its room, user and group: one
        # query, not three a row.
        return super().get_queryset(request).select_related("room", "user", "group")


class UserRoomAccessInline(RoomAccessInline):
    fields = ["room", "starts_at", "ends_at"]


class RoomMembersInline(RoomAccessInline):
    fields = ["user", "group", "starts_at", "ends_at"]
    autocomplete_fields = ["user", "group"]


class ApiTokenInline(admin.TabularInline):
    """A user's API sessions; deleting one revokes it."""

    model = ApiToken
    extra = 0
    fields = readonly_fields = ("device", "created", "expiry")
    # knox's primary key is an editable digest: excluded, the formset renders
    # it as the hidden key; listed as read-only, deleting would do nothing.
    exclude = ["digest"]
    verbose_name_plural = "API sessions (delete to revoke)"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # Each row's label names its user: read with the rows.
        return super().get_queryset(request).select_related("user")


@admin.register(User)
class UserAdmin(
    RoomsNowOnUser,
    UserPrivileges,
    admin_actions.AccessActionPermissions,
    BaseUserAdmin,
):
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]  # set, not None
        ("Twilio", {"fields": ["twilio_identity"]}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("Twilio", {"fields": ["twilio_identity"]}),
    )
    list_display = ["username", "twilio_identity", "email", "is_staff", "is_active"]
    search_fields = ["username", "twilio_identity", "email", "first_name", "last_name"]
    inlines = [GrantRuleInline, UserRoomAccessInline, ApiTokenInline, OidcLinkInline]
    readonly_fields = ["effective_access"]
    actions = [
        admin_actions.grant_room_access,
        admin_actions.revoke_room_access,
        admin_actions.revoke_api_sessions,
        admin_grants.change_grants,
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not admin_views.may_see_effective_access(self, request, obj):
            return fieldsets
        return (*fieldsets, ("Access now", {"fields": ["effective_access"]}))

    def get_urls(self):
        view = self.admin_site.admin_view(
            lambda request, object_id: admin_views.effective_access(
                self, request, object_id
            )
        )
        return [
            path("<path:object_id>/access/", view, name="tokens_user_access"),
            *super().get_urls(),
        ]

    @admin.display(description="effective access")
    def effective_access(self, obj):
        url = reverse("admin:tokens_user_access", args=[obj.pk])
        return format_html(
            '<a href="{}">Every grant and room this user gets now</a>', url
        )


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(
    RoomsNowOnGroup,
    GroupPrivileges,
    admin_actions.AccessActionPermissions,
    BaseGroupAdmin,
):
    inlines = [GrantRuleInline, UserRoomAccessInline]
    actions = [
        admin_actions.grant_room_access,
        admin_actions.revoke_room_access,
        admin_grants.change_grants,
    ]


@admin.register(Room)
class RoomAdmin(LiveRoomPage, admin.ModelAdmin):
    list_display = ["name", "display_name", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "display_name"]
    inlines = [RoomMembersInline]
    actions = [
        admin_actions.deactivate_rooms,
        admin_actions.activate_rooms,
        twilio_create.create_on_twilio,
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and db_field.name in twilio_create.TWILIO_FIELDS:
            formfield.widget.attrs.update(twilio_create.limits(db_field))
        return formfield

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ["name", "display_name", "active"]}),
            twilio_create.twilio_fieldset(),
        ]
        readonly = self.get_readonly_fields(request, obj)
        if readonly:
            fieldsets.append(("Audit", {"fields": readonly}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        # The room's latest audit rows, only for staff who may read the log.
        if request.user.has_perm("tokens.view_tokenevent"):
            return ["latest_tokens"]
        return []

    @admin.display(description="latest tokens for this room")
    def latest_tokens(self, obj):
        if obj.pk is None:
            return "—"
        events = TokenEvent.objects.filter(room=obj.name).order_by("-created_at")[:20]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((e.created_at, e.identity, e.outcome, e.ttl or "") for e in events),
        )
        if not rows:
            return "No token asked for yet."
        return format_html(
            "<table><tr><th>When</th><th>Identity</th><th>Outcome</th><th>TTL</th></tr>"
            "{}</table>",
            rows,
        )


class ActiveNowFilter(admin.SimpleListFilter):
    title = "active now"
    parameter_name = "active_now"

    def lookups(self, request, model_admin):
        return [("yes", "Open now"), ("no", "Not open now")]

    def queryset(self, request, queryset):
        now = timezone.now()
        open_now = Q(room__active=True) & Q(
            pk__in=RoomAccess.objects.open_at(now).values("pk")
        )
        if self.value() == "yes":
            return queryset.filter(open_now)
        if self.value() == "no":
            return queryset.exclude(open_now)
        return queryset


@admin.register(RoomAccess)
class RoomAccessAdmin(AccessChanges, admin.ModelAdmin):
    actions = [admin_actions.end_access_now]
    list_display = ["room", "user", "group", "starts_at", "ends_at"]
    list_filter = [ActiveNowFilter, "room", "group"]
    search_fields = ["room__name", "user__username", "group__name"]
    autocomplete_fields = ["room", "user", "group"]
    list_select_related = ["room", "user", "group"]


@admin.register(GrantRule)
class GrantRuleAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "video",
        "voice_outgoing",
        "voice_incoming",
        "calls",
        "chat",
        "sync",
        "max_ttl",
    ]
    list_filter = ["video", "voice_outgoing", "voice_incoming", "calls", "chat", "sync"]
    fields = ("user", "group", *RULE_FIELDS)
    search_fields = ["user__username", "group__name"]
    autocomplete_fields = ["user", "group"]
    list_select_related = ["user", "group"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API sessions. Staff revoke them by deleting; they cannot create or read them."""

    list_display = ["user", "device", "created", "expiry"]
    list_filter = ["created", "expiry"]
    search_fields = ["user__username", "device"]
    fields = readonly_fields = ("user", "device", "created", "expiry")
    list_select_related = ["user"]
    actions = ["delete_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
