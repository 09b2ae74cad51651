"""The audit log's date drill-down (tokens/templatetags/audit_admin.py)."""

import re
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tokens.models import TokenEvent
from tokens.templatetags.audit_admin import periods

AUDIT = "/admin/tokens/tokenevent/"


def event_at(year, month, day, identity="ev"):
    return TokenEvent.objects.create(
        identity=identity,
        outcome=TokenEvent.ISSUED,
        created_at=datetime(year, month, day, 12, tzinfo=UTC),
    )


def hierarchy_links(html: str) -> list[tuple[str, str]]:
    nav = re.search(r'<nav class="toplinks">(.*?)</nav>', html, re.S)
    assert nav, "no date hierarchy on the page"
    return [
        (href.replace("&amp;", "&"), title)
        for href, title in re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', nav[1])
    ]


@pytest.mark.parametrize(
    ("first", "last", "kind", "expected"),
    [
        (
            date(2025, 11, 3),
            date(2026, 2, 1),
            "month",
            ["2025-11", "2025-12", "2026-01", "2026-02"],
        ),
        (date(2024, 5, 5), date(2026, 1, 1), "year", ["2024", "2025", "2026"]),
        (
            date(2026, 2, 27),
            date(2026, 3, 2),
            "day",
            ["02-27", "02-28", "03-01", "03-02"],
        ),
        (date(2026, 7, 4), date(2026, 7, 4), "day", ["07-04"]),
    ],
)
def test_periods_cover_first_to_last(first, last, kind, expected):
    found = periods(first, last, kind)

    shown = {"year": "%Y", "month": "%Y-%m", "day": "%m-%d"}[kind]
    assert [day.strftime(shown) for day in found] == expected


def test_years_link_to_each_year_between_the_first_and_last_event(staff):
    event_at(2024, 3, 1)
    event_at(2026, 5, 1)

    links = hierarchy_links(staff.get(AUDIT).content.decode())

    assert links == [
        (f"?created_at__year={year}", str(year)) for year in (2024, 2025, 2026)
    ]


def test_month_drill_down_lists_its_days_and_only_that_months_rows(staff):
    event_at(2026, 3, 30, "march")
    event_at(2026, 4, 2, "april-2")
    event_at(2026, 4, 4, "april-4")

    page = staff.get(AUDIT, {"created_at__year": 2026, "created_at__month": 4})
    html = page.content.decode()

    days = [title for href, title in hierarchy_links(html) if "__day=" in href]
    assert days == ["April 2", "April 3", "April 4"]
    assert set(re.findall(r'class="field-identity"><span[^>]*>([^<]*)<', html)) == {
        "april-2",
        "april-4",
    }


def test_the_hierarchy_follows_filters_and_search(staff):
    event_at(2025, 6, 1, "alice")
    event_at(2026, 6, 1, "bob")

    everyone = hierarchy_links(staff.get(AUDIT).content.decode())
    bob = hierarchy_links(staff.get(AUDIT, {"q": "bob"}).content.decode())

    assert [title for _, title in everyone] == ["2025", "2026"]
    # Bob's rows are all in one month: Django's tag starts at its days.
    assert [title for href, title in bob if "__day=" in href] == ["June 1"]


def test_an_empty_log_shows_no_periods(staff):
    assert hierarchy_links(staff.get(AUDIT).content.decode()) == []


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"created_at__year": 2026},
        {"created_at__year": 2026, "created_at__month": 4},
    ],
)
def test_no_level_of_the_hierarchy_scans_the_log_for_distinct_dates(staff, params):
    for day in (1, 15, 28):
        event_at(2026, 4, day)
    event_at(2025, 12, 31)

    with CaptureQueriesContext(connection) as queries:
        assert staff.get(AUDIT, params).status_code == 200

    assert not [q["sql"] for q in queries if "DISTINCT" in q["sql"].upper()]
    assert len([q for q in queries if "MIN(" in q["sql"].upper()]) == 1


def test_periods_split_at_local_midnight_in_the_sites_time_zone(staff, settings):
    settings.TIME_ZONE = "Pacific/Auckland"  # UTC+13 in December
    # 2025-12-31 11:30 UTC is 2026-01-01 00:30 in Auckland: the new year.
    TokenEvent.objects.create(
        identity="new-year",
        outcome=TokenEvent.ISSUED,
        created_at=datetime(2025, 12, 31, 11, 30, tzinfo=UTC),
    )
    TokenEvent.objects.create(
        identity="new-year-3",
        outcome=TokenEvent.ISSUED,
        created_at=datetime(2026, 1, 3, 1, 0, tzinfo=UTC),
    )

    links = hierarchy_links(staff.get(AUDIT).content.decode())

    # Both rows are in Auckland's January 2026: the tag starts at its days.
    days = [title for href, title in links if "__day=" in href]
    assert days == ["January 1", "January 2", "January 3"]
    assert all("created_at__year=2026" in href for href, _ in links if "__day=" in href)
