"""Follow-up history for the demo rounds: each round's schedule, the invitations and
reminders that went out, answers arriving in waves after them, thank-yous, and a few
chase entries of the Nord office. Made up, reproducibly, like the rest of the demo."""

import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from municipalities.models import Contact
from reminders.models import ChaseEntry, Dispatch, Rule
from reminders.selectors import round_contacts
from reminders.services import schedule_create_default
from surveys.demo import _fraction
from surveys.models import Response, SectionProgress, Survey
from surveys.services.invitations import _render

# Most answers come in the week after each message (the reports' reminders worked).
WAVES = [(0.35, 0, 7), (0.6, 14, 20), (0.8, 28, 34), (1.0, -3, 0)]


def _submission_time(survey: Survey, number: str, now: datetime.datetime) -> datetime.datetime:
    opens, closes = timezone.localtime(survey.opens_at), timezone.localtime(survey.closes_at)
    wave = _fraction(number, f"wave{survey.year}")
    share, first, last = next(wave_ for wave_ in WAVES if wave <= wave_[0])
    start = closes + datetime.timedelta(days=first) if first < 0 else opens + datetime.timedelta(days=first)
    end = closes if last == 0 else opens + datetime.timedelta(days=last)
    moment = start + (end - start) * _fraction(number, f"when{survey.year}")
    latest = min(now, closes) - datetime.timedelta(minutes=5)
    if moment > latest:  # an open round: nobody answered in the future
        moment = opens + (latest - opens) * _fraction(number, f"early{survey.year}")
    return moment


@transaction.atomic
def demo_followup_ensure(*, survey: Survey) -> bool:
    """Gives a demo round its schedule and the history of what went out; once."""
    if hasattr(survey, "reminder_schedule"):
        return False
    schedule = schedule_create_default(survey=survey)
    now = timezone.now()

    submitted_at: dict[int, datetime.datetime] = {}
    progress = list(
        SectionProgress.objects.filter(response__survey=survey, status=SectionProgress.Status.SUBMITTED).select_related(
            "response__municipality"
        )
    )
    for row in progress:
        unit = row.response.municipality
        submitted_at.setdefault(unit.pk, _submission_time(survey, unit.number, now))
        row.submitted_at = row.last_worked_at = submitted_at[unit.pk]
    SectionProgress.objects.bulk_update(progress, ["submitted_at", "last_worked_at"], batch_size=1000)
    Response.objects.filter(survey=survey).update(updated_at=now)

    contacts = list(round_contacts(survey=survey))
    dispatches = []
    for rule in schedule.rules.select_related("schedule__survey"):
        due = rule.due_at()
        for contact in contacts:
            first = submitted_at.get(contact.municipality_id)
            if rule.anchor == Rule.Anchor.SUBMISSION:
                if first is None or contact.role != Contact.Role.CHIEF_EXECUTIVE:
                    continue
                sent = first + datetime.timedelta(minutes=3)
            else:
                if due > now or due > survey.closes_at:
                    continue
                if rule.audience != Rule.Audience.ALL and first is not None and first <= due:
                    continue  # had answered by then
                sent = due + datetime.timedelta(seconds=int(600 * _fraction(contact.email, rule.name)))
            template = rule.subject_nb or survey.invitation_subject_nb
            subject = _render(template, municipality=contact.municipality.name, year=survey.year)
            dispatches.append(
                Dispatch(
                    survey=survey,
                    municipality_id=contact.municipality_id,
                    contact=contact,
                    rule=rule,
                    email=contact.email,
                    subject=subject,
                    status=Dispatch.Status.SENT,
                    attempts=1,
                    sent_at=sent,
                )
            )
    Dispatch.objects.bulk_create(dispatches, batch_size=1000)

    officer = User.objects.filter(username="nord").first()
    if survey.status == Survey.Status.OPEN and officer is not None:
        from municipalities.access import municipalities_in_region

        waiting = (
            municipalities_in_region(officer.staff_profile.region)
            .filter(pk__in=[c.municipality_id for c in contacts])
            .exclude(pk__in=list(submitted_at))
            .order_by("number")[:6]
        )
        outcomes = [
            (ChaseEntry.Channel.PHONE, ChaseEntry.Outcome.WILL_ANSWER, "Rådmannen svarer innen fredag.", 3),
            (ChaseEntry.Channel.PHONE, ChaseEntry.Outcome.NO_CONTACT, "Ringte sentralbordet, ingen svar.", -1),
            (ChaseEntry.Channel.EMAIL, ChaseEntry.Outcome.MESSAGE_LEFT, "Sendt e-post til postmottak.", 5),
            (ChaseEntry.Channel.MEETING, ChaseEntry.Outcome.NEEDS_HELP, "Trenger hjelp med tallene for 2025.", 1),
        ]
        for index, unit in enumerate(waiting):
            channel, outcome, note, days = outcomes[index % len(outcomes)]
            ChaseEntry.objects.create(
                survey=survey,
                municipality=unit,
                user=officer,
                channel=channel,
                outcome=outcome,
                note=note,
                follow_up_on=timezone.localdate() + datetime.timedelta(days=days),
            )
    return True
