"""Table tests of the pure grant policy: no database, time passed as `now`."""

from datetime import UTC, datetime, timedelta

import pytest

from tokens import errors
from tokens.policy import (
    VIDEO_ANY,
    VIDEO_LISTED,
    VIDEO_NONE,
    Capabilities,
    Decision,
    Limits,
    Params,
    Permitted,
    RoomState,
    Rule,
    Subject,
    Window,
    combine,
    configured_grants,
    decide,
    max_ttl,
    needs_live_room,
)

NOW = datetime(2025, 3, 14, 12, 0, 0, tzinfo=UTC)
ROOM = "standup"
FULL = Capabilities()
NO_CHAT = Capabilities(chat=False)
NO_SYNC = Capabilities(sync=False)
NO_TWIML = Capabilities(voice_outgoing=False)
LIMITS = Limits(default_ttl=3600, default_max_ttl=3600)


# -- builders ---------------------------------------------------------------


def rule(source: str = "personal", **flags) -> Rule:
    return Rule(source=source, **flags)


def everything(source: str = "personal", **extra) -> Rule:
    return Rule(
        source=source,
        video=extra.pop("video", VIDEO_ANY),
        voice_outgoing=True,
        voice_incoming=True,
        chat=True,
        sync=True,
        **extra,
    )


LISTED_CHAT = rule(video=VIDEO_LISTED, chat=True)  # like alice
LISTED_ONLY = rule(video=VIDEO_LISTED)
ANY_ROOM = rule(video=VIDEO_ANY)
CHAT_ONLY = rule(chat=True)


def subject(
    *rules: Rule,
    room: RoomState | None = None,
    superuser: bool = False,
    identity: str = "alice",
) -> Subject:
    return Subject(identity=identity, is_superuser=superuser, rules=rules, room=room)


def params(grants=None, **kwargs) -> Params:
    return Params(grants=None if grants is None else frozenset(grants), **kwargs)


def at(seconds: int | None) -> datetime | None:
    """The moment `seconds` from NOW (None stays None: unbounded)."""
    return None if seconds is None else NOW + timedelta(seconds=seconds)


def window(start: int | None = None, end: int | None = None) -> Window:
    """A personal access window, its bounds in seconds relative to NOW."""
    return Window("personal", at(start), at(end))


def known_room(*windows: Window, active: bool = True) -> RoomState:
    return RoomState(name=ROOM, known=True, active=active, windows=windows)


UNKNOWN_ROOM = RoomState(name=ROOM)
OPEN_ROOM = known_room(window(-3600, 7200))


def run(subj: Subject, prm: Params, caps=FULL, limits=LIMITS, now=NOW):
    return decide(subj, prm, capabilities=caps, limits=limits, now=now)


def refuse(subj: Subject, prm: Params, caps=FULL, limits=LIMITS, now=NOW):
    with pytest.raises(errors.TokenRefused) as caught:
        run(subj, prm, caps, limits, now)
    return caught.value


# -- refusals ---------------------------------------------------------------

