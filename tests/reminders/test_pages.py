"""Staff pages of the follow-up: the chase board and its exports, chase entries and personal
reminders, the response-rate monitor, the schedule and the mail log, each scoped by role."""

import csv
import datetime
import io
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import StaffEvent
from municipalities.models import Contact, Municipality
from reminders.models import ChaseEntry, Dispatch, Rule
from reminders.selectors import chase_board
from reminders.services import chase_entry_create, dispatch_send, reminders_fan_out_due, schedule_create_default
from surveys.models import SectionProgress
from tests.scenarios import at, start_answering, submit
from tests.support import FORMULA_PAYLOADS, assert_payloads_are_text, xlsx_typed_cells


@pytest.fixture
def board_round(three_rules, contacts):
    """The invitation has gone out."""
    for dispatch_id in reminders_fan_out_due(now=at(0)):
        dispatch_send(dispatch_id=dispatch_id)
    return three_rules


def _page(client, user, name, *args, **query):
    client.force_login(user)
    return client.get(reverse(name, args=args), query)


def test_the_board_lists_who_has_not_submitted_with_contacts_reminders_and_the_last_entry(
    client, board_round, units, survey_admin
):
    submit(board_round, units["bergen"])
    start_answering(board_round, units["bodo"])
    chase_entry_create(
        survey=board_round,
        municipality=units["tromso"],
        user=survey_admin,
        channel=ChaseEntry.Channel.PHONE,
        outcome=ChaseEntry.Outcome.WILL_ANSWER,
        note="Svarer før fredag <b>",
        follow_up_on=datetime.date(2027, 3, 5),
    )

    page = _page(client, survey_admin, "reminders-chase", board_round.pk).content.decode()

    assert "Bergen" not in page.split("<tbody>")[1]  # submitted
    for name in ["Tromsø", "Bodø", "Gamle Oslo", "tromso_chief@example.org", "Svarer før fredag &lt;b&gt;"]:
        assert name in page
    rows = {row.municipality.number: row for row in chase_board(survey=board_round, units=Municipality.objects.all())}
    assert rows["1804"].status == "started" and rows["5501"].status == "not_started"
    assert rows["5501"].reminders_sent == 1 and rows["5501"].last_entry.note == "Svarer før fredag <b>"


