"""The audit log at scale: exact search, estimated count, bounded queries, prune."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tokens.admin import audit_counts
from tokens.admin.audit_counts import EstimatedCountPaginator
from tokens.models import TokenEvent

AUDIT = "/admin/tokens/tokenevent/"
HASH = "ab" * 32


def events(n, identity="ada", room="lobby", at=None, **fields):
    at = at or datetime(2026, 6, 1, tzinfo=UTC)
    TokenEvent.objects.bulk_create(
        TokenEvent(
            identity=identity,
            room=room,
            outcome=TokenEvent.ISSUED,
            created_at=at + timedelta(minutes=i),
            **fields,
        )
        for i in range(n)
    )


def listed(response) -> int:
    return len(response.context["cl"].result_list)


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("ada", 2),
        ("lobby", 3),
        ("ad", 0),
        ("ADA", 0),
        ("lob", 0),
        (HASH, 1),
        (HASH.upper(), 1),
        (HASH[:20], 0),
    ],
)
def test_search_matches_an_identity_room_or_jwt_hash_exactly(staff, term, found):
    events(2, identity="ada", room="lobby")
    events(1, identity="bob", room="lobby", jwt_sha256=HASH)
    events(1, identity="cy", room="hall")
    response = staff.get(AUDIT, {"q": term})
    assert response.status_code == 200
    assert listed(response) == found


def test_the_search_box_says_what_it_matches(staff):
    assert "exactly the text" in staff.get(AUDIT).content.decode()


def test_a_short_list_is_counted_exactly(db):
    events(7)
    with CaptureQueriesContext(connection) as captured:
        assert EstimatedCountPaginator(TokenEvent.objects.all(), 100).count == 7
    assert any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's estimate")
def test_a_long_list_is_counted_by_the_planners_estimate(db, monkeypatch):
    events(300)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tokens_tokenevent")
    monkeypatch.setattr(audit_counts, "EXACT_BELOW", 100)
    with CaptureQueriesContext(connection) as captured:
        count = EstimatedCountPaginator(TokenEvent.objects.all(), 100).count
    assert 200 <= count <= 400
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"outcome": "issued"},
        {"grant": "video"},
        {"q": "ada"},
        {"created_at__year": "2026"},
    ],
)
def test_queries_a_page_do_not_grow_with_the_log(
    staff, django_assert_max_num_queries, query
):
    events(5)
    with CaptureQueriesContext(connection) as few:
        staff.get(AUDIT, query)
    events(400, at=datetime(2025, 1, 1, tzinfo=UTC))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert staff.get(AUDIT, query).status_code == 200


def test_csv_export_streams_the_filtered_rows(staff):
    events(3, identity="ada")
    events(2, identity="bob")
    response = staff.get(f"{AUDIT}export.csv", {"q": "bob"})
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 3
    assert {row[rows[0].index("identity")] for row in rows[1:]} == {"bob"}


def test_prune_deletes_exactly_the_old_rows_in_batches(db):
    now = datetime.now(UTC)
    events(25, identity="old", at=now - timedelta(days=200))
    events(5, identity="new", at=now - timedelta(days=1))
    with CaptureQueriesContext(connection) as captured:
        call_command(
            "prune_audit", "--older-than", "90d", "--batch", "10", stdout=io.StringIO()
        )
    assert set(TokenEvent.objects.values_list("identity", flat=True)) == {"new"}
    assert TokenEvent.objects.count() == 5
    deletes = [
        q
        for q in captured.captured_queries
        if q["sql"].startswith('DELETE FROM "tokens_tokenevent"')
    ]
    assert len(deletes) == 3


def test_prune_refuses_a_batch_of_zero(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--batch"):
        call_command("prune_audit", "--batch", "0", stdout=io.StringIO())