# (case, subject, params, capabilities, status, code, words the detail names)
REFUSALS = [
    (
        "identity_sent_differs_from_the_users",
        subject(LISTED_CHAT, identity="alice"),
        params(identity="mallory"),
        FULL,
        403,
        "identity_mismatch",
        (),
    ),
    (
        "identity_is_checked_before_anything_else",
        subject(identity="bob"),
        params(identity="alice"),
        Capabilities(missing_core=("TWILIO_API_SECRET",)),
        403,
        "identity_mismatch",
        (),
    ),
    (
        "missing_core_credentials",
        subject(LISTED_CHAT),
        params(),
        Capabilities(missing_core=("TWILIO_API_KEY", "TWILIO_API_SECRET")),
        503,
        "twilio_not_configured",
        ("TWILIO_API_KEY", "TWILIO_API_SECRET"),
    ),
    (
        "missing_core_credentials_even_for_superusers",
        subject(superuser=True),
        params(grants={"chat"}),
        Capabilities(missing_core=("TWILIO_ACCOUNT_SID",)),
        503,
        "twilio_not_configured",
        ("TWILIO_ACCOUNT_SID",),
    ),
    ("no_rules", subject(), params(), FULL, 403, "no_grants", ()),
    (
        "no_rules_even_with_a_room",
        subject(room=OPEN_ROOM),
        params(room=ROOM),
        FULL,
        403,
        "no_grants",
        (),
    ),
    (
        "explicit_grants_not_permitted_are_named",
        subject(LISTED_CHAT),
        params(grants={"chat", "sync", "voice"}),
        FULL,
        403,
        "grant_not_permitted",
        ("sync", "voice"),
    ),
    (
        "explicit_video_for_user_without_video",
        subject(CHAT_ONLY, room=OPEN_ROOM),
        params(grants={"video"}, room=ROOM),
        FULL,
        403,
        "grant_not_permitted",
        ("video",),
    ),
    (
        "explicit_chat_without_conversations_service",
        subject(CHAT_ONLY),
        params(grants={"chat"}),
        NO_CHAT,
        503,
        "grant_not_configured",
        ("chat",),
    ),
    (
        "explicit_sync_without_sync_service",
        subject(rule(sync=True)),
        params(grants={"sync"}),
        NO_SYNC,
        503,
        "grant_not_configured",
        ("sync",),
    ),
    (
        "explicit_outgoing_voice_without_twiml_app",
        subject(rule(voice_outgoing=True)),
        params(grants={"voice"}),
        NO_TWIML,
        503,
        "grant_not_configured",
        ("voice",),
    ),
    (
        "default_set_when_every_permitted_grant_is_unconfigured",
        subject(CHAT_ONLY),
        params(),
        NO_CHAT,
        503,
        "grant_not_configured",
        ("chat",),
    ),
    (
        "explicit_video_for_listed_user_without_room",
        subject(LISTED_CHAT),
        params(grants={"video"}),
        FULL,
        400,
        "room_required",
        (),
    ),
    (
        "default_for_user_with_only_listed_video_and_no_room",
        subject(LISTED_ONLY),
        params(),
        FULL,
        400,
        "room_required",
        (),
    ),
    (
        "room_asked_by_user_without_video",
        subject(CHAT_ONLY, room=OPEN_ROOM),
        params(room=ROOM),
        FULL,
        403,
        "room_not_permitted",
        (),
    ),
    (
        "any_room_user_asks_for_an_inactive_room",
        subject(ANY_ROOM, room=known_room(active=False)),
        params(room=ROOM),
        FULL,
        403,
        "room_not_permitted",
        (),
    ),
    (
        "superuser_asks_for_an_inactive_room",
        subject(superuser=True, room=known_room(window(), active=False)),
        params(room=ROOM),
        FULL,
        403,
        "room_not_permitted",
        (),
    ),
]


