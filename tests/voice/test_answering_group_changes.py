"""Changing the answering group is in the admin's log (who, from what to
what), and two staff adding the one row at once both succeed."""

import threading

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models.signals import pre_save

from tests.conftest import logged_in
from tokens.admin.calls import answering_change
from tokens.models import User
from tokens.voice.models import IncomingCalls

PAGE = "/admin/tokens/incomingcalls/"
EDIT = f"{PAGE}1/change/"
ADD = f"{PAGE}add/"


@pytest.fixture
def support(db):
    return Group.objects.create(name="support")


def only_entry() -> LogEntry:
    (entry,) = LogEntry.objects.filter(object_id="1")
    return entry


def test_choosing_a_group_logs_who_chose_which(staff, root, support):
    assert staff.post(ADD, {"group": support.pk}).status_code == 302

    entry = only_entry()
    assert entry.user == root
    assert entry.action_flag == ADDITION
    assert entry.get_change_message() == (
        "Answering group changed from none (TWILIO_INCOMING_CALL_GROUP) to “support”."
    )


def test_changing_the_group_logs_from_what_to_what(staff, root, support):
    desk = Group.objects.create(name="front desk")
    IncomingCalls.objects.create(group=desk)

    assert staff.post(EDIT, {"group": support.pk}).status_code == 302
    assert only_entry().get_change_message() == (
        "Answering group changed from “front desk” to “support”."
    )
    LogEntry.objects.all().delete()

    assert staff.post(EDIT, {"group": ""}).status_code == 302
    entry = only_entry()
    assert entry.action_flag == CHANGE
    assert entry.user == root
    assert entry.get_change_message() == (
        "Answering group changed from “support” to none (TWILIO_INCOMING_CALL_GROUP)."
    )


def test_the_message_names_an_empty_choice_as_the_environments():
    assert answering_change(None, "a") == (
        "Answering group changed from none (TWILIO_INCOMING_CALL_GROUP) to “a”."
    )


@pytest.mark.django_db(transaction=True)
def test_an_add_that_loses_the_race_to_another_still_saves_the_choice(root, support):
    """Another staff member's add commits between this add's permission check
    and its INSERT (from another connection, as a second request would)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a second connection to the same database")
    other = Group.objects.create(name="other")

    def the_other_add_commits_first(sender, instance, **kwargs):
        pre_save.disconnect(the_other_add_commits_first, sender=IncomingCalls)

        def add():
            IncomingCalls.objects.create(group=other)
            connection.close()

        thread = threading.Thread(target=add)
        thread.start()
        thread.join()

    pre_save.connect(the_other_add_commits_first, sender=IncomingCalls)
    try:
        response = logged_in(User.objects.get(pk=root.pk)).post(
            ADD, {"group": support.pk}
        )
    finally:
        pre_save.disconnect(the_other_add_commits_first, sender=IncomingCalls)

    assert response.status_code == 302, response.content[:300]
    assert IncomingCalls.objects.get().group == support
