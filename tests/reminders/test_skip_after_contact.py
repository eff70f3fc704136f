"""A rule skips a municipality whose officer was in contact lately (issue 16, item 7): the fan-out
and the rule's preview choose the recipients in one place (reminders.selectors.rule_recipients),
so the preview names the municipalities skipped, and why, that the sending leaves out."""

import datetime

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from reminders.models import ChaseEntry, Dispatch
from reminders.services import chase_entry_create, reminders_fan_out_due
from tests.scenarios import at, rule_named


def _log(survey, unit, officer, *, when, channel=ChaseEntry.Channel.PHONE, outcome=ChaseEntry.Outcome.WILL_ANSWER):
    entry = chase_entry_create(survey=survey, municipality=unit, user=officer, channel=channel, outcome=outcome)
    ChaseEntry.objects.filter(pk=entry.pk).update(created_at=when)
    return entry


def _first_reminder(survey, skip_days):
    rule = rule_named(survey, "Første påminnelse")  # day 14, to the municipalities not started
    rule.skip_after_contact_days = skip_days
    rule.save()
    return rule


def _dispatches(rule):
    return {
        dispatch.email.split("@")[0]: (dispatch.status, dispatch.skip_reason)
        for dispatch in Dispatch.objects.filter(rule=rule)
    }


def _contacts_logged(survey, units, officer):
    _log(survey, units["tromso"], officer, when=at(10))  # 4 days before the rule is due
    _log(survey, units["bodo"], officer, when=at(5))  # 9 days before
    # A call that did not get through is no contact.
    _log(survey, units["bergen"], officer, when=at(13), outcome=ChaseEntry.Outcome.NO_CONTACT)


def test_a_call_within_the_rules_days_skips_the_municipality_and_an_older_one_does_not(
    three_rules, contacts, units, officer_nord
):
    rule = _first_reminder(three_rules, skip_days=7)
    _contacts_logged(three_rules, units, officer_nord)

    reminders_fan_out_due(now=at(14))

    assert _dispatches(rule) == {
        "tromso_chief": (Dispatch.Status.SKIPPED, Dispatch.SkipReason.CONTACTED),
        "bodo_chief": (Dispatch.Status.PENDING, ""),
        "bergen_chief": (Dispatch.Status.PENDING, ""),
        "bergen_intro": (Dispatch.Status.PENDING, ""),
        "gamle_oslo_chief": (Dispatch.Status.PENDING, ""),
    }

    # A week later the call is older than the rule's days, but the reminder was due on day 14:
    # Tromsø does not get it late.
    reminders_fan_out_due(now=at(21))
    assert _dispatches(rule)["tromso_chief"] == (Dispatch.Status.SKIPPED, Dispatch.SkipReason.CONTACTED)


def test_a_personal_reminder_from_the_officer_counts_as_a_contact(three_rules, contacts, units, officer_nord):
    rule = _first_reminder(three_rules, skip_days=7)
    _log(
        three_rules,
        units["tromso"],
        officer_nord,
        when=at(12),
        channel=ChaseEntry.Channel.REMINDER,
        outcome=ChaseEntry.Outcome.SENT,
    )

    reminders_fan_out_due(now=at(14))

    assert _dispatches(rule)["tromso_chief"] == (Dispatch.Status.SKIPPED, Dispatch.SkipReason.CONTACTED)


def test_a_rule_with_zero_days_skips_nobody(three_rules, contacts, units, officer_nord):
    rule = _first_reminder(three_rules, skip_days=0)
    _contacts_logged(three_rules, units, officer_nord)
    _log(three_rules, units["tromso"], officer_nord, when=at(14) - datetime.timedelta(hours=1))

    reminders_fan_out_due(now=at(14))

    statuses = _dispatches(rule)
    assert sorted(statuses) == ["bergen_chief", "bergen_intro", "bodo_chief", "gamle_oslo_chief", "tromso_chief"]
    assert {status for status, _reason in statuses.values()} == {Dispatch.Status.PENDING}


def test_the_preview_lists_the_skipped_municipality_with_the_reason(
    client, three_rules, contacts, units, officer_nord, analyst
):
    rule = _first_reminder(three_rules, skip_days=7)
    officer_nord.first_name, officer_nord.last_name = "Nora", "Nordli"
    officer_nord.save()
    # The preview asks "if the rule went out now": a call an hour ago.
    call = chase_entry_create(
        survey=three_rules,
        municipality=units["tromso"],
        user=officer_nord,
        channel=ChaseEntry.Channel.PHONE,
        outcome=ChaseEntry.Outcome.WILL_ANSWER,
    )
    ChaseEntry.objects.filter(pk=call.pk).update(created_at=call.created_at - datetime.timedelta(hours=1))
    call.refresh_from_db()
    client.force_login(analyst)

    preview = client.get(reverse("reminders-rule-preview", args=[three_rules.pk, rule.pk])).content.decode()

    skipped = preview[preview.index('id="skipped-units"') :]
    skipped = skipped[: skipped.index("</ul>")]
    with translation.override("nb"):
        day = date_format(timezone.localdate(call.created_at))
    assert f"Tromsø: ringt {day} av Nora Nordli" in skipped
    assert "Bergen" not in skipped
    recipients = preview[preview.index("<caption>") :]
    assert "tromso_chief@example.org" not in recipients and "bergen_chief@example.org" in recipients


def test_the_admin_sets_the_days_on_a_rule(client, three_rules, survey_admin):
    schedule = three_rules.reminder_schedule
    client.force_login(survey_admin)

    page = client.get(reverse("admin:reminders_schedule_change", args=[schedule.pk])).content.decode()

    assert 'name="rules-0-skip_after_contact_days"' in page
    assert "Hopp over etter kontakt (dager)" in page