@pytest.mark.parametrize(
    ("subj", "prm", "caps", "status", "code", "named"),
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
def test_refusal_has_the_status_code_and_names_what_is_wrong(
    subj, prm, caps, status, code, named
):
    refusal = refuse(subj, prm, caps)
    body = errors.error_body(refusal)
    assert (refusal.status_code, body["code"]) == (status, code)
    for word in named:
        assert word in body["detail"]


def test_grant_not_permitted_names_only_the_refused_grants():
    refusal = refuse(subject(LISTED_CHAT), params(grants={"chat", "sync"}))
    assert isinstance(refusal, errors.GrantNotPermitted)
    assert "sync" in str(refusal.detail)
    assert "chat" not in str(refusal.detail)


@pytest.mark.parametrize(
    ("rules", "grants"),
    [
        pytest.param((CHAT_ONLY,), {"chat"}, id="chat_only"),
        pytest.param((rule(sync=True),), {"sync"}, id="sync_only"),
        pytest.param((everything(),), {"chat", "sync"}, id="everything_but_video"),
    ],
)
def test_room_with_explicit_grants_lacking_video_is_an_invalid_room(rules, grants):
    refusal = refuse(subject(*rules, room=OPEN_ROOM), params(grants=grants, room=ROOM))
    body = errors.error_body(refusal)
    assert (refusal.status_code, body["code"]) == (400, "invalid")
    assert body["fields"] == {"room": ["A room can only be asked for with video."]}


# (case, room state)
LISTED_ROOM_REFUSALS = [
    ("unknown_room", UNKNOWN_ROOM),
    ("inactive_room_with_open_window", known_room(window(-60, 3600), active=False)),
    ("known_room_without_any_window", known_room()),
    ("window_starts_in_one_second", known_room(window(1, 3600))),
    ("window_ends_now", known_room(window(-3600, 0))),
    ("window_ended_a_second_ago", known_room(window(-3600, -1))),
    ("only_past_and_future_windows", known_room(window(-7200, -3600), window(60))),
    # Less than a second left rounds down to a token of 0 seconds.
    (
        "window_ends_in_less_than_a_second",
        known_room(Window("personal", at(-60), NOW + timedelta(milliseconds=999))),
    ),
]


@pytest.mark.parametrize(
    "room",
    [case[1] for case in LISTED_ROOM_REFUSALS],
    ids=[case[0] for case in LISTED_ROOM_REFUSALS],
)
@pytest.mark.parametrize(
    "prm",
    [params(room=ROOM), params(grants={"video"}, room=ROOM)],
    ids=["default_grants", "explicit_video"],
)
def test_listed_rooms_user_is_refused_a_room_without_an_open_window(room, prm):
    refusal = refuse(subject(LISTED_CHAT, room=room), prm)
    assert isinstance(refusal, errors.RoomNotPermitted)
    assert errors.error_body(refusal)["code"] == "room_not_permitted"
    assert refusal.status_code == 403


# -- identity ---------------------------------------------------------------


def test_identity_equal_to_the_users_is_accepted():
    decision = run(subject(CHAT_ONLY, identity="alice"), params(identity="alice"))
    assert decision.grants == ("chat",)


# -- which grants -----------------------------------------------------------

# (case, rules, params, capabilities, expected grants in order)
GRANT_CHOICES = [
    (
        "default_is_every_permitted_grant",
        (everything(),),
        params(),
        FULL,
        ("video", "voice", "chat", "sync"),
    ),
    (
        "default_leaves_out_chat_without_conversations_service",
        (everything(),),
        params(),
        NO_CHAT,
        ("video", "voice", "sync"),
    ),
    (
        "default_leaves_out_sync_without_sync_service",
        (everything(),),
        params(),
        NO_SYNC,
        ("video", "voice", "chat"),
    ),
    (
        "default_leaves_out_outgoing_voice_without_twiml_app",
        (everything(),),
        params(),
        NO_TWIML,
        ("video", "chat", "sync"),
    ),
    (
        "incoming_only_voice_needs_no_twiml_app",
        (rule(voice_incoming=True, chat=True),),
        params(),
        NO_TWIML,
        ("voice", "chat"),
    ),
    (
        "default_leaves_out_every_unconfigured_grant",
        (everything(),),
        params(),
        Capabilities(chat=False, sync=False, voice_outgoing=False),
        ("video",),
    ),
    (
        "listed_user_without_room_gets_no_video_by_default",
        (LISTED_CHAT,),
        params(),
        FULL,
        ("chat",),
    ),
    (
        "listed_user_with_room_gets_video_by_default",
        (LISTED_CHAT,),
        params(room=ROOM),
        FULL,
        ("video", "chat"),
    ),
    (
        "any_room_user_without_room_gets_video",
        (rule(video=VIDEO_ANY, chat=True),),
        params(),
        FULL,
        ("video", "chat"),
    ),
    (
        "explicit_grants_are_exactly_what_was_asked",
        (everything(),),
        params(grants={"sync", "chat"}),
        FULL,
        ("chat", "sync"),
    ),
    (
        "explicit_grant_ignores_other_unconfigured_grants",
        (everything(),),
        params(grants={"sync"}),
        NO_CHAT,
        ("sync",),
    ),
    (
        "explicit_video_with_room_for_listed_user",
        (LISTED_CHAT,),
        params(grants={"video"}, room=ROOM),
        FULL,
        ("video",),
    ),
    (
        "explicit_grants_come_back_in_canonical_order",
        (everything(),),
        params(grants={"sync", "chat", "voice", "video"}),
        FULL,
        ("video", "voice", "chat", "sync"),
    ),
]


@pytest.mark.parametrize(
    ("rules", "prm", "caps", "expected"),
    [case[1:] for case in GRANT_CHOICES],
    ids=[case[0] for case in GRANT_CHOICES],
)
def test_decision_grants_are_permitted_and_configured_in_canonical_order(
    rules, prm, caps, expected
):
    room = OPEN_ROOM if prm.room else None
    decision = run(subject(*rules, room=room), prm, caps)
    assert decision.grants == expected


@pytest.mark.parametrize(
    ("prm", "room"),
    [
        pytest.param(params(), None, id="no_room"),
        pytest.param(params(room=ROOM), UNKNOWN_ROOM, id="unknown_room"),
    ],
)
def test_superuser_without_rules_gets_every_grant(prm, room):
    decision = run(subject(superuser=True, room=room), prm)
    assert decision.grants == ("video", "voice", "chat", "sync")
    assert (decision.voice_outgoing, decision.voice_incoming) == (True, True)
    assert decision.room == prm.room


# (case, rules, params, expected voice_outgoing, expected voice_incoming)
VOICE_FLAGS = [
    ("outgoing_only", rule(voice_outgoing=True), params(), True, False),
    ("incoming_only", rule(voice_incoming=True), params(), False, True),
    (
        "both",
        rule(voice_outgoing=True, voice_incoming=True),
        params(),
        True,
        True,
    ),
    (
        "voice_not_asked_for",
        rule(voice_outgoing=True, voice_incoming=True, chat=True),
        params(grants={"chat"}),
        False,
        False,
    ),
    ("no_voice_rule", CHAT_ONLY, params(), False, False),
]


@pytest.mark.parametrize(
    ("the_rule", "prm", "outgoing", "incoming"),
    [case[1:] for case in VOICE_FLAGS],
    ids=[case[0] for case in VOICE_FLAGS],
)
def test_voice_directions_in_the_decision_follow_permissions(
    the_rule, prm, outgoing, incoming
):
    decision = run(subject(the_rule), prm)
    assert ("voice" in decision.grants) == (outgoing or incoming)
    assert (decision.voice_outgoing, decision.voice_incoming) == (outgoing, incoming)


def test_voice_directions_combine_across_rules():
    decision = run(
        subject(rule(voice_outgoing=True), rule("group callers", voice_incoming=True)),
        params(),
    )
    assert decision.grants == ("voice",)
    assert (decision.voice_outgoing, decision.voice_incoming) == (True, True)


# -- rooms and how long -----------------------------------------------------

# (case, rules, superuser, room state, params, expected room, expected ttl)
ROOM_DECISIONS = [
    (
        "any_room_user_gets_an_unknown_room_locked",
        (ANY_ROOM,),
        False,
        UNKNOWN_ROOM,
        params(room=ROOM),
        ROOM,
        3600,
    ),
    (
        "any_room_user_gets_a_known_room_without_window",
        (ANY_ROOM,),
        False,
        known_room(),
        params(room=ROOM),
        ROOM,
        3600,
    ),
    (
        "any_room_user_ttl_is_not_cut_by_a_window",
        (ANY_ROOM,),
        False,
        known_room(window(-60, 600)),
        params(room=ROOM),
        ROOM,
        3600,
    ),
    (
        "any_room_user_without_room_gets_unlocked_video",
        (ANY_ROOM,),
        False,
        None,
        params(),
        None,
        3600,
    ),
    (
        "superuser_gets_an_unknown_room",
        (),
        True,
        UNKNOWN_ROOM,
        params(room=ROOM),
        ROOM,
        3600,
    ),
    (
        "superuser_gets_a_known_room_without_window",
        (),
        True,
        known_room(),
        params(room=ROOM),
        ROOM,
        3600,
    ),
    (
        "any_room_from_a_group_beats_a_personal_listed_rule",
        (LISTED_CHAT, rule("group hosts", video=VIDEO_ANY)),
        False,
        UNKNOWN_ROOM,
        params(room=ROOM),
        ROOM,
        3600,
    ),
    (
        "listed_user_at_the_exact_start_of_an_unbounded_window",
        (LISTED_CHAT,),
        False,
        known_room(window(0, None)),
        params(room=ROOM),
        ROOM,
        3600,
    ),
    (
        "listed_user_with_a_window_without_bounds",
        (LISTED_CHAT,),
        False,
        known_room(window()),
        params(room=ROOM),
        ROOM,
        3600,
    ),
    (
        "listed_user_ttl_is_cut_to_the_window_end",
        (LISTED_CHAT,),
        False,
        known_room(window(-60, 600)),
        params(room=ROOM),
        ROOM,
        600,
    ),
    (
        "a_window_ending_in_one_second_gives_a_one_second_token",
        (LISTED_CHAT,),
        False,
        known_room(window(-60, 1)),
        params(room=ROOM),
        ROOM,
        1,
    ),
    (
        "listed_user_ttl_is_cut_with_explicit_video",
        (LISTED_CHAT,),
        False,
        known_room(window(-60, 600)),
        params(grants={"video"}, room=ROOM, ttl=1800),
        ROOM,
        600,
    ),
    (
        "listed_user_shorter_requested_ttl_is_kept",
        (LISTED_CHAT,),
        False,
        known_room(window(-60, 600)),
        params(room=ROOM, ttl=300),
        ROOM,
        300,
    ),
    (
        "listed_user_unbounded_window_keeps_the_requested_ttl",
        (LISTED_CHAT,),
        False,
        known_room(window(-60, None)),
        params(room=ROOM, ttl=1800),
        ROOM,
        1800,
    ),
    (
        "latest_ending_open_window_wins",
        (LISTED_CHAT,),
        False,
        known_room(
            window(-60, 900),
            window(-7200, -1),  # over
            window(-60, 1200),
            window(60, 5000),  # not started
            window(-60, 300),
        ),
        params(room=ROOM),
        ROOM,
        1200,
    ),
    (
        "an_open_unbounded_window_beats_a_bounded_one",
        (LISTED_CHAT,),
        False,
        known_room(window(-60, 600), Window("group crew", at(-60), None)),
        params(room=ROOM),
        ROOM,
        3600,
    ),
]


@pytest.mark.parametrize(
    ("rules", "superuser", "room", "prm", "expected_room", "expected_ttl"),
    [case[1:] for case in ROOM_DECISIONS],
    ids=[case[0] for case in ROOM_DECISIONS],
)
def test_room_lock_and_ttl_follow_room_access(
    rules, superuser, room, prm, expected_room, expected_ttl
):
    decision = run(subject(*rules, room=room, superuser=superuser), prm)
    assert decision.room == expected_room
    assert "video" in decision.grants
    assert decision.ttl == expected_ttl
    assert decision.expires_at == NOW + timedelta(seconds=expected_ttl)


def test_window_end_cut_uses_the_time_passed_in():
    room = known_room(window(-60, 600))
    later = NOW + timedelta(seconds=400)
    decision = run(subject(LISTED_CHAT, room=room), params(room=ROOM), now=later)
    assert decision.ttl == 200
    assert decision.expires_at == NOW + timedelta(seconds=600)


# -- ttl bounds -------------------------------------------------------------

# (case, rules, limits, requested ttl, expected ttl)
TTL_ACCEPTED = [
    ("minimum", (CHAT_ONLY,), LIMITS, 180, 180),
    (
        "the_hard_maximum_of_24_hours",
        (everything(max_ttl=10**6),),
        LIMITS,
        86400,
        86400,
    ),
    ("server_maximum", (CHAT_ONLY,), LIMITS, 3600, 3600),
    (
        "rule_maximum_above_the_server_default",
        (rule(chat=True, max_ttl=7200),),
        LIMITS,
        7200,
        7200,
    ),
    (
        "default_is_server_default_under_the_maximum",
        (CHAT_ONLY,),
        Limits(default_ttl=900, default_max_ttl=3600),
        None,
        900,
    ),
    (
        "default_is_cut_to_the_server_maximum",
        (CHAT_ONLY,),
        Limits(default_ttl=3600, default_max_ttl=1200),
        None,
        1200,
    ),
    (
        "default_is_cut_to_the_rule_maximum",
        (rule(chat=True, max_ttl=600),),
        LIMITS,
        None,
        600,
    ),
    (
        "group_rule_maximum_lowers_the_default_when_it_is_the_only_one",
        (CHAT_ONLY, rule("group short", sync=True, max_ttl=600)),
        LIMITS,
        None,
        600,
    ),
    (
        "largest_rule_maximum_wins",
        (
            rule(chat=True, max_ttl=600),
            rule("group long", sync=True, max_ttl=7200),
            rule("group unset", chat=True),
        ),
        LIMITS,
        7200,
        7200,
    ),
    (
        "largest_maximum_does_not_raise_the_default",
        (rule(chat=True, max_ttl=7200),),
        LIMITS,
        None,
        3600,
    ),
]


@pytest.mark.parametrize(
    ("rules", "limits", "ttl", "expected"),
    [case[1:] for case in TTL_ACCEPTED],
    ids=[case[0] for case in TTL_ACCEPTED],
)
def test_ttl_within_bounds_is_granted(rules, limits, ttl, expected):
    decision = run(subject(*rules), params(ttl=ttl), limits=limits)
    assert decision.ttl == expected
    assert decision.expires_at == NOW + timedelta(seconds=expected)


# (case, rules, limits, requested ttl)
TTL_REFUSED = [
    ("below_minimum", (CHAT_ONLY,), LIMITS, 179),
    ("one", (CHAT_ONLY,), LIMITS, 1),
    ("above_server_maximum", (CHAT_ONLY,), LIMITS, 3601),
    (
        "above_rule_maximum",
        (CHAT_ONLY, rule("group short", sync=True, max_ttl=600)),
        LIMITS,
        601,
    ),
    (
        "above_the_largest_rule_maximum",
        (rule(chat=True, max_ttl=600), rule("group long", chat=True, max_ttl=7200)),
        LIMITS,
        7201,
    ),
    ("above_the_hard_maximum", (everything(max_ttl=10**6),), LIMITS, 86401),
]


@pytest.mark.parametrize(
    ("rules", "limits", "ttl"),
    [case[1:] for case in TTL_REFUSED],
    ids=[case[0] for case in TTL_REFUSED],
)
def test_ttl_out_of_bounds_is_an_invalid_ttl(rules, limits, ttl):
    refusal = refuse(subject(*rules), params(ttl=ttl), limits=limits)
    body = errors.error_body(refusal)
    assert (refusal.status_code, body["code"]) == (400, "invalid")
    assert list(body["fields"]) == ["ttl"]


def test_ttl_message_tells_the_users_own_maximum():
    refusal = refuse(subject(rule(chat=True, max_ttl=600)), params(ttl=601))
    assert refusal.fields == {"ttl": ["Ensure ttl is between 180 and 600 seconds."]}


# (case, permitted max_ttl, server default max, expected)
MAX_TTLS = [
    ("server_default_when_no_rule_sets_one", None, 3600, 3600),
    ("rule_value_below_the_default", 600, 3600, 600),
    ("rule_value_above_the_default", 7200, 3600, 7200),
    ("never_below_the_minimum", 60, 3600, 180),
    ("never_above_the_hard_maximum", 10**6, 3600, 86400),
    ("server_default_never_above_the_hard_maximum", None, 10**6, 86400),
]


@pytest.mark.parametrize(
    ("rule_max", "server_max", "expected"),
    [case[1:] for case in MAX_TTLS],
    ids=[case[0] for case in MAX_TTLS],
)
def test_max_ttl_is_the_rule_value_or_the_server_default_within_bounds(
    rule_max, server_max, expected
):
    permitted = Permitted(chat=True, max_ttl=rule_max)
    assert max_ttl(permitted, Limits(default_max_ttl=server_max)) == expected


# -- combine ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        pytest.param((), VIDEO_NONE, id="no_rules"),
        pytest.param((VIDEO_NONE,), VIDEO_NONE, id="none"),
        pytest.param((VIDEO_NONE, VIDEO_LISTED), VIDEO_LISTED, id="listed_beats_none"),
        pytest.param((VIDEO_LISTED, VIDEO_ANY), VIDEO_ANY, id="any_beats_listed"),
        pytest.param((VIDEO_ANY, VIDEO_LISTED), VIDEO_ANY, id="any_first"),
        pytest.param((VIDEO_ANY, VIDEO_NONE), VIDEO_ANY, id="any_beats_none"),
    ],
)
def test_combine_takes_the_most_generous_video_level(levels, expected):
    rules = tuple(rule(f"group g{n}", video=level) for n, level in enumerate(levels))
    assert combine(rules, is_superuser=False).video == expected