def test_the_board_filters_and_sorts(client, board_round, units, survey_admin):
    start_answering(board_round, units["bodo"])
    chase_entry_create(
        survey=board_round,
        municipality=units["gamle_oslo"],
        user=survey_admin,
        channel="phone",
        outcome="no_contact",
        follow_up_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    everyone = Municipality.objects.all()

    started = chase_board(survey=board_round, units=everyone, status="started")
    due = chase_board(survey=board_round, units=everyone, follow_up_due=True)
    in_troms = chase_board(survey=board_round, units=everyone, county_id=units["tromso"].county_id)
    by_follow_up = chase_board(survey=board_round, units=everyone, sort="follow_up")

    assert [row.municipality.number for row in started] == ["1804"]
    assert [row.municipality.number for row in due] == ["030101"]
    assert {row.municipality.county_id for row in in_troms} == {units["tromso"].county_id}
    assert by_follow_up[0].municipality.number == "030101"


def test_the_board_reads_the_database_the_same_few_times_for_any_number_of_municipalities(
    board_round, survey_admin, django_assert_max_num_queries
):
    everyone = Municipality.objects.all()
    with django_assert_max_num_queries(7):
        few = chase_board(survey=board_round, units=everyone)
    for unit in Municipality.objects.current().filter(number__startswith="46")[:30]:
        Contact.objects.create(municipality=unit, name="Leder", role="chief_executive", email=f"l{unit.number}@ex.org")
        chase_entry_create(
            survey=board_round, municipality=unit, user=survey_admin, channel="phone", outcome="no_contact"
        )
    with django_assert_max_num_queries(7):
        many = chase_board(survey=board_round, units=everyone)
    assert len(many) == len(few)  # every unit that has not submitted was there already
    assert sum(1 for row in many if row.last_entry) == 30


def test_the_board_exports_to_csv_and_xlsx_with_the_same_rows(client, board_round, survey_admin):
    client.force_login(survey_admin)
    csv_response = client.get(reverse("reminders-chase-export", args=[board_round.pk, "csv"]))
    xlsx_response = client.get(reverse("reminders-chase-export", args=[board_round.pk, "xlsx"]))

    from_csv = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig")), delimiter=";"))
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    from_xlsx = [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert from_csv == from_xlsx
    assert len(from_csv) == 1 + Municipality.objects.current().count()  # nobody has submitted
    tromso = next(row for row in from_csv if row[0] == "5501")
    assert "tromso_chief@example.org" in tromso[6] and tromso[7] == "1"


def test_a_regional_officer_sees_and_acts_on_their_own_region_only(client, board_round, units, officer_nord):
    client.force_login(officer_nord)
    board = client.get(reverse("reminders-chase", args=[board_round.pk])).content.decode()
    exported = client.get(reverse("reminders-chase-export", args=[board_round.pk, "csv"])).content.decode("utf-8-sig")
    bergen = units["bergen"].pk

    assert "Tromsø" in board and "Bergen" not in board and "Gamle Oslo" not in board
    assert "5501" in exported and "4601" not in exported
    assert client.get(reverse("reminders-chase-detail", args=[board_round.pk, bergen])).status_code == 404
    entry = client.post(
        reverse("reminders-chase-detail", args=[board_round.pk, bergen]), {"channel": "phone", "outcome": "will_answer"}
    )
    remind = client.post(
        reverse("reminders-chase-remind", args=[board_round.pk, bergen]), {"request_key": str(uuid.uuid4())}
    )
    assert entry.status_code == remind.status_code == 404
    assert not ChaseEntry.objects.filter(municipality=units["bergen"]).exists()
    assert not Dispatch.objects.filter(municipality=units["bergen"], chase_entry__isnull=False).exists()
    # the mail log and the monitor show the region only
    log = client.get(reverse("reminders-mail-log", args=[board_round.pk])).content.decode()
    assert "tromso_chief@example.org" in log and "bergen_chief@example.org" not in log
    monitor = client.get(reverse("reminders-monitor", args=[board_round.pk])).content.decode()
    assert "Vestland" not in monitor and "Troms" in monitor
    # the schedule, with every region's recipients, is not theirs
    assert client.get(reverse("reminders-schedule", args=[board_round.pk])).status_code == 403


def test_an_officer_logs_a_call_and_sends_a_personal_reminder_once(
    client, board_round, units, officer_nord, mailoutbox, django_capture_on_commit_callbacks, eager_celery
):
    officer_nord.first_name, officer_nord.last_name = "Nora", "Nordli"
    officer_nord.save()
    client.force_login(officer_nord)
    tromso = units["tromso"].pk
    detail = reverse("reminders-chase-detail", args=[board_round.pk, tromso])

    invalid = client.post(detail, {"channel": "fax", "outcome": "will_answer", "follow_up_on": "31.02.2027"})
    saved = client.post(
        detail, {"channel": "phone", "outcome": "will_answer", "note": "Ringt rådmannen", "follow_up_on": "2027-03-10"}
    )
    key = str(uuid.uuid4())
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reminders-chase-remind", args=[board_round.pk, tromso]), {"request_key": key})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reminders-chase-remind", args=[board_round.pk, tromso]), {"request_key": key})

    assert invalid.status_code == 200 and "is-invalid" in invalid.content.decode()
    assert saved.status_code == 302
    entries = ChaseEntry.objects.filter(municipality_id=tromso).order_by("created_at")
    assert [(e.channel, e.user) for e in entries] == [("phone", officer_nord), ("reminder", officer_nord)]
    assert [m.to for m in mailoutbox] == [["tromso_chief@example.org"]]  # the key sent twice: one message
    # signed with the officer's full name and office, never the user name
    assert "\nNora Nordli\nRegionkontor Nord\n" in mailoutbox[0].body and "/r/" in mailoutbox[0].body
    assert "officer-nord" not in mailoutbox[0].body
    assert reverse("respondent-lost-link") in mailoutbox[0].body  # every reminder links the lost-link page
    assert Dispatch.objects.get(chase_entry=entries[1]).status == "sent"


