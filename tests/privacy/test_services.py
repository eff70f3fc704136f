"""Personal data: export one person's data, erase it everywhere, the retention rule, and the
pseudonymisation of an archived round's audit trail. The municipality's answers always stay."""

import datetime
import io
import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import load_workbook

from municipalities.models import Contact, Municipality
from privacy.exports import personal_data_json, personal_data_xlsx
from privacy.models import PersonalDataLog
from privacy.services import (
    Doer,
    contacts_erase_expired,
    personal_data_erase,
    personal_data_export,
    survey_pseudonymise,
)
from privacy.tasks import contacts_erase_expired_task
from reminders.models import Dispatch
from reminders.services import dispatch_send
from surveys.models import Answer, AnswerChange, Invitation, SectionProgress
from surveys.services.responses import Actor
from surveys.services.rounds import survey_archive, survey_close
from tests.scenarios import KARI, OLA, PER, SIRI, answer
from tests.support import rows_mentioning

TESTER = Doer(name="test")


def answers_of_the_round(survey) -> list[tuple]:
    return list(
        Answer.objects.filter(response__survey=survey)
        .order_by("pk")
        .values_list("pk", "response__municipality__number", "question__code", "value", "version")
    )


# --- export ------------------------------------------------------------------------------------


def test_an_export_holds_everything_about_the_address_and_no_token(people):
    # when
    log, data = personal_data_export(email=f"  {KARI.upper()} ", doer=TESTER)

    # then
    assert [(c["name"], c["email"], c["phone"]) for c in data["contacts"]] == [("Kari Nordmann", KARI, "55 55 55 55")]
    assert {i["email"] for i in data["invitations"]} == {KARI}
    assert len(data["invitations"]) == 2, "the link made by hand and the one the invitation e-mail carried"
    assert [(m["email"], m["status"]) for m in data["messages"]] == [(KARI, "sent")]
    assert [e["id"] for e in data["chase_entries"]] == [people.chase_entry.pk]
    assert [(c["question"], c["new_value"], c["changed_by"]) for c in data["answer_changes"]] == [
        ("Q04", "yes", "Kari Nordmann"),
        ("Q04", "no", "Kari Nordmann"),
        ("Q05", "yes", "Kari Nordmann"),
    ]
    assert [(s["section"], s["submitted_by"]) for s in data["sections"]] == [("settlement", "Kari Nordmann")]
    assert "Per Persen" not in json.dumps(data), "nothing about another person"

    document = personal_data_json(log=log, data=data).decode()
    workbook = load_workbook(io.BytesIO(personal_data_xlsx(log=log, data=data)))
    cells = " ".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row)
    for invitation in Invitation.objects.filter(email=KARI):
        assert invitation.token_hash not in document and invitation.token_hash not in cells
    assert "token" not in document
    assert workbook.sheetnames == [
        "about",
        "contacts",
        "invitations",
        "messages",
        "chase_entries",
        "answer_changes",
        "sections",
    ]
    assert KARI in cells and "Snakket med Kari Nordmann" in cells
    assert (log.action, log.subject, log.performed_by_name) == ("export", KARI, "test")


def test_a_colleague_given_a_section_is_found_by_address_without_a_contact_row(people):
    _log, data = personal_data_export(email=SIRI, doer=TESTER)

    assert data["contacts"] == []
    assert [(i["name"], i["section"]) for i in data["invitations"]] == [("Siri Kollega", "directorate")]


def test_an_unknown_address_is_refused_and_not_logged(people):
    with pytest.raises(ValidationError) as error:
        personal_data_export(email="nobody@example.org", doer=TESTER)

    assert error.value.code == "nothing_stored"
    assert not PersonalDataLog.objects.exists()


# --- erasure -----------------------------------------------------------------------------------