@pytest.mark.parametrize(
    ("ttls", "expected"),
    [
        pytest.param((None,), None, id="none_set"),
        pytest.param((600,), 600, id="one_set"),
        pytest.param((None, 600), 600, id="only_the_group_sets_one"),
        pytest.param((600, 7200, None), 7200, id="largest_wins"),
        pytest.param((7200, 600), 7200, id="largest_wins_in_any_order"),
    ],
)
def test_combine_takes_the_largest_max_ttl(ttls, expected):
    rules = tuple(
        rule(f"group g{n}", chat=True, max_ttl=ttl) for n, ttl in enumerate(ttls)
    )
    assert combine(rules, is_superuser=False).max_ttl == expected


def test_combine_names_the_sources_of_each_grant():
    permitted = combine(
        (
            rule("personal", video=VIDEO_LISTED, chat=True),
            rule("group staff", chat=True, sync=True, voice_incoming=True),
            rule("group empty"),
        ),
        is_superuser=False,
    )
    assert permitted.grants == {"video", "voice", "chat", "sync"}
    assert permitted.sources == {
        "video": ("personal",),
        "chat": ("personal", "group staff"),
        "sync": ("group staff",),
        "voice": ("group staff",),
    }


def test_combine_gives_a_superuser_every_grant_and_any_room():
    permitted = combine((rule(chat=True),), is_superuser=True)
    assert permitted.grants == {"video", "voice", "chat", "sync"}
    assert permitted.video == VIDEO_ANY
    assert (permitted.voice_outgoing, permitted.voice_incoming) == (True, True)
    assert "superuser" in permitted.sources["sync"]
    assert permitted.sources["chat"] == ("personal", "superuser")


