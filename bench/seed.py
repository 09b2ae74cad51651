"""Fill the benchmark database with data at the scale of issue 6.

Run by bench/run.py (`python -m bench.seed OPTIONS`) with the server's
environment, on a database that has just been migrated. Writes the API tokens
of the benchmark users to a file for wrk ("<token> <room> <username>" a line)
and prints a one-line JSON summary last.

At --scale 1: 10,000 users in 3 groups each, 1,000 groups with a grant rule
each, 10,000 rooms, 50,000 room-access rows, 100,000 audit rows and 3 API
tokens a user. The benchmark users (the first --bench-users) have a personal
rule "video in listed rooms + chat" and a personal access row with an open
window on their own room, so /token?room=... runs the room query and signs.
"""

import argparse
import json
import os
import random
import secrets
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import django

BATCH = 5000
PASSWORD = "bench-password-not-secret"  # noqa: S105  (benchmark users only)
OUTCOMES = (
    ["issued"] * 17
    + ["room_not_permitted", "no_grants", "invalid", "throttled"]
    + ["identity_mismatch"]
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--bench-users", type=int, default=2000)
    parser.add_argument("--tokens-file", type=Path, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tokenserver.settings")
    django.setup()
    started = time.monotonic()
    counts = Seeder(args.scale, args.bench_users).run(args.tokens_file)
    counts["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(counts))
    return 0


class Seeder:
    def __init__(self, scale: float, bench_users: int) -> None:
        from django.utils import timezone

        self.rng = random.Random(6)  # noqa: S311  (data, not secrets)
        self.now = timezone.now()
        self.n_users = max(10, int(10_000 * scale))
        self.n_groups = max(5, int(1_000 * scale))
        self.n_rooms = max(10, int(10_000 * scale))
        self.n_access = max(20, int(50_000 * scale))
        self.n_events = max(10, int(100_000 * scale))
        self.tokens_per_user = 3
        self.n_bench = min(bench_users, self.n_users)

    def run(self, tokens_file: Path) -> dict:
        from django.contrib.auth.hashers import make_password

        # One hash for every user: PBKDF2 takes a good part of a second each.
        self.password_hash = make_password(PASSWORD)
        users = self.users()
        groups = self.groups()
        self.memberships(users, groups)
        rooms = self.rooms()
        self.rules(users, groups)
        self.access(users, groups, rooms)
        lines = self.api_tokens(users, rooms)
        self.events(users, rooms)
        self.analyze()
        tokens_file.write_text("".join(lines))
        return {
            "users": len(users),
            "groups": len(groups),
            "rooms": len(rooms),
            "room_access": self.n_access,
            "token_events": self.n_events,
            "api_tokens": len(users) * self.tokens_per_user,
            "bench_users": self.n_bench,
            "password": PASSWORD,
        }

    def users(self) -> list:
        from tokens.models import User

        User.objects.bulk_create(
            [
                User(
                    username=f"bench-user-{i:05d}",
                    twilio_identity=f"bench_user_{i:05d}",
                    password=self.password_hash,
                    email=f"user{i}@bench.invalid",
                    date_joined=self.now - timedelta(days=self.rng.randint(1, 900)),
                )
                for i in range(self.n_users)
            ]
            + [
                User(
                    username="bench-admin",
                    twilio_identity="bench_admin",
                    password=self.password_hash,
                    is_staff=True,
                    is_superuser=True,
                )
            ],
            batch_size=BATCH,
        )
        return list(
            User.objects.filter(username__startswith="bench-user-").order_by("username")
        )

    def groups(self) -> list:
        from django.contrib.auth.models import Group

        Group.objects.bulk_create(
            [Group(name=f"bench-group-{i:04d}") for i in range(self.n_groups)],
            batch_size=BATCH,
        )
        return list(Group.objects.order_by("name"))

    def memberships(self, users: list, groups: list) -> None:
        from tokens.models import User

        through = User.groups.through
        rows = []
        for user in users:
            for group in self.rng.sample(groups, 3):
                rows.append(through(user_id=user.pk, group_id=group.pk))
        through.objects.bulk_create(rows, batch_size=BATCH)

    def rooms(self) -> list:
        from tokens.models import Room

        Room.objects.bulk_create(
            [
                Room(
                    name=f"bench-room-{i:05d}",
                    display_name=f"Bench room {i}",
                    # Benchmark users' rooms (the first ones) stay active.
                    active=i < self.n_bench or self.rng.random() > 0.05,
                )
                for i in range(self.n_rooms)
            ],
            batch_size=BATCH,
        )
        return list(Room.objects.order_by("name"))

    def rules(self, users: list, groups: list) -> None:
        from tokens.models import GrantRule

        rng = self.rng
        rows = [
            GrantRule(
                group=group,
                video="listed" if rng.random() < 0.6 else "none",
                chat=rng.random() < 0.5,
                sync=rng.random() < 0.2,
                voice_incoming=rng.random() < 0.1,
                max_ttl=rng.choice([None, None, 1800, 7200]),
            )
            for group in groups
        ]
        for i, user in enumerate(users):
            if i < self.n_bench:
                rows.append(GrantRule(user=user, video="listed", chat=True))
            elif rng.random() < 0.2:
                rows.append(GrantRule(user=user, video=rng.choice(["listed", "any"])))
        GrantRule.objects.bulk_create(rows, batch_size=BATCH)

    def access(self, users: list, groups: list, rooms: list) -> None:
        from tokens.models import RoomAccess

        rows = [
            # The benchmark user's own room, open now and for a day.
            RoomAccess(
                room=rooms[i % len(rooms)],
                user=users[i],
                starts_at=self.now - timedelta(days=1),
                ends_at=self.now + timedelta(days=1),
            )
            for i in range(self.n_bench)
        ]
        while len(rows) < self.n_access:
            starts, ends = self.window()
            by_user = self.rng.random() < 0.6
            rows.append(
                RoomAccess(
                    room=self.rng.choice(rooms),
                    user=self.rng.choice(users) if by_user else None,
                    group=None if by_user else self.rng.choice(groups),
                    starts_at=starts,
                    ends_at=ends,
                )
            )
        RoomAccess.objects.bulk_create(rows, batch_size=BATCH)

    def window(self):
        """Unbounded, open, ended or upcoming, like a live installation."""
        kind = self.rng.random()
        hours = timedelta(hours=self.rng.randint(1, 24 * 30))
        if kind < 0.4:
            return None, None
        if kind < 0.7:
            return self.now - hours, self.now + hours
        if kind < 0.85:
            return self.now - 2 * hours, self.now - hours
        return self.now + hours, self.now + 2 * hours

    def api_tokens(self, users: list, rooms: list) -> list[str]:
        """Three knox tokens a user, hashed like knox; the first for wrk."""
        from knox.crypto import hash_token
        from knox.settings import CONSTANTS

        from tokens.models import ApiToken

        rows, lines = [], []
        expiry = self.now + timedelta(days=7)
        for i, user in enumerate(users):
            for n in range(self.tokens_per_user):
                token = secrets.token_hex(32)
                rows.append(
                    ApiToken(
                        digest=hash_token(token),
                        token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH],
                        user=user,
                        expiry=expiry,
                        device=f"device{n}",
                    )
                )
                if n == 0 and i < self.n_bench:
                    room = rooms[i % len(rooms)].name
                    lines.append(f"{token} {room} {user.username}\n")
        ApiToken.objects.bulk_create(rows, batch_size=BATCH)
        return lines

    def events(self, users: list, rooms: list) -> None:
        from tokens.models import TokenEvent

        rng = self.rng
        rows = []
        for _ in range(self.n_events):
            user = rng.choice(users)
            created = self.now - timedelta(seconds=rng.randint(0, 90 * 86400))
            outcome = rng.choice(OUTCOMES)
            issued = outcome == "issued"
            rows.append(
                TokenEvent(
                    id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    created_at=created,
                    user=user,
                    identity=user.twilio_identity,
                    outcome=outcome,
                    grants=rng.choice(["video,chat", "chat", "video", "chat,sync"]),
                    room=rng.choice(rooms).name if rng.random() < 0.7 else "",
                    device=rng.choice(["", "iphone", "android", "web"]),
                    ttl=3600 if issued else None,
                    expires_at=created + timedelta(hours=1) if issued else None,
                    client_ip=f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.7",
                    user_agent="BenchApp/1.0 (iOS 18)",
                    jwt_sha256=f"{rng.getrandbits(256):064x}" if issued else "",
                )
            )
            if len(rows) == BATCH:
                TokenEvent.objects.bulk_create(rows)
                rows = []
        TokenEvent.objects.bulk_create(rows)

    def analyze(self) -> None:
        """Fresh planner statistics, as autovacuum would have them in production."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


if __name__ == "__main__":
    sys.exit(main())
