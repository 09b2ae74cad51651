"""Create demo users, groups, rooms and access for a local demo server."""

from datetime import UTC, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from tokens.issuing.summary import RoomEntry, Summary, current_summary
from tokens.models import GrantRule, Room, RoomAccess, User

# Demo only: refused unless DEBUG is on (see handle()).
DEMO_USERS = {
    "staff": "staff-demo-password",
    "alice": "alice-demo-password",
    "bob": "bob-demo-password",
}
# Marks a database seed_demo created, and (as members) the users it created.
# A group without permissions gives nothing. seed_demo fills only an empty
# database or one holding this group, and resets only its members: a real
# database's `staff` never becomes a superuser with a published password.
DEMO_MARKER = "created by seed_demo"


class Command(BaseCommand):
    help = "Create a staff account and two users with different grants (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates known passwords: it runs only with DEBUG on."
            )
        with transaction.atomic():
            self._seed(self._claim_database())
        self.stdout.write(self.style.WARNING("Demo accounts (local use only):"))
        for username, password in DEMO_USERS.items():
            self.stdout.write(f"  {username:6} password: {password}")
        self.stdout.write("What each may do now (change it in /admin/):")
        now = timezone.now()
        for user in User.objects.filter(username__in=DEMO_USERS).order_by("pk"):
            summary, _ = current_summary(user, now=now)
            for line in describe(user, summary):
                self.stdout.write(f"  {line}")

    @staticmethod
    def _claim_database() -> Group:
        """The marker group: found, or made in an empty database."""
        marker = Group.objects.filter(name=DEMO_MARKER).first()
        if marker is not None:
            return marker
        models = (User, Group, GrantRule, Room, RoomAccess)
        if any(model.objects.exists() for model in models):
            raise CommandError(
                "seed_demo fills only a database it created, and this one "
                "already has users, groups, rooms or rules: nothing changed. "
                "./scripts/demo uses its own SQLite file, demo.sqlite3."
            )
        return Group.objects.create(name=DEMO_MARKER)

    def _seed(self, marker: Group) -> None:
        now = timezone.now()
        users = {
            name: self._user(name, password, marker)
            for name, password in DEMO_USERS.items()
        }
        staff = users["staff"]
        staff.is_staff = staff.is_superuser = True
        staff.save()
        callers, _ = Group.objects.get_or_create(name="callers")
        users["alice"].groups.add(callers)
        GrantRule.objects.update_or_create(
            group=callers, defaults={"voice_outgoing": True, "voice_incoming": True}
        )
        GrantRule.objects.update_or_create(
            user=users["alice"],
            defaults={"video": "any", "chat": True, "sync": True, "max_ttl": 14400},
        )
        GrantRule.objects.update_or_create(
            user=users["bob"], defaults={"video": "listed", "chat": True}
        )
        standup = self._room("standup", "Daily stand-up")
        self._room("all-hands", "All hands")
        workshop = self._room("workshop", "Tomorrow's workshop")
        RoomAccess.objects.filter(user=users["bob"]).delete()
        RoomAccess.objects.create(
            room=standup, user=users["bob"], ends_at=now + timedelta(hours=8)
        )
        RoomAccess.objects.create(
            room=workshop,
            user=users["bob"],
            starts_at=now + timedelta(days=1),
            ends_at=now + timedelta(days=1, hours=2),
        )

    @staticmethod
    def _user(username: str, password: str, marker: Group) -> User:
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.groups.add(marker)
        elif not user.groups.filter(pk=marker.pk).exists():
            raise CommandError(
                f"seed_demo did not create the user {username!r}: it changes "
                "only its own users. Nothing changed."
            )
        user.set_password(password)
        user.save()
        return user

    @staticmethod
    def _room(name: str, display_name: str) -> Room:
        room, _ = Room.objects.update_or_create(
            name=name, defaults={"display_name": display_name, "active": True}
        )
        return room


VIDEO_EXTENT = {"any": "video in any room", "listed": "video in listed rooms"}


def describe(user: User, summary: Summary) -> list[str]:
    """What the user may get now: grants, lifetime, rooms and their windows."""
    grants = [
        VIDEO_EXTENT.get(summary.video, name) if name == "video" else name
        for name in summary.grants
    ]
    role = "superuser, /admin/; " if user.is_superuser else ""
    first = (
        f"{user.username:6} {role}{', '.join(grants) or 'no grants'}; "
        f"tokens up to {summary.max_ttl} s"
    )
    return [first] + [f"       room {_window(room)}" for room in summary.rooms]


def _window(room: RoomEntry) -> str:
    start = f" from {_when(room.starts_at)}" if room.starts_at else ""
    end = f" until {_when(room.ends_at)}" if room.ends_at else ""
    return f"{room.name}: {room.state}{start}{end}"


def _when(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