def test_combine_without_rules_permits_nothing():
    permitted = combine((), is_superuser=False)
    assert permitted.grants == frozenset()
    assert permitted.sources == {}


# -- configured_grants ------------------------------------------------------

ALL_PERMITTED = combine((everything(),), is_superuser=False)

# (case, permitted, capabilities, expected)
CONFIGURED = [
    ("full_settings", ALL_PERMITTED, FULL, {"video", "voice", "chat", "sync"}),
    (
        "missing_core_credentials_configure_nothing",
        ALL_PERMITTED,
        Capabilities(missing_core=("TWILIO_API_SECRET",)),
        set(),
    ),
    ("no_conversations_service", ALL_PERMITTED, NO_CHAT, {"video", "voice", "sync"}),
    ("no_sync_service", ALL_PERMITTED, NO_SYNC, {"video", "voice", "chat"}),
    ("no_twiml_app_with_outgoing", ALL_PERMITTED, NO_TWIML, {"video", "chat", "sync"}),
    (
        "no_twiml_app_with_incoming_only",
        Permitted(voice_incoming=True),
        NO_TWIML,
        {"voice"},
    ),
    ("only_what_is_permitted", Permitted(chat=True), FULL, {"chat"}),
    ("nothing_permitted", Permitted(), FULL, set()),
]