def test_an_analyst_reads_the_board_but_cannot_act(client, board_round, units, analyst):
    client.force_login(analyst)
    tromso = units["tromso"].pk

    page = client.get(reverse("reminders-chase-detail", args=[board_round.pk, tromso])).content.decode()
    posted = client.post(
        reverse("reminders-chase-detail", args=[board_round.pk, tromso]), {"channel": "phone", "outcome": "will_answer"}
    )

    assert "Ringt" not in page and "Send a personal reminder" not in page and "Send en personlig" not in page
    assert posted.status_code == 403 and not ChaseEntry.objects.exists()


def test_the_monitor_shows_the_rate_by_region_and_county_and_marks_each_reminder(
    client, board_round, units, survey_admin, django_assert_max_num_queries
):
    submit(board_round, units["bergen"])
    # on the simulated clock: the invitation went out on opening day, Bergen answered on day 3
    Dispatch.objects.update(sent_at=at(0))
    SectionProgress.objects.update(submitted_at=at(3))
    client.force_login(survey_admin)

    with django_assert_max_num_queries(13):
        page = client.get(reverse("reminders-monitor", args=[board_round.pk])).content.decode()

    total = Municipality.objects.current().count()
    assert f"1 av {total}" in page
    assert "<svg" in page and "stroke-dasharray" in page  # the invitation's day is marked
    assert "Invitasjon" in page
    assert "Vestland" in page


def test_the_schedule_page_previews_recipients_and_the_rendered_text(client, board_round, survey_admin, analyst):
    rule = Rule.objects.get(schedule__survey=board_round, name="Første påminnelse")
    client.force_login(analyst)
    schedule = client.get(reverse("reminders-schedule", args=[board_round.pk])).content.decode()
    preview = client.get(reverse("reminders-rule-preview", args=[board_round.pk, rule.pk])).content.decode()

    assert "Første påminnelse" in schedule and "Sett på pause" not in schedule  # analysts read only
    assert "tromso_chief@example.org" in preview and "Påminning: Kommuneundersøkinga 2027" in preview
    assert client.post(reverse("reminders-schedule-change", args=[board_round.pk, "pause"])).status_code == 403


def test_an_admin_pauses_and_resumes_the_schedule(client, board_round, survey_admin):
    client.force_login(survey_admin)
    client.post(reverse("reminders-schedule-change", args=[board_round.pk, "pause"]))
    paused = board_round.reminder_schedule.__class__.objects.get(survey=board_round)
    client.post(reverse("reminders-schedule-change", args=[board_round.pk, "resume"]))
    resumed = board_round.reminder_schedule.__class__.objects.get(survey=board_round)

    assert paused.is_paused and paused.paused_by == survey_admin.username
    assert not resumed.is_paused


def test_the_admin_action_sends_the_invitation_through_the_schedule(
    client, field_round, contacts, survey_admin, analyst, mailoutbox, django_capture_on_commit_callbacks, eager_celery
):
    changelist = reverse("admin:surveys_survey_changelist")
    action = {"action": "send_invitations", "_selected_action": [field_round.pk]}
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, action)
    sent_by_analyst = len(mailoutbox)
    client.force_login(survey_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, action)

    assert sent_by_analyst == 0
    assert len(mailoutbox) == 5
    assert Dispatch.objects.filter(rule__kind="invitation", status="sent").count() == 5
    assert schedule_create_default(survey=field_round).rules.count() == 5


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_the_board_exports_notes_and_names_that_look_like_formulas_as_text(client, board_round, units, survey_admin):
    # given a chase note at five municipalities and a contact's name, each starting like a formula
    bindal = Municipality.objects.current().get(number="1811")
    for unit, payload in zip([*units.values(), bindal], FORMULA_PAYLOADS, strict=True):
        chase_entry_create(
            survey=board_round,
            municipality=unit,
            user=survey_admin,
            channel="phone",
            outcome="no_contact",
            note=payload,
        )
    Contact.objects.create(municipality=bindal, name=FORMULA_PAYLOADS[1], role="chief_executive", email="b@ex.org")
    client.force_login(survey_admin)

    # when the board is exported
    as_csv = _csv_rows(client.get(reverse("reminders-chase-export", args=[board_round.pk, "csv"])))
    as_xlsx = client.get(reverse("reminders-chase-export", args=[board_round.pk, "xlsx"])).content

    # then every note is a text cell in the workbook and starts with a quote in the CSV
    assert_payloads_are_text(xlsx=as_xlsx, csv_rows=as_csv)
    (rows,) = xlsx_typed_cells(as_xlsx).values()
    by_number = {row[0][0]: row for row in rows[1:]}
    contacts = by_number["1811"][6]
    assert contacts[1] == "s" and contacts[0].startswith(FORMULA_PAYLOADS[1])
    assert next(row for row in as_csv if row[0] == "1811")[6].startswith("'" + FORMULA_PAYLOADS[1])
    # and a count is still a number
    assert by_number["5501"][7] == (1, "n")


