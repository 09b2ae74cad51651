"""What people see and do in a real browser: log in, read access, get a token.

Runs Debian's Chromium (/usr/bin/chromium) with Playwright against live_server.
Without Chromium the module is skipped, unless REQUIRE_BROWSER=1 (CI): then it
fails.
"""

import json
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from tests.browser.conftest import DESKTOP, PHONE, chromium_missing_reason
from tests.conftest import PASSWORD, decode
from tokens.models import ApiToken, GrantRule, Room, RoomAccess, TokenEvent, User

_missing = chromium_missing_reason()
if _missing:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {_missing}", pytrace=False)
    pytest.skip(_missing, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

# Who gets which token: rooms are not followed on Twilio here.
pytestmark = pytest.mark.usefixtures("rooms_not_enforced")

# Screenshots for review go to test-results/screenshots (not tracked);
# SCREENSHOT_DIR=docs/screenshots refreshes the ones the README shows.
SCREENSHOTS = Path(
    os.environ.get(
        "SCREENSHOT_DIR",
        Path(__file__).resolve().parents[2] / "test-results" / "screenshots",
    )
)


# --- helpers -----------------------------------------------------------------


def log_in(
    page,
    username: str,
    password: str = PASSWORD,
    *,
    at: str = "/accounts/login/",
    landing: str = "My access",
) -> None:
    """Fill in the login form `at` gives and see the `landing` heading."""
    page.goto(at)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=landing)).to_be_visible()


def log_in_to_admin(page, username: str, password: str = PASSWORD) -> None:
    log_in(page, username, password, at="/admin/", landing="Site administration")


def row_of(page, text: str):
    """The table row that contains `text`."""
    return page.locator("tr").filter(has_text=text)


def seconds_left(countdown: str) -> int:
    """'4m 05s' -> 245."""
    match = re.fullmatch(r"(\d+)m (\d\d)s", countdown)
    assert match, f"not a countdown: {countdown!r}"
    return int(match[1]) * 60 + int(match[2])


def ask_for_token(page, room: str):
    """Pick `room` on Get a token, submit, and return the /token response."""
    page.get_by_label("Room").select_option(room)
    with page.expect_response("**/token") as answer:
        page.get_by_role("button", name="Get a token").click()
    return answer.value


def shown_token(page) -> tuple[str, dict, dict]:
    """The JWT on the page, verified with the test secret: JWT, header, claims."""
    jwt = page.locator("#token-jwt")
    expect(jwt).to_be_visible()
    token = jwt.inner_text().strip()
    header, claims = decode(token)
    return token, header, claims


# --- fixtures ----------------------------------------------------------------


@pytest.fixture
def alice_rooms(alice):
    """alice: 'standup' open for two hours, 'workshop' opening tomorrow."""
    now = timezone.now()
    standup = Room.objects.create(name="standup", display_name="Daily stand-up")
    workshop = Room.objects.create(name="workshop", display_name="Workshop")
    RoomAccess.objects.create(
        room=standup, user=alice, ends_at=now + timedelta(hours=2)
    )
    RoomAccess.objects.create(
        room=workshop,
        user=alice,
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=2),
    )
    return standup, workshop


@pytest.fixture
def root(transactional_db):
    return User.objects.create_superuser("root", password=PASSWORD)


# --- logging in and My access ------------------------------------------------


def test_user_logs_in_and_sees_her_identity_grants_and_rooms_with_states(
    new_page, alice_rooms
):
    page = new_page()

    log_in(page, "alice")

    assert page.url.endswith("/")
    expect(page.locator("main code").first).to_have_text("alice")
    expect(page.get_by_text("Your Twilio identity: alice")).to_be_visible()
    video = row_of(page, "video")
    expect(video).to_contain_text("listed rooms only")
    expect(video).to_contain_text("personal")
    expect(row_of(page, "chat")).to_contain_text("personal")
    standup = row_of(page, "standup")
    expect(standup).to_contain_text("Daily stand-up")
    expect(standup.locator(".badge")).to_have_text("open")
    workshop = row_of(page, "workshop")
    expect(workshop.locator(".badge")).to_have_text("upcoming")
    expect(page.get_by_role("banner")).to_contain_text("alice")


