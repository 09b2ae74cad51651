"""Wake the enforcement worker after a change that may remove someone's access.

Room access and grant rules (saved or deleted), a room saved (its active
flag) or deleted, a user saved (active flag, superuser) or deleted, and
group membership. Waking for a change that removes nothing costs one pass
of the worker; a login's `last_login` save does not wake it.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from tokens.models import GrantRule, Room, RoomAccess, User
from tokens.twilio.wake import request_enforcement

WATCHED = (RoomAccess, GrantRule, Room, User)
USER_FIELDS = {"is_active", "is_superuser", "twilio_identity"}


def _changed(sender, instance, raw=False, update_fields=None, **_) -> None:
    if raw:  # loaddata
        return
    if (
        sender is User
        and update_fields is not None
        and not USER_FIELDS & set(update_fields)
    ):
        return
    request_enforcement()


for model in WATCHED:
    post_save.connect(
        _changed, sender=model, dispatch_uid=f"wake.save.{model.__name__}"
    )
    post_delete.connect(
        _changed, sender=model, dispatch_uid=f"wake.delete.{model.__name__}"
    )


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="wake.groups")
def _membership(sender, action: str, **_) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        request_enforcement()
