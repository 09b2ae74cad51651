"""The admin's own pages at desktop width: the index and the audit log.

Screenshots go where test_browser.py puts them, for a person to look at.
"""

import os

import pytest

from tests.browser.conftest import DESKTOP, chromium_missing_reason
from tests.conftest import PASSWORD
from tokens.models import TokenEvent, User

_missing = chromium_missing_reason()
if _missing:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {_missing}", pytrace=False)
    pytest.skip(_missing, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from tests.browser.test_browser import SCREENSHOTS, log_in_to_admin  # noqa: E402


@pytest.fixture
def root(transactional_db):
    return User.objects.create_superuser("root", password=PASSWORD)


def box(page, selector: str) -> dict:
    locator = page.locator(selector)
    expect(locator).to_be_visible()
    return locator.bounding_box()


def test_admin_index_shows_the_configuration_link_beside_the_apps_above_recent_actions(
    new_page, root
):
    page = new_page(DESKTOP)
    log_in_to_admin(page, "root")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "admin-index-desktop.png", full_page=True)

    main = box(page, "#content-main")
    related = box(page, "#content-related")
    links = box(page, "#tokenserver-links")
    recent = box(page, "#recent-actions-module")

    # Django's two columns: the apps on the left, recent actions on the right,
    # both starting at the top; the link sits in one of them, not below both.
    assert related["x"] >= main["x"] + main["width"] - 1
    assert abs(recent["y"] - main["y"]) < 40
    inside = [
        column
        for column in (main, related)
        if column["x"] <= links["x"]
        and links["x"] + links["width"] <= column["x"] + column["width"] + 1
        and column["y"] <= links["y"]
        and links["y"] + links["height"] <= column["y"] + column["height"] + 1
    ]
    assert inside, (links, main, related)
    # Each module's blue caption is one line high: no empty bands between them.
    heights = {
        round(caption.bounding_box()["height"])
        for caption in page.locator("#content-main caption").all()
    }
    assert len(heights) == 1, heights
    expect(page.get_by_role("link", name="Twilio configuration")).to_be_visible()


def long_events() -> None:
    """Audit rows as long as the fields allow: what wide columns come from."""
    TokenEvent.objects.create(
        identity="i" * 121,
        outcome="grant_not_configured",
        grants="video,voice,chat,sync",
        room="r" * 128,
        device="d" * 64,
        ttl=86400,
        client_ip="2001:db8:85a3:1234:5678:8a2e:370:7334",
    )
    TokenEvent.objects.create(
        identity="alice", outcome="issued", grants="chat", room="standup", ttl=3600
    )


@pytest.mark.parametrize("column", ["identity", "room", "device", "ttl", "client_ip"])
def test_audit_log_shows_every_column_within_the_screen_at_desktop_width(
    new_page, root, column
):
    long_events()
    page = new_page(DESKTOP)
    log_in_to_admin(page, "root")
    page.goto("/admin/tokens/tokenevent/")
    page.screenshot(path=SCREENSHOTS / "admin-audit-desktop.png", full_page=True)

    header = box(page, f"#result_list th.column-{column}")
    results = box(page, ".results")
    assert header["x"] + header["width"] <= DESKTOP["width"]
    assert header["x"] + header["width"] <= results["x"] + results["width"] + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    for cell in page.locator(f"#result_list td.field-{column}").all():
        edge = cell.bounding_box()
        assert edge["x"] + edge["width"] <= results["x"] + results["width"] + 1


def test_audit_log_clipped_room_shows_its_whole_name_on_hover(new_page, root):
    long_events()
    page = new_page(DESKTOP)
    log_in_to_admin(page, "root")
    page.goto("/admin/tokens/tokenevent/")

    clipped = page.locator("#result_list td.field-room .clip").filter(has_text="rrr")

    expect(clipped).to_have_attribute("title", "r" * 128)
    assert clipped.bounding_box()["width"] < 200
