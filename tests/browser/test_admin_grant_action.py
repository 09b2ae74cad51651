"""Staff change the grants of several users at once, in a real browser."""

import os

import pytest
from django.contrib.admin.models import LogEntry

from tests.browser.conftest import DESKTOP, chromium_missing_reason
from tests.conftest import PASSWORD
from tokens.models import GrantRule, User

_missing = chromium_missing_reason()
if _missing:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {_missing}", pytrace=False)
    pytest.skip(_missing, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from tests.browser.test_browser import (  # noqa: E402
    SCREENSHOTS,
    log_in,
    log_in_to_admin,
    row_of,
)


@pytest.fixture
def root(transactional_db):
    return User.objects.create_superuser("root", password=PASSWORD)


def test_staff_gives_two_users_sync_and_a_lifetime_after_reviewing_the_changes(
    new_page, root, alice, bob
):
    staff = new_page(DESKTOP)
    log_in_to_admin(staff, "root")
    staff.goto("/admin/tokens/user/")
    for user in (alice, bob):
        staff.locator(f"input[name=_selected_action][value='{user.pk}']").check()
    staff.locator("select[name=action]").select_option(
        label="Set or clear grants and the maximum lifetime…"
    )
    staff.get_by_role("button", name="Go").click()
    staff.get_by_label("sync").select_option(label="give")
    staff.get_by_label("maximum token lifetime (seconds)").select_option(
        label="set to the seconds below"
    )
    staff.get_by_role("spinbutton", name="Seconds").fill("3600")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    staff.screenshot(path=SCREENSHOTS / "admin-grant-form-desktop.png")
    staff.get_by_role("button", name="Change grants").click()

    expect(staff.get_by_role("heading", name="Confirm grant changes")).to_be_visible()
    expect(row_of(staff, "alice")).to_contain_text("sync: no → yes")
    expect(row_of(staff, "bob")).to_contain_text("new grant rule")
    expect(row_of(staff, "bob")).to_contain_text("server default → 3600 s")
    staff.screenshot(path=SCREENSHOTS / "admin-grant-review-desktop.png")
    assert not GrantRule.objects.filter(user=bob).exists()
    expect(staff.get_by_role("link", name="Cancel, change nothing")).to_have_attribute(
        "href", "/admin/tokens/user/"
    )

    staff.get_by_role("button", name="Apply these changes").click()

    expect(staff.locator(".messagelist")).to_contain_text(
        "Changed the grants of 2 user(s)."
    )
    assert GrantRule.objects.get(user=bob).sync
    assert GrantRule.objects.get(user=alice).max_ttl == 3600
    assert LogEntry.objects.count() == 2
    page = new_page(DESKTOP)
    log_in(page, "bob")
    expect(row_of(page, "sync")).to_contain_text("personal")
