"""Chasing without losing the thread (issue 16): the board keeps the follow-up date an officer
set until a later contact replaces it, whatever reminders go out meanwhile; the chase export
carries labels in the officer's language, and its numbers and dates are typed in the XLSX."""

import csv
import datetime
import io
import uuid

from django.urls import reverse
from openpyxl import load_workbook

from municipalities.models import Municipality
from reminders.models import ChaseEntry
from reminders.selectors import chase_board
from reminders.services import chase_entry_create, chase_reminder_send, dispatch_send, reminders_fan_out_due
from tests.scenarios import at, start_answering


def _board(survey, **filters):
    return {
        row.municipality.number: row for row in chase_board(survey=survey, units=Municipality.objects.all(), **filters)
    }


def test_the_board_keeps_the_follow_up_date_after_a_reminder(three_rules, contacts, units, officer_nord):
    for dispatch_id in reminders_fan_out_due(now=at(0)):
        dispatch_send(dispatch_id=dispatch_id)
    tromso = units["tromso"]
    call = chase_entry_create(
        survey=three_rules,
        municipality=tromso,
        user=officer_nord,
        channel=ChaseEntry.Channel.PHONE,
        outcome=ChaseEntry.Outcome.WILL_ANSWER,
        follow_up_on=datetime.date(2027, 1, 5),
    )

    # a personal reminder after the call becomes the latest entry
    reminder = chase_reminder_send(survey=three_rules, municipality=tromso, user=officer_nord, request_key=uuid.uuid4())

    row = _board(three_rules)["5501"]
    assert row.last_entry == reminder
    assert row.follow_up_on == call.follow_up_on
    due = _board(three_rules, follow_up_due=True, today=datetime.date(2027, 1, 6))
    assert "5501" in due

    # a later call that sets no date means the follow-up is done
    chase_entry_create(
        survey=three_rules,
        municipality=tromso,
        user=officer_nord,
        channel=ChaseEntry.Channel.PHONE,
        outcome=ChaseEntry.Outcome.WILL_ANSWER,
    )
    assert _board(three_rules)["5501"].follow_up_on is None
    assert "5501" not in _board(three_rules, follow_up_due=True, today=datetime.date(2027, 1, 6))


def test_the_chase_export_carries_labels_and_typed_cells(client, three_rules, contacts, units, survey_admin):
    for dispatch_id in reminders_fan_out_due(now=at(0)):
        dispatch_send(dispatch_id=dispatch_id)
    start_answering(three_rules, units["bodo"])
    chase_entry_create(
        survey=three_rules,
        municipality=units["tromso"],
        user=survey_admin,
        channel=ChaseEntry.Channel.PHONE,
        outcome=ChaseEntry.Outcome.WILL_ANSWER,
        follow_up_on=datetime.date(2027, 1, 5),
    )
    client.force_login(survey_admin)
    client.cookies["django_language"] = "nb"

    exported = client.get(reverse("reminders-chase-export", args=[three_rules.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    tromso = next(row for row in rows if row[0] == "5501")
    bodo = next(row for row in rows if row[0] == "1804")
    assert "not_started" not in exported.content.decode() and "in_progress" not in exported.content.decode()
    assert "ikke startet" in tromso[5] and "påbegynt" in bodo[5]
    assert tromso[11] == "skal svare" and tromso[13] == "2027-01-05"

    workbook = load_workbook(
        io.BytesIO(client.get(reverse("reminders-chase-export", args=[three_rules.pk, "xlsx"])).content)
    )
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    cells = {
        header[index]: cell
        for index, cell in enumerate(next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "5501"))
    }
    assert cells["Påminnelser sendt"].data_type == "n" and cells["Påminnelser sendt"].value == 1
    assert cells["Følg opp"].is_date and cells["Følg opp"].value.date() == datetime.date(2027, 1, 5)
    assert cells["Siste påminnelse"].is_date and cells["Sist purret"].is_date
