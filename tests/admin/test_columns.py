"""The audit log's clipped columns: whole value in the title, sortable, escaped."""

from datetime import UTC, datetime

from tests.helpers import html_of
from tokens.models import TokenEvent

AUDIT = "/admin/tokens/tokenevent/"


def test_audit_log_keeps_the_whole_room_in_the_title_of_its_clipped_cell(staff):
    TokenEvent.objects.create(identity="alice", outcome="issued", room="r" * 128)

    html = html_of(staff.get(AUDIT))

    assert f'<span class="clip" title="{"r" * 128}">{"r" * 128}</span>' in html


def test_audit_log_clipped_columns_still_sort_by_their_field(staff):
    TokenEvent.objects.create(identity="bee", outcome="issued", room="b")
    TokenEvent.objects.create(identity="ant", outcome="issued", room="a")
    TokenEvent.objects.create(identity="cat", outcome="issued", room="c")
    room_column = 4  # created_at, identity, outcome, grants, room

    html = html_of(staff.get(AUDIT, {"o": str(room_column)}))

    assert html.index(">ant<") < html.index(">bee<") < html.index(">cat<")
    assert 'class="sortable column-room sorted ascending"' in html


def test_audit_log_escapes_what_a_client_sent_as_its_device(staff):
    TokenEvent.objects.create(identity="alice", outcome="invalid", device='"><b>x')

    html = html_of(staff.get(AUDIT))

    assert "<b>x" not in html
    assert 'title="&quot;&gt;&lt;b&gt;x"' in html


def test_audit_log_shows_a_dash_for_a_missing_address_or_room(staff):
    TokenEvent.objects.create(identity="alice", outcome="issued")

    html = html_of(staff.get(AUDIT))

    assert '<td class="field-client_ip">-</td>' in html
    assert '<td class="field-room">-</td>' in html


def test_audit_log_times_are_one_width_whatever_the_month_or_hour(staff):
    wide = datetime(2026, 9, 30, 10, 59, 58, tzinfo=UTC)  # "Sept. 30, ... a.m."
    narrow = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)  # "May 1, 2026, 1 a.m."
    for at in (wide, narrow):
        TokenEvent.objects.create(identity="alice", outcome="issued", created_at=at)

    html = html_of(staff.get(AUDIT))

    assert "2026-09-30 10:59:58" in html
    assert "2026-05-01 01:00:00" in html
    assert 'class="sortable column-created' in html  # still sorts by time