@pytest.mark.parametrize(
    ("permitted", "caps", "expected"),
    [case[1:] for case in CONFIGURED],
    ids=[case[0] for case in CONFIGURED],
)
def test_configured_grants_are_permitted_grants_the_server_can_sign(
    permitted, caps, expected
):
    assert configured_grants(permitted, caps) == expected


# -- windows ----------------------------------------------------------------

# (case, window, open at NOW)
WINDOWS = [
    ("unbounded", window(), True),
    ("started_now_no_end", window(0, None), True),
    ("starts_in_a_second", window(1, None), False),
    ("ends_in_a_second", window(None, 1), True),
    ("ends_now", window(-60, 0), False),
    ("ended_a_second_ago", window(-60, -1), False),
    ("current", window(-60, 60), True),
]


@pytest.mark.parametrize(
    ("the_window", "expected"),
    [case[1:] for case in WINDOWS],
    ids=[case[0] for case in WINDOWS],
)
def test_window_is_open_from_its_start_until_just_before_its_end(the_window, expected):
    assert the_window.is_open(NOW) is expected


@pytest.mark.parametrize("default_ttl", [0, 60, 179])
def test_a_default_ttl_set_below_the_minimum_still_gives_a_valid_token(default_ttl):
    limits = Limits(default_ttl=default_ttl, default_max_ttl=3600)
    decision = run(subject(rule(chat=True)), params(), limits=limits)
    assert decision.ttl == 180


@pytest.mark.parametrize(
    ("room", "decided_room", "grants", "expected"),
    [
        (RoomState(name=ROOM, known=True, active=True), ROOM, ("video",), True),
        (RoomState(name=ROOM, known=True, live=True), ROOM, ("video",), False),
        (UNKNOWN_ROOM, ROOM, ("video",), False),
        (None, None, ("video",), False),
        (RoomState(name=ROOM, known=True), None, ("chat",), False),
    ],
    ids=["managed-not-live", "known-live", "unmanaged", "no-room", "no-video"],
)
def test_only_a_managed_room_not_known_live_must_be_made_live_first(
    room, decided_room, grants, expected
):
    subject = Subject(identity="alice", room=room)
    decision = Decision(grants=grants, ttl=600, expires_at=NOW, room=decided_room)

    assert needs_live_room(subject, decision) is expected