def test_wrong_password_keeps_the_user_on_the_login_page_with_an_error(new_page, alice):
    page = new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not her password")

    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_contain_text("correct username")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert "/accounts/login/" in page.url


# --- getting a token ---------------------------------------------------------


def test_user_gets_a_token_for_an_open_room_and_sees_it_decoded_and_counting_down(
    new_page, alice_rooms
):
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    log_in(page, "alice")
    page.get_by_role("link", name="Get a token").click()
    offered = page.get_by_label("Room").locator("option")
    # Only rooms open now are offered: 'workshop' opens tomorrow.
    expect(offered).to_have_count(2)
    expect(offered.nth(1)).to_have_attribute("value", "standup")

    answer = ask_for_token(page, "standup")

    assert answer.status == 200
    token, header, claims = shown_token(page)
    assert header["cty"] == "twilio-fpa;v=1"
    assert claims["grants"]["identity"] == "alice"
    assert claims["grants"]["video"] == {"room": "standup"}
    assert (
        claims["grants"]["chat"]["service_sid"]
        == (settings.TWILIO["TWILIO_CONVERSATIONS_SERVICE_SID"][1])
    )
    assert json.loads(page.locator("#token-header").inner_text()) == header
    assert json.loads(page.locator("#token-claims").inner_text()) == claims
    ttl = claims["exp"] - claims["nbf"]

    first = seconds_left(page.locator("#token-countdown").inner_text())
    page.wait_for_timeout(1500)
    second = seconds_left(page.locator("#token-countdown").inner_text())
    assert ttl - 5 <= first <= ttl
    assert 1 <= first - second <= 3

    page.get_by_role("button", name="Copy token").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == token
    issued = TokenEvent.objects.get()
    assert (issued.outcome, issued.room, issued.identity) == (
        "issued",
        "standup",
        "alice",
    )


def test_room_closed_after_the_page_loaded_shows_the_servers_refusal(
    new_page, alice_rooms
):
    standup, _ = alice_rooms
    page = new_page()
    log_in(page, "alice")
    page.goto("/get-token/")
    expect(page.get_by_label("Room").locator("option[value=standup]")).to_have_count(1)
    # Staff end her access while the page is open.
    RoomAccess.objects.filter(room=standup).update(ends_at=timezone.now())

    answer = ask_for_token(page, "standup")

    assert answer.status == 403
    body = answer.json()
    assert body["code"] == "room_not_permitted"
    assert "token" not in body
    error = page.locator("#token-error")
    expect(error).to_be_visible()
    expect(error).to_have_text("You may not join this room now.")
    expect(page.locator("#token-result")).to_be_hidden()
    assert list(TokenEvent.objects.values_list("outcome", flat=True)) == [
        "room_not_permitted"
    ]


def test_listed_rooms_user_without_a_room_gets_a_token_without_video(
    new_page, alice_rooms
):
    # The room list's first option says "no room (video left out)": video
    # checked with no room would be refused (room_required).
    page = new_page()
    log_in(page, "alice")
    page.goto("/get-token/")
    expect(page.get_by_label("video")).to_be_checked()

    answer = ask_for_token(page, "")

    assert answer.status == 200
    _, _, claims = shown_token(page)
    assert set(claims["grants"]) == {"identity", "chat"}
    assert answer.json()["grants"] == ["chat"]


