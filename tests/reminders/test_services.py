"""The schedule's rules, the fan-out and the send, in one process (e-mail to Django's
test outbox). The same paths with a real worker and SMTP server: test_dispatch_worker.py."""

import datetime
import smtplib

import pytest
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError

from municipalities.access import region_of_municipality
from municipalities.models import Contact
from reminders.models import Dispatch, Rule, Schedule
from reminders.selectors import rule_recipients
from reminders.services import (
    dispatch_send,
    invitations_send_now,
    reminders_fan_out_due,
    schedule_create_default,
    schedule_pause,
    schedule_resume,
)
from surveys.link_rule import token_hash
from surveys.models import Invitation
from tests.scenarios import CLOSES, OPENS, at, rule_named, start_answering, submit


def _send_all(ids):
    return [dispatch_send(dispatch_id=dispatch_id).status for dispatch_id in ids]


def test_the_standard_schedule_has_the_five_rules_of_the_reports(field_round):
    schedule = schedule_create_default(survey=field_round)
    again = schedule_create_default(survey=field_round)

    assert again.pk == schedule.pk and schedule.rules.count() == 5
    due = {rule.name: rule.due_at() for rule in schedule.rules.all()}
    assert due["Invitasjon"] == OPENS
    assert due["Første påminnelse"] == OPENS + datetime.timedelta(days=14)
    assert due["Andre påminnelse"] == OPENS + datetime.timedelta(days=28)
    assert due["Siste frist"] == CLOSES - datetime.timedelta(days=3)
    assert due["Takk for svaret"] is None  # counted from each municipality's submission


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(0, hour=8), True),
        (at(0, hour=15), True),
        (at(0, hour=16), False),  # the window ends at 16:00
        (at(0, hour=7), False),
        (at(5, hour=10), False),  # a Saturday
    ],
)
def test_the_send_window_is_working_hours_on_weekdays_in_oslo(three_rules, moment, expected):
    assert rule_named(three_rules, "Invitasjon").in_window(moment) is expected


def test_audiences_follow_the_municipalities_status(three_rules, contacts, units):
    submit(three_rules, units["bergen"])
    start_answering(three_rules, units["bodo"])

    def names(rule_name, moment):
        return sorted(
            c.email.split("@")[0] for c in rule_recipients(rule=rule_named(three_rules, rule_name), now=moment).contacts
        )

    assert names("Invitasjon", at(0)) == [
        "bergen_chief",
        "bergen_intro",
        "bodo_chief",
        "gamle_oslo_chief",
        "tromso_chief",
    ]
    assert names("Første påminnelse", at(14)) == ["gamle_oslo_chief", "tromso_chief"]
    assert names("Siste frist", at(49)) == ["bodo_chief", "gamle_oslo_chief", "tromso_chief"]


def test_a_thank_you_goes_once_after_each_submission(field_round, contacts, units, mailoutbox):
    schedule_create_default(survey=field_round)
    _send_all(reminders_fan_out_due(now=at(0)))
    mailoutbox.clear()
    submit(field_round, units["tromso"])

    _send_all(reminders_fan_out_due(now=at(1)))
    _send_all(reminders_fan_out_due(now=at(1, hour=11)))

    assert [m.to for m in mailoutbox] == [["tromso_chief@example.org"]]
    assert "Takk for svaret" in mailoutbox[0].subject


def test_nothing_is_due_before_its_time_or_outside_the_window(three_rules, contacts, mailoutbox):
    assert reminders_fan_out_due(now=at(0, hour=8)) == []  # in the window, but the round opens at nine
    assert reminders_fan_out_due(now=at(5, hour=10)) == []  # Saturday
    assert not Dispatch.objects.exists()


def test_a_second_fan_out_writes_nothing_and_hands_out_nothing_leased(three_rules, contacts):
    first = reminders_fan_out_due(now=at(0))
    second = reminders_fan_out_due(now=at(0) + datetime.timedelta(minutes=5))
    after_lease = reminders_fan_out_due(now=at(0) + datetime.timedelta(minutes=11))

    assert len(first) == Dispatch.objects.count() == 5
    assert second == []  # handed to a worker ten minutes ago: not again yet
    assert sorted(after_lease) == sorted(first)  # nobody sent them: the next beat hands them out again


def test_the_database_refuses_a_second_message_of_a_rule_to_a_contact(three_rules, contacts):
    rule = rule_named(three_rules, "Invitasjon")
    contact = contacts["bergen_chief"]
    Dispatch.objects.create(
        survey=three_rules, municipality=contact.municipality, contact=contact, rule=rule, email="x@y.no"
    )

    with pytest.raises(IntegrityError):
        Dispatch.objects.create(
            survey=three_rules, municipality=contact.municipality, contact=contact, rule=rule, email="x@y.no"
        )


