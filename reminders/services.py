"""Writes of the reminder schedule, the dispatch of messages and the chase log.

Exactly once, in three steps:

1. `reminders_fan_out_due` (run by beat) writes one `Dispatch` row per due rule and
   recipient. The unique constraint on (rule, contact) makes a second run, a second
   beat or a restarted worker write nothing new.
2. It hands the pending rows to the workers (`dispatch_send_task`), leasing each for
   `REMINDERS_LEASE_SECONDS` so the next beat does not hand it out again meanwhile.
3. `dispatch_send` locks one pending row (skipping rows another worker holds), checks
   that the message is still wanted, sends it and marks it sent in the same
   transaction. A worker killed before the SMTP server accepted the message leaves the
   row pending (the transaction rolls back), and the next beat hands it out again; a
   row that is sent is never sent again. What remains is the instant between the SMTP
   server's "250 OK" and the commit: a crash exactly there could repeat one message.
"""

import datetime
import logging
import smtplib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from municipalities.access import region_of_municipality
from municipalities.models import Contact, Municipality
from operations.outbox import task_publish
from reminders.models import ChaseEntry, Dispatch, Rule, Schedule
from reminders.selectors import (
    NOT_STARTED,
    UnitStatus,
    audience_includes,
    round_contacts,
    round_units,
    rule_recipients,
    unit_progress,
)
from surveys.models import Invitation, Survey
from surveys.services.invitations import (
    _render,
    contact_section_role,
    invitation_create,
    invitation_email,
    invitation_link,
    lost_link_line,
)

ERROR_NOT_OPEN = gettext_lazy("Messages go out only while the round is open.")
ERROR_PAUSED = gettext_lazy("The round's reminder schedule is paused. Resume it first.")
ERROR_NOT_IN_ROUND = gettext_lazy("The municipality is not part of this round.")

logger = logging.getLogger(__name__)


# --- the schedule -----------------------------------------------------------------------------


def _default_rules() -> list[dict]:
    """The schedule the reports describe: an invitation, two reminders, a last call and a thank-you."""
    return [
        {"name": "Invitasjon", "kind": Rule.Kind.INVITATION, "anchor": Rule.Anchor.OPENS, "offset_days": 0},
        {
            "name": "Første påminnelse",
            "anchor": Rule.Anchor.OPENS,
            "offset_days": 14,
            "audience": Rule.Audience.NOT_STARTED,
            "subject_nb": "Påminnelse: Kommuneundersøkelsen {year} for {municipality}",
            "subject_nn": "Påminning: Kommuneundersøkinga {year} for {municipality}",
            "body_nb": (
                "Hei {name},\n\nVi minner om Kommuneundersøkelsen {year}. Vi ser at {municipality} ikke har "
                "begynt på skjemaet ennå. Fristen er {deadline}.\n\nSvar her: {link}\n"
            ),
            "body_nn": (
                "Hei {name},\n\nVi minner om Kommuneundersøkinga {year}. Vi ser at {municipality} ikkje har "
                "byrja på skjemaet enno. Fristen er {deadline}.\n\nSvar her: {link}\n"
            ),
        },
        {
            "name": "Andre påminnelse",
            "anchor": Rule.Anchor.OPENS,
            "offset_days": 28,
            "audience": Rule.Audience.NOT_SUBMITTED,
            "subject_nb": "Andre påminnelse: Kommuneundersøkelsen {year}",
            "subject_nn": "Andre påminning: Kommuneundersøkinga {year}",
            "body_nb": (
                "Hei {name},\n\nVi har ennå ikke fått svar fra {municipality}. Svarene er tatt vare på, så "
                "dere kan fortsette der dere slapp. Fristen er {deadline}.\n\nSvar her: {link}\n"
            ),
            "body_nn": (
                "Hei {name},\n\nVi har enno ikkje fått svar frå {municipality}. Svara er tekne vare på, så "
                "de kan halde fram der de slapp. Fristen er {deadline}.\n\nSvar her: {link}\n"
            ),
        },
        {
            "name": "Siste frist",
            "anchor": Rule.Anchor.CLOSES,
            "offset_days": -3,
            "audience": Rule.Audience.NOT_SUBMITTED,
            "subject_nb": "Tre dager igjen: Kommuneundersøkelsen {year}",
            "subject_nn": "Tre dagar att: Kommuneundersøkinga {year}",
            "body_nb": (
                "Hei {name},\n\nKommuneundersøkelsen {year} stenger {deadline}, og vi mangler fortsatt svar "
                "fra {municipality}.\n\nSvar her: {link}\n"
            ),
            "body_nn": (
                "Hei {name},\n\nKommuneundersøkinga {year} stengjer {deadline}, og vi manglar framleis svar "
                "frå {municipality}.\n\nSvar her: {link}\n"
            ),
        },
        {
            "name": "Takk for svaret",
            "kind": Rule.Kind.THANK_YOU,
            "anchor": Rule.Anchor.SUBMISSION,
            "offset_days": 0,
            "audience": Rule.Audience.SUBMITTED,
            "contact_role": Contact.Role.CHIEF_EXECUTIVE,
            "subject_nb": "Takk for svaret fra {municipality}",
            "subject_nn": "Takk for svaret frå {municipality}",
            "body_nb": (
                "Hei {name},\n\nTakk for at {municipality} har svart på Kommuneundersøkelsen {year}. "
                "Svarene kan leses her: {link}\n"
            ),
            "body_nn": (
                "Hei {name},\n\nTakk for at {municipality} har svart på Kommuneundersøkinga {year}. "
                "Svara kan lesast her: {link}\n"
            ),
        },
    ]


