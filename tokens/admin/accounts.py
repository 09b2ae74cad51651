"""Who may change which account in the admin: privileges stay with superusers.

Django's user admin lets anyone with `change_user` edit every field, so a
staff member allowed to reset passwords could make herself superuser, and
could reset the password of a more privileged account and log in as it. Here
only superusers grant or remove superuser and staff status, groups and
permissions, and only superusers change staff and superuser accounts other
than one's own. Read-only fields are left out of the form, so a crafted POST
that sets them changes nothing.
"""

from django.contrib import admin
from django.contrib.auth.models import Group

from tokens.models import User

USER_PRIVILEGE_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")
GROUP_PRIVILEGE_FIELDS = ("permissions",)


def may_manage(actor: User, account: User | None) -> bool:
    """Whether `actor` may change or delete `account` (None: an account to add)."""
    if actor.is_superuser or account is None or account.pk == actor.pk:
        return True
    return not (account.is_superuser or account.is_staff)


class UserPrivileges(admin.ModelAdmin):
    """For UserAdmin: privileged fields read-only, privileged accounts untouchable."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += [name for name in USER_PRIVILEGE_FIELDS if name not in fields]
        return fields

    # The password form checks has_change_permission too: a superuser's or
    # another staff member's password is not reset by a non-superuser.
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and may_manage(
            request.user, obj
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and may_manage(
            request.user, obj
        )


class GroupPrivileges(admin.ModelAdmin):
    """For GroupAdmin: only superusers choose a group's permissions."""

    def get_readonly_fields(self, request, obj: Group | None = None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += [name for name in GROUP_PRIVILEGE_FIELDS if name not in fields]
        return fields