def test_a_message_carries_a_fresh_link_in_the_contacts_language_and_names_the_regional_office(
    three_rules, contacts, mailoutbox, units, settings
):
    _send_all(reminders_fan_out_due(now=at(0)))

    nynorsk = next(m for m in mailoutbox if m.to == ["tromso_chief@example.org"])
    bokmaal = next(m for m in mailoutbox if m.to == ["bergen_chief@example.org"])
    assert "Kommuneundersøkinga" in nynorsk.subject and "Kommuneundersøkelsen" in bokmaal.subject
    assert "Kontakt regionkontoret" in nynorsk.body and "Nord" in nynorsk.body and "Vest" in bokmaal.body
    token = nynorsk.body.split("/r/")[1].split("/")[0]
    invitation = Invitation.objects.get(token_hash=token_hash(token))
    assert (invitation.municipality, invitation.role, invitation.contact) == (
        units["tromso"],
        "chief_executive",
        contacts["tromso_chief"],
    )
    assert Dispatch.objects.get(contact=contacts["tromso_chief"]).invitation == invitation
    nord = region_of_municipality(units["tromso"])
    assert nynorsk.reply_to == [nord.office_email or settings.DEFAULT_FROM_EMAIL]  # replies reach the office
    # a district's chief answers as district director
    district = next(m for m in mailoutbox if m.to == ["gamle_oslo_chief@example.org"])
    district_token = district.body.split("/r/")[1].split("/")[0]
    assert Invitation.objects.get(token_hash=token_hash(district_token)).role == "district_director"


def test_an_inactive_or_malformed_address_is_skipped_and_reported_without_stopping_the_run(
    three_rules, contacts, mailoutbox
):
    Contact.objects.filter(pk=contacts["bodo_chief"].pk).update(email="not an address")  # bypasses validation
    ids = reminders_fan_out_due(now=at(0))
    Contact.objects.filter(pk=contacts["bergen_intro"].pk).update(is_active=False)  # after the fan-out

    statuses = _send_all(ids)

    assert statuses.count("sent") == 3 and statuses.count("skipped") == 2
    assert dict(Dispatch.objects.filter(status="skipped").values_list("contact__name", "skip_reason")) == {
        "Bodo Chief": "malformed",
        "Bergen Intro": "inactive",
    }
    assert len(mailoutbox) == 3


class RefusingBackend(BaseEmailBackend):
    """An SMTP server's answers, as smtplib raises them."""

    code = 451

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (self.code, b"No")})


class RejectingBackend(RefusingBackend):
    code = 550


def test_a_temporary_failure_is_retried_with_backoff_and_a_permanent_one_fails(three_rules, contacts, settings):
    settings.REMINDERS_RETRY_SECONDS = 60
    settings.EMAIL_BACKEND = "tests.reminders.test_services.RefusingBackend"
    dispatch_id = reminders_fan_out_due(now=at(0))[0]

    first = dispatch_send(dispatch_id=dispatch_id)
    second = dispatch_send(dispatch_id=dispatch_id)
    settings.EMAIL_BACKEND = "tests.reminders.test_services.RejectingBackend"
    third = dispatch_send(dispatch_id=dispatch_id)

    assert (first.retry_in, second.retry_in, third.retry_in) == (60, 120, None)
    dispatch = Dispatch.objects.get(pk=dispatch_id)
    assert (dispatch.status, dispatch.attempts) == ("failed", 3) and "550" in dispatch.failure_reason
    assert not Invitation.objects.filter(contact=dispatch.contact).exists()  # no link without a message


def test_a_paused_schedule_holds_its_messages_until_resumed(three_rules, contacts, mailoutbox, survey_admin):
    ids = reminders_fan_out_due(now=at(0))
    schedule = Schedule.objects.get(survey=three_rules)
    schedule_pause(schedule=schedule, user=survey_admin)

    assert set(_send_all(ids)) == {"paused"}
    assert reminders_fan_out_due(now=at(0) + datetime.timedelta(hours=1)) == []
    schedule_resume(schedule=schedule)
    _send_all(reminders_fan_out_due(now=at(0) + datetime.timedelta(hours=1)))

    assert len(mailoutbox) == 5 and not Dispatch.objects.exclude(status="sent").exists()


def test_sending_the_invitation_now_goes_to_each_contact_once(
    field_round, contacts, mailoutbox, django_capture_on_commit_callbacks, eager_celery
):
    with django_capture_on_commit_callbacks(execute=True):
        first = invitations_send_now(survey=field_round)
    with django_capture_on_commit_callbacks(execute=True):
        second = invitations_send_now(survey=field_round)

    assert (first, second) == (5, 0)
    assert len(mailoutbox) == 5
    nynorsk = next(m for m in mailoutbox if m.to == ["tromso_chief@example.org"])
    assert "Kommuneundersøkinga" in nynorsk.subject and "/r/" in nynorsk.body


def test_the_invitation_needs_an_open_round(field_round):
    from surveys.services.rounds import survey_close

    closed = survey_close(survey=field_round)
    with pytest.raises(ValidationError) as error:
        invitations_send_now(survey=closed)
    assert error.value.code == "not_open"


def test_a_rule_after_submission_must_go_to_those_who_submitted(field_round):
    schedule = schedule_create_default(survey=field_round)
    rule = Rule(schedule=schedule, name="x", anchor="submission", audience="not_submitted", subject_nb="s", body_nb="b")

    with pytest.raises(ValidationError):
        rule.full_clean()


def test_a_rule_cannot_go_to_contacts_without_a_respondent_role(field_round):
    schedule = schedule_create_default(survey=field_round)
    rule = Rule(schedule=schedule, name="x", contact_role="other", subject_nb="s", body_nb="b")

    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "contact_role" in error.value.message_dict