@transaction.atomic
def schedule_create_default(*, survey: Survey) -> Schedule:
    """The round's schedule; a new one gets the standard rules. A second call changes nothing."""
    schedule, created = Schedule.objects.get_or_create(survey=survey)
    if created:
        for values in _default_rules():
            rule = Rule(schedule=schedule, **values)
            rule.full_clean()
            rule.save()
    return schedule


# The rule's own settings: what a copy for another round carries over (never its round or state).
RULE_COPIED_FIELDS = (
    "name",
    "kind",
    "anchor",
    "offset_days",
    "audience",
    "contact_role",
    "subject_nb",
    "subject_nn",
    "body_nb",
    "body_nn",
    "window_start",
    "window_end",
    "weekdays_only",
    "skip_after_contact_days",
    "is_active",
)
SCHEDULE_COPIED_FIELDS = ("personal_subject_nb", "personal_subject_nn", "personal_body_nb", "personal_body_nn")


@transaction.atomic
def schedule_copy(*, source: Schedule, survey: Survey) -> Schedule:
    """Another round's schedule for a new round: the same rules and texts. Rules count days from
    the round's opening, closing or a submission, so their dates follow the new round's dates."""
    if Schedule.objects.filter(survey=survey).exists():
        raise ValidationError(_("The round already has a reminder schedule."), code="schedule_exists")
    schedule = Schedule.objects.create(
        survey=survey, **{name: getattr(source, name) for name in SCHEDULE_COPIED_FIELDS}
    )
    for rule in source.rules.all():
        copy = Rule(schedule=schedule, **{name: getattr(rule, name) for name in RULE_COPIED_FIELDS})
        copy.full_clean()
        copy.save()
    return schedule


@transaction.atomic
def schedule_pause(*, schedule: Schedule, user: User) -> Schedule:
    """Holds every rule and every pending message of the round until it is resumed."""
    if schedule.paused_at is None:
        schedule.paused_at = timezone.now()
        schedule.paused_by = user.get_username()
        schedule.save(update_fields=["paused_at", "paused_by", "updated_at"])
    return schedule


@transaction.atomic
def schedule_resume(*, schedule: Schedule) -> Schedule:
    """Lets the schedule run again: due rules and held messages go out in the next send window."""
    if schedule.paused_at is not None:
        schedule.paused_at = None
        schedule.paused_by = ""
        schedule.save(update_fields=["paused_at", "paused_by", "updated_at"])
    return schedule


# --- fan-out ----------------------------------------------------------------------------------