def test_erasure_removes_the_person_from_every_table_and_keeps_the_answers(people, survey_admin):
    # given: an earlier export of her data and an edit of her contact row in the admin
    personal_data_export(email=KARI, doer=TESTER)
    LogEntry.objects.create(
        user=survey_admin,
        content_type=ContentType.objects.get_for_model(Contact),
        object_id=str(people.kari.pk),
        object_repr=str(people.kari),
        action_flag=CHANGE,
        change_message="[]",
    )
    answers = answers_of_the_round(people.survey)
    changes = AnswerChange.objects.count()
    messages = Dispatch.objects.count()
    assert rows_mentioning("kari.nordmann") and rows_mentioning("Kari Nordmann")

    # when
    log = personal_data_erase(email=KARI, doer=Doer(user=survey_admin))

    # then: nothing in the database names or reaches her
    assert rows_mentioning("kari.nordmann") == {}
    assert rows_mentioning("Kari Nordmann") == {}
    assert rows_mentioning("55 55 55 55") == {}
    # the answers, the audit trail and the message log keep every row
    assert answers_of_the_round(people.survey) == answers
    assert AnswerChange.objects.count() == changes and Dispatch.objects.count() == messages
    pseudonym = f"Slettet person #{log.pk}"
    assert set(AnswerChange.objects.filter(invitation=people.kari_link).values_list("actor_name", flat=True)) == {
        pseudonym
    }
    assert SectionProgress.objects.get(
        section__code="settlement", response__municipality__number="4601"
    ).submitted_by == (pseudonym)
    people.chase_entry.refresh_from_db()
    assert people.chase_entry.note == f"Snakket med {pseudonym} ({pseudonym}); Ola Hansen tar introduksjonsdelen."
    # her links stay usable for the colleague whose section hangs on them
    people.kari_link.refresh_from_db()
    assert (people.kari_link.name, people.kari_link.email, people.kari_link.revoked_at) == (pseudonym, "", None)
    # others are untouched
    assert Contact.objects.filter(email__in=[OLA, PER]).count() == 2
    assert Invitation.objects.get(pk=people.siri_link.pk).name == "Siri Kollega"
    # the erasure is logged, without her
    assert (log.action, log.subject, log.performed_by, log.performed_by_name) == (
        "erase",
        pseudonym,
        survey_admin,
        survey_admin.username,
    )
    assert log.details["contacts"] == 1 and log.details["answer_changes"] == 3


def test_a_pending_message_to_an_erased_person_is_skipped(people):
    # given: the invitation to Ola is written but not sent yet
    pending = Dispatch.objects.get(contact=people.ola, status=Dispatch.Status.PENDING)

    # when
    personal_data_erase(email=OLA, doer=TESTER)

    # then
    pending.refresh_from_db()
    assert (pending.status, pending.skip_reason, pending.email, pending.contact) == ("skipped", "erased", "", None)
    assert dispatch_send(dispatch_id=pending.pk).status == "not_pending"


def test_the_sender_skips_a_pending_message_whose_contact_is_gone(people):
    pending = Dispatch.objects.get(contact=people.per, status=Dispatch.Status.PENDING)
    Dispatch.objects.filter(pk=pending.pk).update(contact=None)

    assert dispatch_send(dispatch_id=pending.pk).status == "skipped"
    pending.refresh_from_db()
    assert pending.skip_reason == Dispatch.SkipReason.ERASED


# --- the retention rule ------------------------------------------------------------------------


def test_the_retention_rule_spares_contacts_of_an_open_round_and_erases_the_unused(people, settings):
    # given: a contact nobody has invited, and a time far beyond the retention period
    settings.CONTACT_RETENTION_DAYS = 730
    bodo = Municipality.objects.current().get(number="1804")
    unused = Contact.objects.create(municipality=bodo, name="Nina Ubrukt", role="other", email="nina@bodo.example")
    later = timezone.now() + datetime.timedelta(days=1000)

    # when
    dry = contacts_erase_expired(now=later, doer=TESTER, dry_run=True)
    logs = contacts_erase_expired(now=later, doer=TESTER)

    # then
    assert [log.details["municipality"] for log in dry] == ["1804"] and not dry[0].pk
    assert [log.details["municipality"] for log in logs] == ["1804"]
    assert not Contact.objects.filter(pk=unused.pk).exists()
    assert Contact.objects.filter(pk__in=[people.kari.pk, people.ola.pk, people.per.pk]).count() == 3
    assert not contacts_erase_expired(now=timezone.now() + datetime.timedelta(days=729), doer=TESTER)


def test_after_the_round_closes_the_retention_rule_erases_its_contacts_and_keeps_the_answers(people, settings):
    # given: the round is closed; one contact was changed recently
    settings.CONTACT_RETENTION_DAYS = 730
    survey_close(survey=people.survey)
    later = timezone.now() + datetime.timedelta(days=1000)
    Contact.objects.filter(pk=people.ola.pk).update(updated_at=later - datetime.timedelta(days=10))
    answers = answers_of_the_round(people.survey)

    # when: not yet expired 729 days on; expired 1000 days on
    assert not contacts_erase_expired(now=timezone.now() + datetime.timedelta(days=729), doer=TESTER)
    logs = contacts_erase_expired(now=later, doer=TESTER)

    # then
    assert sorted(log.details["municipality"] for log in logs) == ["4601", "5501"]
    assert list(Contact.objects.filter(email__in=[KARI, OLA, PER]).values_list("email", flat=True)) == [OLA]
    assert answers_of_the_round(people.survey) == answers
    assert set(AnswerChange.objects.values_list("actor_name", flat=True)) == {log.subject for log in logs}
    assert rows_mentioning("kari.nordmann") == {} and rows_mentioning("Per Persen") == {}
    assert {log.performed_by_name for log in logs} == {"test"}
    assert all(log.action == "retention" for log in logs)


