"""API sessions end when the password changes or the account is deactivated.

Django ends a user's browser sessions when the password changes (the session
holds a hash of it); API tokens hold nothing of it. So every save that
changes the stored password (the admin's forms, `set_password` + save,
`changepassword`, an unusable password) or turns `is_active` off deletes the
user's API sessions: the phone logs in again, and reactivating an account
brings no old token back. `QuerySet.update()` bypasses this, as it bypasses
every save hook: nothing in the project changes these fields that way.
"""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from tokens.models import ApiToken, User

_WATCHED = {"password", "is_active"}


@receiver(pre_save, sender=User, dispatch_uid="tokens.revocation.note")
def note_credential_change(sender, instance: User, raw=False, update_fields=None, **_):
    instance._ends_api_sessions = False
    if raw or instance.pk is None:
        return
    if update_fields is not None and not _WATCHED & set(update_fields):
        return  # e.g. last_login at every login: no query
    stored = (
        User.objects.filter(pk=instance.pk).values_list("password", "is_active").first()
    )
    if stored is None:
        return
    password, was_active = stored
    instance._ends_api_sessions = password != instance.password or (
        was_active and not instance.is_active
    )


@receiver(post_save, sender=User, dispatch_uid="tokens.revocation.end")
def end_api_sessions(sender, instance: User, **_):
    if getattr(instance, "_ends_api_sessions", False):
        ApiToken.objects.filter(user_id=instance.pk).delete()
        instance._ends_api_sessions = False
