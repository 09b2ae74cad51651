"""Rooms obey the admin after the token, end to end (issue 15).

Two instances and two workers on PostgreSQL and Redis, the stand-in Twilio
as Twilio: a participant whose access ends is removed within the bound,
exactly once, with the reason in the audit log, whatever else happens
(a Twilio outage, a worker killed mid-pass, a lost callback).
"""

import time

import pytest

from . import deployment as dep
from .deployment import EVICTION_BOUND, RECONCILE_INTERVAL, WORKER_LEASE

USERS = {
    "ada": "listed",  # window ends
    "ben": "listed",  # access revoked
    "cy": "listed",  # room deactivated (with dee)
    "dee": "listed",
    "eve": "listed",  # user deactivated
    "fay": "listed",  # video grant removed
    "gus": "listed",  # window ends during a Twilio outage
    "hal": "listed",  # window ends while the acting worker is killed
    "ivy": "listed",  # keeps access throughout: never removed
}
SLACK = 5  # seconds for a pass, a REST call and polling here


@pytest.fixture(scope="module")
def site():
    deployment = dep.start(USERS)
    try:
        yield deployment
    finally:
        dep.stop(deployment)


def grant(site, user: str, room: str, ends_in: float | None = None) -> float | None:
    """Room access for the user (ending in `ends_in` s); its end, as stored."""
    out = site.shell(
        "room, _ = Room.objects.get_or_create(name=data['room'])\n"
        "ends = data['ends_in']\n"
        "access = RoomAccess.objects.create(room=room, user=User.objects.get("
        "username=data['user']), ends_at=None if ends is None else now + "
        "timedelta(seconds=ends))\n"
        "print('ENDS', access.ends_at and access.ends_at.timestamp())\n",
        {"user": user, "room": room, "ends_in": ends_in},
    )
    (ends,) = [line[5:] for line in out.splitlines() if line.startswith("ENDS ")]
    return None if ends == "None" else float(ends)


def identity(site, user: str) -> str:
    return site.run.identities[user]


def assert_removed_once(site, room, sid, user, reason):
    time.sleep(2)  # both workers get another chance to remove twice
    assert site.disconnects(sid) == 1, site.worker_logs()
    assert site.evictions(room) == [(identity(site, user), reason, True)]


def test_a_window_that_ends_removes_the_participant_once(site):
    ends = grant(site, "ada", "e2e-window", ends_in=5)
    sid = site.join("b", "ada", "e2e-window")
    grant(site, "ivy", "e2e-window")
    keeper = site.join("a", "ivy", "e2e-window")
    removed = site.wait_removed("e2e-window", sid, 5 + EVICTION_BOUND + SLACK)
    # Removal starts in the window's last second, where /token stops signing.
    assert ends - 1 <= removed <= ends + EVICTION_BOUND
    assert_removed_once(site, "e2e-window", sid, "ada", "window_ended")
    assert site.status("e2e-window", keeper) == "connected"


@pytest.mark.parametrize(
    ("user", "room", "change", "reason"),
    [
        (
            "ben",
            "e2e-revoke",
            "RoomAccess.objects.filter(user__username='ben').delete()",
            "access_revoked",
        ),
        (
            "eve",
            "e2e-user",
            "u = User.objects.get(username='eve')\nu.is_active = False\nu.save()",
            "user_inactive",
        ),
        (
            "fay",
            "e2e-grant",
            "r = GrantRule.objects.get(user__username='fay')\n"
            "r.video = 'none'\nr.save()",
            "grant_removed",
        ),
    ],
)
def test_staff_changes_remove_the_participant_at_once(site, user, room, change, reason):
    grant(site, user, room)
    sid = site.join("a", user, room)
    time.sleep(1)  # the callback has reached the server
    out = site.shell(change + "\nimport time\nprint('AT', time.time())")
    (changed,) = [
        float(line[3:]) for line in out.splitlines() if line.startswith("AT ")
    ]
    removed = site.wait_removed(room, sid, EVICTION_BOUND + SLACK)
    assert removed - changed <= EVICTION_BOUND
    assert_removed_once(site, room, sid, user, reason)


def test_deactivating_a_room_removes_everyone_in_it(site):
    grant(site, "cy", "e2e-closed")
    grant(site, "dee", "e2e-closed")
    sids = [site.join("a", "cy", "e2e-closed"), site.join("b", "dee", "e2e-closed")]
    site.shell("r = Room.objects.get(name='e2e-closed')\nr.active = False\nr.save()")
    for sid in sids:
        site.wait_removed("e2e-closed", sid, EVICTION_BOUND + SLACK)
    time.sleep(2)
    assert [site.disconnects(sid) for sid in sids] == [1, 1]
    assert site.evictions("e2e-closed") == [
        (identity(site, "cy"), "room_inactive", True),
        (identity(site, "dee"), "room_inactive", True),
    ]


def test_an_eviction_due_during_a_twilio_outage_happens_after_it(site):
    # The removal is due (window end + bound, 3 + 5 s) well inside the outage
    # (12 s), so the worker must have tried during it, whatever its timing.
    ends = grant(site, "gus", "e2e-outage", ends_in=3)
    sid = site.join("a", "gus", "e2e-outage")
    site.twilio.faults.fail(503, seconds=12, path="/v1/Rooms/")
    outage_ends = time.time() + 12
    removed = site.wait_removed("e2e-outage", sid, 12 + EVICTION_BOUND + SLACK)
    assert removed >= outage_ends > ends
    assert_removed_once(site, "e2e-outage", sid, "gus", "window_ended")
    refused = [
        r
        for r in site.twilio.requests
        if r.method == "POST"
        and r.path.endswith(f"/Participants/{sid}")
        and r.fault == 503
    ]
    assert refused, "no removal was tried during the outage"


def test_a_worker_killed_mid_pass_loses_nothing_and_removes_nobody_twice(site):
    ends = grant(site, "hal", "e2e-crash", ends_in=4)
    sid = site.join("a", "hal", "e2e-crash")
    room_sid = site.twilio.room("e2e-crash").sid
    site.twilio.faults.hang(path=f"/v1/Rooms/{room_sid}/Participants/{sid}")
    deadline = time.monotonic() + 4 + EVICTION_BOUND + SLACK
    while not any(r.fault == "hang" for r in site.twilio.requests):
        assert time.monotonic() < deadline, site.worker_logs()
        time.sleep(0.2)
    # The worker waiting on that request is the lease holder: kill it there.
    (holder,) = site.query("SELECT holder FROM tokens_workerlease")
    acting = next(n for n, p in site.workers.items() if f":{p.pid}:" in holder[0])
    site.kill_worker(acting)
    site.twilio.faults.clear()
    site.start_worker(acting)
    # The other worker takes over when the dead one's lease expires.
    removed = site.wait_removed("e2e-crash", sid, WORKER_LEASE + EVICTION_BOUND + SLACK)
    assert removed > ends
    assert_removed_once(site, "e2e-crash", sid, "hal", "window_ended")


def test_reconciliation_removes_a_participant_whose_callbacks_were_lost(site):
    grant(site, "ivy", "e2e-lost")
    site.join("a", "ivy", "e2e-lost")  # the room exists, created by /token
    site.twilio.sender.drop_next(1)
    stranger = site.twilio.join("e2e-lost", "not-a-user-here").sid
    site.wait_removed("e2e-lost", stranger, RECONCILE_INTERVAL + EVICTION_BOUND)
    time.sleep(2)
    assert site.disconnects(stranger) == 1
    assert ("not-a-user-here", "unknown_identity", True) in site.evictions("e2e-lost")