def test_beat_runs_the_retention_rule_every_night(people, settings):
    [entry] = [
        entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "privacy.erase_expired_contacts"
    ]
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {15})

    settings.CONTACT_RETENTION_DAYS = 0
    Contact.objects.create(
        municipality=people.kari.municipality, name="Gammel Kontakt", role="other", email="gammel@bergen.example"
    )
    assert contacts_erase_expired_task() == 1
    assert PersonalDataLog.objects.get().performed_by_name == "retention rule"


def test_the_command_lists_without_erasing_on_a_dry_run(people, settings):
    settings.CONTACT_RETENTION_DAYS = 0
    Contact.objects.create(
        municipality=people.kari.municipality, name="Gammel Kontakt", role="other", email="gammel@bergen.example"
    )
    out = io.StringIO()

    call_command("erase_expired_contacts", "--dry-run", stdout=out)

    assert "would erase a contact of 4601 (other)" in out.getvalue()
    assert "1 expired contacts would be erased" in out.getvalue()
    assert Contact.objects.filter(email="gammel@bergen.example").exists()
    assert "Gammel" not in out.getvalue(), "no names in the command's output (it may end up in a log)"


# --- pseudonymising an archived round ------------------------------------------------------------


def test_pseudonymising_is_refused_unless_the_round_is_archived(people):
    for step in (None, survey_close):
        if step:
            step(survey=people.survey)
        with pytest.raises(ValidationError) as error:
            survey_pseudonymise(survey=people.survey, doer=TESTER)
        assert error.value.code == "not_archived"
    with pytest.raises(CommandError, match="only an archived round"):
        call_command("pseudonymise_round", "2027")
    assert AnswerChange.objects.filter(actor_name="Kari Nordmann").count() == 3
    assert not PersonalDataLog.objects.exists()


def test_pseudonymising_an_archived_round_replaces_each_person_consistently(people, survey_admin):
    # given: a survey admin also changed an answer, through their staff account
    answer(people.survey, people.per_link, "settlement", "Q05", "no", actor=Actor(name="Anne Admin", user=survey_admin))
    survey_close(survey=people.survey)
    survey_archive(survey=people.survey)
    answers = answers_of_the_round(people.survey)

    # when
    out = io.StringIO()
    call_command("pseudonymise_round", "2027", stdout=out)

    # then: one pseudonym per person, the same in every place
    actors = list(AnswerChange.objects.order_by("created_at", "pk").values_list("actor_name", flat=True))
    assert actors == ["Person 1", "Person 1", "Person 1", "Person 2", "Person 3"]
    assert not AnswerChange.objects.filter(user__isnull=False).exists()
    links = {i.pk: (i.name, i.email, i.contact_id) for i in Invitation.objects.filter(survey=people.survey)}
    assert links[people.kari_link.pk] == ("Person 1", "", None)
    assert links[people.per_link.pk] == ("Person 2", "", None)
    ola = links[people.ola_link.pk][0]
    assert ola not in ("Person 1", "Person 2", "Person 3")
    assert links[people.siri_link.pk][0] not in ("Person 1", "Person 2", "Person 3", ola)
    assert SectionProgress.objects.get(submitted_by__startswith="Person").submitted_by == "Person 1"
    people.chase_entry.refresh_from_db()
    assert people.chase_entry.note == f"Snakket med Person 1 (Person 1); {ola} tar introduksjonsdelen."
    assert set(Dispatch.objects.filter(survey=people.survey).values_list("email", "contact")) == {("", None)}
    # the registry keeps its contacts: only the round was pseudonymised
    assert rows_mentioning("Kari Nordmann") == {"municipalities_contact": 1}
    assert answers_of_the_round(people.survey) == answers
    assert rows_mentioning("Anne Admin") == {}
    assert "5 people pseudonymised" in out.getvalue()
    log = PersonalDataLog.objects.get()
    assert (log.action, log.survey, log.details["answer_changes"]) == ("pseudonymise", people.survey, 5)

    # and: a second run is refused
    with pytest.raises(ValidationError) as error:
        survey_pseudonymise(survey=people.survey, doer=TESTER)
    assert error.value.code == "already_pseudonymised"