def test_the_mail_log_exports_names_and_errors_that_look_like_formulas_as_text(client, board_round, survey_admin):
    # given messages whose last error (the mail server's words) and contact's name start like formulas
    messages = list(Dispatch.objects.filter(survey=board_round).select_related("contact").order_by("pk")[:5])
    for message, payload in zip(messages, FORMULA_PAYLOADS, strict=True):
        Dispatch.objects.filter(pk=message.pk).update(status="failed", attempts=6, failure_reason=payload)
        Contact.objects.filter(pk=message.contact_id).update(name=payload)
    client.force_login(survey_admin)

    # when the mail log is exported
    as_csv = _csv_rows(client.get(reverse("reminders-mail-log-export", args=[board_round.pk, "csv"])))
    as_xlsx = client.get(reverse("reminders-mail-log-export", args=[board_round.pk, "xlsx"])).content

    # then names and errors are text cells in the workbook and start with a quote in the CSV
    assert_payloads_are_text(xlsx=as_xlsx, csv_rows=as_csv)
    (rows,) = xlsx_typed_cells(as_xlsx).values()
    assert rows[0] == [
        (text, "s")
        for text in ["Til", "E-post", "Nummer", "Kommune", "Melding", "Status", "Sendt", "Forsøk", "Detaljer"]
    ]
    first = next(row for row in rows if row[0][0] == FORMULA_PAYLOADS[0])
    assert first[-2:] == [(6, "n"), (FORMULA_PAYLOADS[0], "s")]  # the attempts are a number, the error text
    assert len(rows) == len(as_csv) == 1 + Dispatch.objects.filter(survey=board_round).count()


def test_the_mail_log_export_has_the_pages_rows_and_filter_and_is_logged(client, board_round, officer_nord):
    # given a failed message in Nord (Tromsø) and one in Vest (Bergen)
    for number in ("5501", "4601"):
        message = Dispatch.objects.filter(survey=board_round, municipality__number=number).first()
        Dispatch.objects.filter(pk=message.pk).update(status="failed", failure_reason="550 No such user")
    client.force_login(officer_nord)
    client.cookies["django_language"] = "nn"
    url = reverse("reminders-mail-log-export", args=[board_round.pk, "xlsx"])

    # when a regional officer exports the failed messages from the mail log's page
    page = client.get(reverse("reminders-mail-log", args=[board_round.pk]), {"status": "failed"}).content.decode()
    assert f'href="{url}?status=failed"' in page
    response = client.get(url, {"status": "failed"})
    everything = _csv_rows(client.get(reverse("reminders-mail-log-export", args=[board_round.pk, "csv"])))

    # then they get their region's failed message, labelled in their language, and the download is logged
    assert response["Content-Disposition"] == 'attachment; filename="e-postlogg-2027.xlsx"'
    (rows,) = xlsx_typed_cells(response.content).values()
    assert [value for value, _type in rows[0]][-1] == "Detaljar"
    assert [(row[2][0], row[8][0]) for row in rows[1:]] == [("5501", "550 No such user")]
    assert {row[2] for row in everything[1:]} == {"5501", "1804"}  # Tromsø and Bodø, Nord's units with contacts
    events = StaffEvent.objects.filter(user=officer_nord, kind="download").order_by("pk")
    assert [event.what for event in events] == [
        "mail log e-postlogg-2027.xlsx (1 rows)",
        f"mail log e-postlogg-2027.csv ({len(everything) - 1} rows)",
    ]
    assert client.get(reverse("reminders-mail-log-export", args=[board_round.pk, "pdf"])).status_code == 404
    assert StaffEvent.objects.filter(user=officer_nord, kind="download").count() == 2  # nothing for a 404