def test_no_grant_checked_asks_for_one_instead_of_getting_every_grant(
    new_page, alice_rooms
):
    # Sent without `grants`, /token gives every default grant.
    page = new_page()
    log_in(page, "alice")
    page.goto("/get-token/")
    page.get_by_label("Room").select_option("standup")
    for grant in ("video", "chat"):
        page.get_by_label(grant).uncheck()

    page.get_by_role("button", name="Get a token").click()

    expect(page.locator("#token-error")).to_have_text("Choose at least one grant.")
    expect(page.locator("#token-result")).to_be_hidden()
    assert not TokenEvent.objects.exists()


def test_any_room_user_typing_an_inactive_room_sees_the_servers_refusal(
    new_page, transactional_db
):
    dana = User.objects.create_user("dana", password=PASSWORD)
    GrantRule.objects.create(user=dana, video="any")
    Room.objects.create(name="closed", active=False)
    page = new_page()
    log_in(page, "dana")
    page.goto("/get-token/")
    page.get_by_label("Room").fill("closed")

    with page.expect_response("**/token") as answer:
        page.get_by_role("button", name="Get a token").click()

    assert answer.value.status == 403
    body = answer.value.json()
    assert body["code"] == "room_not_permitted"
    assert "token" not in body
    expect(page.locator("#token-error")).to_have_text("You may not join this room now.")
    expect(page.locator("#token-jwt")).to_be_hidden()
    assert list(TokenEvent.objects.values_list("outcome", flat=True)) == [
        "room_not_permitted"
    ]


# --- API sessions ------------------------------------------------------------


def test_user_revokes_one_api_session_then_all_and_their_tokens_stop_working(
    new_page, alice
):
    _, iphone = ApiToken.objects.create(user=alice, device="iphone")
    _, ipad = ApiToken.objects.create(user=alice, device="ipad")
    page = new_page()
    log_in(page, "alice")
    expect(row_of(page, "iphone")).to_have_count(1)
    expect(row_of(page, "ipad")).to_have_count(1)

    row_of(page, "iphone").get_by_role("button", name="Revoke").click()

    expect(page.get_by_role("status")).to_have_text("The API session is revoked.")
    expect(row_of(page, "iphone")).to_have_count(0)
    expect(row_of(page, "ipad")).to_have_count(1)
    assert token_status(iphone) == 401
    assert token_status(ipad) == 200

    page.get_by_role("button", name="Revoke all API sessions").click()

    expect(page.get_by_role("status")).to_have_text("1 API session(s) revoked.")
    expect(page.get_by_text("No active API sessions.")).to_be_visible()
    assert token_status(ipad) == 401
    assert not ApiToken.objects.filter(user=alice).exists()


def token_status(api_token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token}")
    return client.post("/token").status_code


# --- staff -------------------------------------------------------------------


def test_staff_gives_a_user_a_room_in_the_admin_and_the_user_gets_a_token_for_it(
    new_page, root, bob
):
    GrantRule.objects.create(user=bob, video="listed")
    Room.objects.create(name="standup", display_name="Daily stand-up")
    staff = new_page()
    log_in_to_admin(staff, "root")
    staff.get_by_role("link", name="Users").first.click()
    staff.locator(f"input[name=_selected_action][value='{bob.pk}']").check()
    staff.locator("select[name=action]").select_option(
        label="Give access to a room for a time window…"
    )
    staff.get_by_role("button", name="Go").click()
    expect(staff.get_by_role("heading", name="Give room access").first).to_be_visible()
    staff.get_by_label("Room").select_option(label="Daily stand-up")
    ends = timezone.localtime() + timedelta(hours=3)
    staff.get_by_label("Ends at").fill(ends.strftime("%Y-%m-%dT%H:%M"))

    staff.get_by_role("button", name="Give room access").click()

    expect(staff.locator(".messagelist")).to_contain_text(
        "Gave 1 user(s) access to Daily stand-up."
    )
    access = RoomAccess.objects.get(user=bob)
    assert access.starts_at is None
    assert access.ends_at > timezone.now() + timedelta(hours=2)

    page = new_page()
    log_in(page, "bob")
    expect(row_of(page, "standup").locator(".badge")).to_have_text("open")
    page.goto("/get-token/")
    answer = ask_for_token(page, "standup")

    assert answer.status == 200
    _, _, claims = shown_token(page)
    assert claims["grants"]["identity"] == "bob"
    assert claims["grants"]["video"] == {"room": "standup"}


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/admin/tokens/user/{pk}/access/", "Effective access of alice"),
        ("/admin/configuration/", "Twilio configuration"),
    ],
)
def test_staff_pages_show_their_title_once(new_page, root, alice, path, title):
    staff = new_page()
    log_in_to_admin(staff, "root")

    staff.goto(path.format(pk=alice.pk))

    expect(staff.locator("#content")).to_contain_text(title)
    assert staff.get_by_role("heading", name=title, exact=True).count() == 1