def _lease_until(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(seconds=settings.REMINDERS_LEASE_SECONDS)


def rule_fan_out(*, rule: Rule, now: datetime.datetime) -> int:
    """Writes a pending dispatch for every recipient the rule has at `now` that has none
    yet; returns how many were new. Contacts of a municipality skipped for an officer's recent
    contact get a skipped dispatch instead, so the rule does not reach them later, once the
    contact is older than the rule's days: the message was due now, and now it was not wanted."""
    survey = rule.schedule.survey
    recipients = rule_recipients(rule=rule, now=now)
    before = Dispatch.objects.filter(rule=rule).count()
    Dispatch.objects.bulk_create(
        [
            Dispatch(
                survey=survey, municipality_id=contact.municipality_id, contact=contact, rule=rule, email=contact.email
            )
            for contact in recipients.contacts
        ],
        ignore_conflicts=True,
    )
    created = Dispatch.objects.filter(rule=rule).count() - before
    Dispatch.objects.bulk_create(
        [
            Dispatch(
                survey=survey,
                municipality_id=contact.municipality_id,
                contact=contact,
                rule=rule,
                email=contact.email,
                status=Dispatch.Status.SKIPPED,
                skip_reason=Dispatch.SkipReason.CONTACTED,
            )
            for contact in recipients.skipped_contacts
        ],
        ignore_conflicts=True,
    )
    return created


def _lease_pending(dispatches, now: datetime.datetime) -> list[int]:
    """Marks pending dispatches whose lease ran out as handed to a worker, and returns them."""
    due = dispatches.filter(status=Dispatch.Status.PENDING).exclude(next_attempt_at__gt=now)
    ids = list(due.values_list("pk", flat=True))
    Dispatch.objects.filter(pk__in=ids).update(next_attempt_at=_lease_until(now))
    return ids


@transaction.atomic
def reminders_fan_out_due(*, now: datetime.datetime) -> list[int]:
    """For every open round whose schedule is running: writes the dispatches of the rules that
    are due and in their send window at `now`, and returns the pending dispatches (new ones and
    any a stopped worker left behind) to hand to the workers."""
    to_send: list[int] = []
    schedules = Schedule.objects.filter(survey__status=Survey.Status.OPEN, paused_at__isnull=True).select_related(
        "survey"
    )
    for schedule in schedules:
        rules = [rule for rule in schedule.rules.filter(is_active=True) if rule.in_window(now)]
        for rule in rules:
            rule.schedule = schedule
            due_at = rule.due_at()
            if due_at is None or due_at <= now:
                rule_fan_out(rule=rule, now=now)
        to_send += _lease_pending(Dispatch.objects.filter(rule__in=rules), now)
        # Personal reminders were asked for by a person: they do not wait for a window.
        to_send += _lease_pending(Dispatch.objects.filter(survey=schedule.survey, chase_entry__isnull=False), now)
    return to_send


def dispatches_enqueue(ids: list[int]) -> None:
    """Hands dispatches to the workers. When the broker is away, the rows stay pending and
    the next beat after it is back hands them out: nothing is lost, nothing fails the caller."""
    for number, dispatch_id in enumerate(ids):
        if not task_publish("reminders.dispatch_send", {"dispatch_id": dispatch_id}):
            logger.warning("broker unreachable: %s messages wait for the next beat", len(ids) - number)
            return


@transaction.atomic
def invitations_send_now(*, survey: Survey) -> int:
    """Sends the round's invitation now, whatever its rule's time and window: the admin
    action. Contacts who already have an invitation from the schedule get none; returns
    how many new messages go out."""
    if survey.status != Survey.Status.OPEN:
        raise ValidationError(ERROR_NOT_OPEN, code="not_open")
    schedule = schedule_create_default(survey=survey)
    if schedule.is_paused:
        raise ValidationError(ERROR_PAUSED, code="paused")
    now = timezone.now()
    created = 0
    rules = list(schedule.rules.filter(kind=Rule.Kind.INVITATION, is_active=True))
    for rule in rules:
        rule.schedule = schedule
        created += rule_fan_out(rule=rule, now=now)
    ids = _lease_pending(Dispatch.objects.filter(rule__in=rules), now)
    transaction.on_commit(lambda: dispatches_enqueue(ids))
    return created


# --- sending ----------------------------------------------------------------------------------


@dataclass
class EmailText:
    subject: str
    body: str


def _office(municipality: Municipality) -> tuple[str | None, str]:
    """The regional office that answers for a municipality (None: the directorate) and its address."""
    region = region_of_municipality(municipality)
    support = settings.SUPPORT_EMAIL
    if region is None:
        return None, support
    return region.name, region.office_email or support


def _footer(municipality: Municipality, language: str, office: tuple[str | None, str]) -> str:
    """A polite footer instead of an unsubscribe link: who to ask, and why the message came."""
    office, address = office
    with translation.override("nn" if language == Contact.Language.NYNORSK else "nb"):
        if office is None:
            ask = _("Questions about the survey? Contact the directorate: {address}.").format(address=address)
        else:
            ask = _("Questions about the survey? Contact the regional office {office}: {address}.").format(
                office=office, address=address
            )
        why = _("You get this message because you are registered as a contact of {municipality}.").format(
            municipality=municipality.name
        )
    return f"\n--\n{ask}\n{why}\n"


def officer_signature(user, office: str | None, language: str) -> str:
    """How a personal reminder is signed: the officer's full name and office, one per line (the
    office alone when the account has no name; never the user name, which means nothing to a
    municipality)."""
    with translation.override("nn" if language == Contact.Language.NYNORSK else "nb"):
        where = _("The directorate") if office is None else _("Regional office {office}").format(office=office)
    return "\n".join(part for part in (user.get_full_name().strip(), where) if part)


PREVIEW_TOKEN = "…"


def dispatch_text(
    *, dispatch: Dispatch, token: str, officer: str = "", office: tuple[str | None, str] | None = None
) -> EmailText:
    """The message of a dispatch in the contact's language (Bokmål unless Nynorsk), with the
    polite footer that names the regional office. An invitation rule without a text of its
    own sends the round's invitation, written by the same function as every invitation."""
    survey, contact, rule = dispatch.survey, dispatch.contact, dispatch.rule
    office = office or _office(dispatch.municipality)
    if rule is not None and rule.kind == Rule.Kind.INVITATION and not (rule.subject_nb and rule.body_nb):
        unsaved = Invitation(
            survey=survey,
            municipality=dispatch.municipality,
            contact=contact,
            role=contact_section_role(contact, survey) or "",
            name=contact.name,
            email=contact.email,
        )
        text = invitation_email(invitation=unsaved, token=token)
        return EmailText(text.subject, text.body + _footer(dispatch.municipality, contact.language, office))
    language = "nn" if contact.language == Contact.Language.NYNORSK else "nb"
    source = survey.reminder_schedule if rule is None else rule
    prefix = "personal_" if rule is None else ""
    subject = getattr(source, f"{prefix}subject_{language}") or getattr(source, f"{prefix}subject_nb")
    body = getattr(source, f"{prefix}body_{language}") or getattr(source, f"{prefix}body_nb")
    with translation.override(language):
        deadline = date_format(timezone.localtime(survey.closes_at), "j. F Y H:i")
    values = {
        "name": contact.name,
        "municipality": dispatch.municipality.name,
        "year": survey.year,
        "deadline": deadline,
        "link": invitation_link(token),
        "officer": officer,
    }
    with translation.override(language):
        lost = lost_link_line()
    return EmailText(
        subject=_render(subject, **values).replace("\n", " "),
        body=_render(body, **values) + lost + _footer(dispatch.municipality, contact.language, office),
    )


def _skip_reason(dispatch: Dispatch) -> str:
    """Why a pending message is no longer wanted, or ''."""
    if dispatch.survey.status != Survey.Status.OPEN:
        return Dispatch.SkipReason.ROUND_CLOSED
    contact = dispatch.contact
    if contact is None:
        return Dispatch.SkipReason.ERASED
    if not contact.is_active:
        return Dispatch.SkipReason.INACTIVE
    try:
        validate_email(contact.email)
    except ValidationError:
        return Dispatch.SkipReason.MALFORMED
    if contact_section_role(contact, dispatch.survey) is None:
        return Dispatch.SkipReason.NO_ROLE
    status = (
        unit_progress(survey=dispatch.survey, municipality_ids=[dispatch.municipality_id])
        .get(dispatch.municipality_id, NOT_STARTED)
        .status
    )
    audience = dispatch.rule.audience if dispatch.rule_id else Rule.Audience.NOT_SUBMITTED
    if not audience_includes(audience, status):
        return {
            UnitStatus.SUBMITTED: Dispatch.SkipReason.SUBMITTED,
            UnitStatus.STARTED: Dispatch.SkipReason.STARTED,
        }.get(status, Dispatch.SkipReason.NOT_SUBMITTED)
    return ""


def _retry_delay(attempts: int) -> int:
    return settings.REMINDERS_RETRY_SECONDS * 2 ** (attempts - 1)


def _is_permanent(error: Exception) -> bool:
    """A 5xx answer will not change on a retry; a refused connection or a 4xx may."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _message in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


@dataclass
class SendOutcome:
    status: str
    retry_in: int | None = None


def dispatch_send(*, dispatch_id: int) -> SendOutcome:
    """Sends one pending message, at most once; see the module's docstring."""
    now = timezone.now()
    with transaction.atomic():
        dispatch = (
            Dispatch.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("survey__reminder_schedule", "municipality__county", "contact", "rule", "chase_entry__user")
            .filter(pk=dispatch_id, status=Dispatch.Status.PENDING)
            .first()
        )
        if dispatch is None:
            return SendOutcome("not_pending")
        schedule = getattr(dispatch.survey, "reminder_schedule", None)
        if schedule is not None and schedule.is_paused:
            return SendOutcome("paused")  # held, not dropped: it goes when the schedule resumes
        reason = _skip_reason(dispatch)
        if reason:
            dispatch.status, dispatch.skip_reason = Dispatch.Status.SKIPPED, reason
            dispatch.save(update_fields=["status", "skip_reason", "updated_at"])
            return SendOutcome(dispatch.status)

        contact = dispatch.contact
        dispatch.attempts += 1
        dispatch.email = contact.email
        try:
            # A savepoint: the fresh link exists only if the message carrying it was accepted.
            with transaction.atomic():
                invitation, token = invitation_create(
                    survey=dispatch.survey,
                    municipality=dispatch.municipality,
                    role=contact_section_role(contact, dispatch.survey),
                    name=contact.name,
                    email=contact.email,
                    contact=contact,
                )
                office = _office(dispatch.municipality)
                officer = ""
                if dispatch.chase_entry_id:
                    officer = officer_signature(dispatch.chase_entry.user, office[0], contact.language)
                text = dispatch_text(dispatch=dispatch, token=token, officer=officer, office=office)
                EmailMessage(text.subject, text.body, to=[contact.email], reply_to=[office[1]]).send()
        except (smtplib.SMTPException, OSError) as error:
            dispatch.failure_reason = f"{type(error).__name__}: {error}"[:2000]
            retry_in = None
            if _is_permanent(error) or dispatch.attempts >= settings.REMINDERS_MAX_ATTEMPTS:
                dispatch.status = Dispatch.Status.FAILED
            else:
                retry_in = _retry_delay(dispatch.attempts)
                dispatch.next_attempt_at = now + datetime.timedelta(seconds=retry_in)
            dispatch.save(
                update_fields=["attempts", "email", "failure_reason", "status", "next_attempt_at", "updated_at"]
            )
            return SendOutcome(dispatch.status, retry_in)
        dispatch.status, dispatch.sent_at = Dispatch.Status.SENT, timezone.now()
        dispatch.invitation, dispatch.subject = invitation, text.subject[:300]
        dispatch.save(update_fields=["status", "sent_at", "invitation", "subject", "attempts", "email", "updated_at"])
        return SendOutcome(dispatch.status)


# --- the chase log ----------------------------------------------------------------------------


def _check_in_round(survey: Survey, municipality: Municipality) -> None:
    if not round_units(survey).filter(pk=municipality.pk).exists():
        raise ValidationError(ERROR_NOT_IN_ROUND, code="not_in_round")


@transaction.atomic
def chase_entry_create(
    *,
    survey: Survey,
    municipality: Municipality,
    user: User,
    channel: str,
    outcome: str,
    note: str = "",
    follow_up_on: datetime.date | None = None,
) -> ChaseEntry:
    _check_in_round(survey, municipality)
    entry = ChaseEntry(
        survey=survey,
        municipality=municipality,
        user=user,
        channel=channel,
        outcome=outcome,
        note=note,
        follow_up_on=follow_up_on,
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def chase_reminder_send(
    *, survey: Survey, municipality: Municipality, user: User, request_key: uuid.UUID
) -> ChaseEntry:
    """A personal reminder from a regional officer to the municipality's contacts, logged as a
    chase entry and sent through the same exactly-once dispatch. The same request key
    (a form sent twice) sends nothing more."""
    existing = ChaseEntry.objects.filter(request_key=request_key).first()
    if existing is not None:
        return existing
    if survey.status != Survey.Status.OPEN:
        raise ValidationError(ERROR_NOT_OPEN, code="not_open")
    _check_in_round(survey, municipality)
    schedule_create_default(survey=survey)
    contacts = list(round_contacts(survey=survey).filter(municipality=municipality))
    if not contacts:
        raise ValidationError(_("The municipality has no active contact to remind."), code="no_contacts")
    entry = ChaseEntry.objects.create(
        survey=survey,
        municipality=municipality,
        user=user,
        channel=ChaseEntry.Channel.REMINDER,
        outcome=ChaseEntry.Outcome.SENT,
        note=_("Sent to: %(names)s") % {"names": ", ".join(contact.name for contact in contacts)},
        request_key=request_key,
    )
    now = timezone.now()
    Dispatch.objects.bulk_create(
        [
            Dispatch(
                survey=survey,
                municipality=municipality,
                contact=contact,
                chase_entry=entry,
                email=contact.email,
                next_attempt_at=_lease_until(now),
            )
            for contact in contacts
        ]
    )
    ids = list(entry.dispatches.values_list("pk", flat=True))
    transaction.on_commit(lambda: dispatches_enqueue(ids))
    return entry