def test_room_access_action_page_shows_its_title_once(new_page, root, bob):
    Room.objects.create(name="standup")
    staff = new_page()
    log_in_to_admin(staff, "root")
    staff.goto("/admin/tokens/user/")
    staff.locator(f"input[name=_selected_action][value='{bob.pk}']").check()
    staff.locator("select[name=action]").select_option("grant_room_access")

    staff.get_by_role("button", name="Go").click()

    expect(staff.get_by_label("Room")).to_be_visible()
    heading = staff.get_by_role("heading", name="Give room access", exact=True)
    assert heading.count() == 1


# --- screenshots -------------------------------------------------------------

STYLED = """() => {
  const links = [...document.querySelectorAll('link[rel=stylesheet]')];
  return links.length > 0 && links.every(l => l.sheet && l.sheet.cssRules.length > 0);
}"""


def layout_problems(page, viewport: dict) -> list[str]:
    """What a person would see broken: unstyled page, or wider than the screen."""
    problems = []
    if not page.evaluate(STYLED):
        problems.append(f"{page.url}: a stylesheet did not load")
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > viewport["width"]:
        problems.append(f"{page.url}: {width}px wide on a {viewport['width']}px screen")
    return problems


class Camera:
    """Saves docs/screenshots/<name>-<size>.png and notes layout problems."""

    def __init__(self, size: str, viewport: dict) -> None:
        self.size, self.viewport = size, viewport
        self.problems: list[str] = []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shoot(self, page, name: str) -> None:
        page.screenshot(path=SCREENSHOTS / f"{name}-{self.size}.png", full_page=True)
        self.problems += layout_problems(page, self.viewport)


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_every_page_renders_styled_and_fits_the_screen(
    new_page, alice, alice_rooms, root, size, viewport
):
    ApiToken.objects.create(user=alice, device="iphone")
    camera = Camera(size, viewport)
    failed = []
    page = new_page(viewport)
    page.on("response", lambda r: r.status >= 400 and failed.append(r.url))
    page.goto("/accounts/login/")
    camera.shoot(page, "login")
    log_in(page, "alice")
    camera.shoot(page, "my-access")

    page.goto("/get-token/")
    ask_for_token(page, "standup")
    shown_token(page)
    camera.shoot(page, "get-token")

    staff = new_page(viewport)
    staff.on("response", lambda r: r.status >= 400 and failed.append(r.url))
    log_in_to_admin(staff, "root")
    staff.goto(f"/admin/tokens/user/{alice.pk}/access/")
    expect(staff.locator("#content")).to_contain_text("Daily stand-up")
    camera.shoot(staff, "admin-access")
    staff.goto("/admin/configuration/")
    expect(staff.locator("#content")).to_contain_text("TWILIO_ACCOUNT_SID")
    camera.shoot(staff, "admin-configuration")

    page.goto("/get-token/")
    RoomAccess.objects.filter(room__name="standup").update(ends_at=timezone.now())
    ask_for_token(page, "standup")
    expect(page.locator("#token-error")).to_be_visible()
    camera.shoot(page, "refusal")

    assert [url for url in failed if "/static/" in url] == []
    assert camera.problems == []
