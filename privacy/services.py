"""Writes about personal data: export one person's data, erase it, erase expired contacts, and
pseudonymise the audit trail of an archived round. Each is logged in PersonalDataLog.

Erasure keeps the municipality's answers and every row that counts something (messages sent,
changes made): it deletes the contact rows and replaces what names or reaches the person.

- `Contact`: deleted. `Dispatch.contact` and `Invitation.contact` become empty (SET_NULL).
- `Invitation` (their links): name -> the pseudonym, e-mail blanked. A link keeps working: a
  colleague's delegated section hangs on it; revoke it in the admin if the person must lose access.
- `Dispatch` (messages to them): e-mail blanked, their name and address taken out of subject and
  error; a message still pending is skipped ("the contact's personal data was erased").
- `AnswerChange.actor_name` (the audit trail, changes through their links), `SectionProgress`
  "last worked on by" and "submitted by": the pseudonym.
- `ChaseEntry.note` of their municipalities: their name and address replaced by the pseudonym.
- The admin's history (`LogEntry.object_repr`) of their contact rows and links, and earlier export
  log rows about their address: the pseudonym.

The pseudonym is "Slettet person #<id of the erasure's log row>", the same everywhere for one erasure.
"""

import datetime
import re
from dataclasses import dataclass

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from municipalities.models import Contact
from privacy.models import PersonalDataLog
from privacy.selectors import (
    SHORTEST_NAME_TO_REPLACE,
    Person,
    contacts_expired,
    person_find,
    person_of_contact,
    personal_data_collect,
)
from reminders.models import ChaseEntry, Dispatch
from surveys.models import AnswerChange, Invitation, SectionProgress, Survey

RETENTION_RULE = "retention rule"
ERROR_NO_ADDRESS = _("Give the e-mail address of the person.")
ERROR_NOTHING_STORED = _("Nothing is stored about %(email)s.")
ERROR_NOT_ARCHIVED = _("%(survey)s is %(status)s: only an archived round's audit trail can be pseudonymised.")
ERROR_ALREADY_PSEUDONYMISED = _("The audit trail of %(survey)s was pseudonymised on %(date)s.")
ROUND_PSEUDONYM = "Person {number}"


@dataclass
class Doer:
    """Who asks: a staff account, or what ran it (the retention rule, the command line)."""

    user: User | None = None
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or (self.user.get_username() if self.user else "")


def _log(*, action: str, doer: Doer, **fields) -> PersonalDataLog:
    return PersonalDataLog.objects.create(
        action=action, performed_by=doer.user, performed_by_name=doer.label[:150], **fields
    )


# --- export ------------------------------------------------------------------------------------


def personal_data_export(*, email: str, doer: Doer) -> tuple[PersonalDataLog, dict[str, list[dict]]]:
    """Everything stored about an address (see selectors.personal_data_collect), logged."""
    email = email.strip().lower()
    if not email:
        raise ValidationError(ERROR_NO_ADDRESS, code="no_address")
    data = personal_data_collect(email=email)
    if not any(data.values()):
        raise ValidationError(ERROR_NOTHING_STORED, code="nothing_stored", params={"email": email})
    log = _log(
        action=PersonalDataLog.Action.EXPORT,
        doer=doer,
        subject=email,
        details={kind: len(rows) for kind, rows in data.items()},
    )
    return log, data


# --- erasure -----------------------------------------------------------------------------------


def _substitute(text: str, replacements: dict[str, str]) -> str:
    """Replaces each name or address (whole words, any case, longest first) in a free text."""
    for needle in sorted(replacements, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(needle)}(?!\w)", replacements[needle], text, flags=re.IGNORECASE)
    return text


def _replace_all(text: str, person: Person, pseudonym: str) -> str:
    return _substitute(text, dict.fromkeys(person.texts, pseudonym))


def _erase(*, person: Person, dispatches, pseudonym: str, now: datetime.datetime) -> dict[str, int]:
    """Replaces the person everywhere (see the module's docstring) and deletes their contact rows."""
    counts = {}
    counts["answer_changes"] = person.answer_changes().update(actor_name=pseudonym)
    progress = person.section_progress()
    counts["sections"] = progress.count()
    progress.filter(last_worked_by__in=person.names).update(last_worked_by=pseudonym, updated_at=now)
    progress.filter(submitted_by__in=person.names).update(submitted_by=pseudonym, updated_at=now)

    # Locked: a worker sending one of these messages finishes first, and sees the erasure after.
    messages = list(dispatches.select_for_update(of=("self",)))
    for message in messages:
        message.email = ""
        message.subject = _replace_all(message.subject, person, pseudonym)
        message.failure_reason = _replace_all(message.failure_reason, person, pseudonym)
        if message.status == Dispatch.Status.PENDING:
            message.status, message.skip_reason = Dispatch.Status.SKIPPED, Dispatch.SkipReason.ERASED
        message.updated_at = now
    Dispatch.objects.bulk_update(
        messages, ["email", "subject", "failure_reason", "status", "skip_reason", "updated_at"], batch_size=500
    )
    counts["messages"] = len(messages)

    entries = list(person.chase_entries())
    for entry in entries:
        entry.note = _replace_all(entry.note, person, pseudonym)
        entry.updated_at = now
    ChaseEntry.objects.bulk_update(entries, ["note", "updated_at"], batch_size=500)
    counts["chase_entries"] = len(entries)

    invitation_ids = [i.pk for i in person.invitations]
    counts["invitations"] = Invitation.objects.filter(pk__in=invitation_ids).update(
        name=pseudonym, email="", contact=None, updated_at=now
    )
    contact_ids = [c.pk for c in person.contacts]
    for model, ids in ((Contact, contact_ids), (Invitation, invitation_ids)):
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id__in=[str(pk) for pk in ids]
        ).update(object_repr=pseudonym)
    earlier = Q(pk__in=[])
    for email in person.emails:
        earlier |= Q(subject__iexact=email)
    PersonalDataLog.objects.filter(earlier).update(subject=pseudonym, updated_at=now)
    counts["contacts"] = Contact.objects.filter(pk__in=contact_ids).delete()[1].get(Contact._meta.label, 0)
    return counts


@transaction.atomic
def personal_data_erase(*, email: str, doer: Doer) -> PersonalDataLog:
    """Erases one person (every contact row and link with the address) everywhere; keeps the answers."""
    email = email.strip().lower()
    if not email:
        raise ValidationError(ERROR_NO_ADDRESS, code="no_address")
    person = person_find(email=email)
    if not person.contacts and not person.invitations and not person.dispatches().exists():
        raise ValidationError(ERROR_NOTHING_STORED, code="nothing_stored", params={"email": email})
    log = _log(action=PersonalDataLog.Action.ERASE, doer=doer)
    counts = _erase(person=person, dispatches=person.dispatches(), pseudonym=log.pseudonym, now=timezone.now())
    log.subject, log.details = log.pseudonym, counts
    log.save(update_fields=["subject", "details", "updated_at"])
    return log


def contacts_erase_expired(*, now: datetime.datetime, doer: Doer, dry_run: bool = False) -> list[PersonalDataLog]:
    """Erases each contact the retention rule has expired (selectors.contacts_expired), one
    transaction and one log row each; returns the log rows (unsaved ones on a dry run)."""
    logs = []
    for contact in contacts_expired(now=now):
        details = {
            "municipality": contact.municipality.number,
            "role": contact.role,
            "last_activity": contact.last_activity.isoformat(),
        }
        if dry_run:
            logs.append(PersonalDataLog(action=PersonalDataLog.Action.RETENTION, details=details))
            continue
        with transaction.atomic():
            contact = contacts_expired(now=now).select_for_update(of=("self",)).filter(pk=contact.pk).first()
            if contact is None:  # used or changed since the list was read
                continue
            person = person_of_contact(contact=contact)
            log = _log(action=PersonalDataLog.Action.RETENTION, doer=doer)
            counts = _erase(
                person=person, dispatches=Dispatch.objects.filter(contact=contact), pseudonym=log.pseudonym, now=now
            )
            log.subject, log.details = log.pseudonym, {**details, **counts}
            log.save(update_fields=["subject", "details", "updated_at"])
            logs.append(log)
    return logs


# --- pseudonymising an archived round ------------------------------------------------------------


class _Pseudonyms:
    """ "Person 1", "Person 2", ... one per person, in the order they first appear."""

    def __init__(self):
        self.by_key: dict[tuple, str] = {}
        self.by_text: dict[str, str] = {}

    def of(self, key: tuple, *texts: str) -> str:
        pseudonym = self.by_key.setdefault(key, ROUND_PSEUDONYM.format(number=len(self.by_key) + 1))
        for text in texts:
            if len(text) >= SHORTEST_NAME_TO_REPLACE:
                self.by_text.setdefault(text, pseudonym)
        return pseudonym

    def of_name(self, name: str) -> str:
        return self.by_text.get(name) or self.of(("name", name), name)

    def replace_in(self, text: str) -> str:
        return _substitute(text, self.by_text)


def _invitation_key(invitation: Invitation) -> tuple:
    return ("email", invitation.email.lower()) if invitation.email else ("name", invitation.name)


@transaction.atomic
def survey_pseudonymise(*, survey: Survey, doer: Doer) -> PersonalDataLog:
    """Replaces every person in an archived round's audit trail, links, messages, section statuses and
    chase notes by a pseudonym ("Person 3"), the same for one person throughout the round. The answers
    stay with the municipality. Refused for a round that is not archived, and a second time."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status != Survey.Status.ARCHIVED:
        raise ValidationError(
            ERROR_NOT_ARCHIVED, code="not_archived", params={"survey": survey, "status": survey.get_status_display()}
        )
    done = PersonalDataLog.objects.filter(action=PersonalDataLog.Action.PSEUDONYMISE, survey=survey).first()
    if done is not None:
        raise ValidationError(
            ERROR_ALREADY_PSEUDONYMISED,
            code="already_pseudonymised",
            params={"survey": survey, "date": date_format(timezone.localtime(done.created_at), "SHORT_DATE_FORMAT")},
        )
    now = timezone.now()
    pseudonyms = _Pseudonyms()

    changes = list(
        AnswerChange.objects.filter(answer__response__survey=survey)
        .select_related("invitation")
        .order_by("created_at", "pk")
    )
    for change in changes:
        if change.invitation_id:
            key = _invitation_key(change.invitation)
            change.actor_name = pseudonyms.of(key, change.actor_name, change.invitation.name, change.invitation.email)
        elif change.user_id:
            change.actor_name, change.user = pseudonyms.of(("user", change.user_id), change.actor_name), None
        else:
            change.actor_name = pseudonyms.of_name(change.actor_name)
    AnswerChange.objects.bulk_update(changes, ["actor_name", "user"], batch_size=500)

    invitations = list(Invitation.objects.filter(survey=survey).order_by("created_at", "pk"))
    for invitation in invitations:
        invitation.name = pseudonyms.of(_invitation_key(invitation), invitation.name, invitation.email)
        invitation.email, invitation.contact, invitation.updated_at = "", None, now
    Invitation.objects.bulk_update(invitations, ["name", "email", "contact", "updated_at"], batch_size=500)

    messages = list(Dispatch.objects.filter(survey=survey).select_related("contact").order_by("created_at", "pk"))
    for message in messages:
        names = [message.contact.name] if message.contact_id else []
        if message.email:
            pseudonyms.of(("email", message.email.lower()), message.email, *names)
    for message in messages:
        message.subject = pseudonyms.replace_in(message.subject)
        message.failure_reason = pseudonyms.replace_in(message.failure_reason)
        message.email, message.contact, message.updated_at = "", None, now
    Dispatch.objects.bulk_update(
        messages, ["email", "contact", "subject", "failure_reason", "updated_at"], batch_size=500
    )

    progress = list(SectionProgress.objects.filter(response__survey=survey).exclude(last_worked_by="", submitted_by=""))
    for row in progress:
        row.last_worked_by = pseudonyms.of_name(row.last_worked_by) if row.last_worked_by else ""
        row.submitted_by = pseudonyms.of_name(row.submitted_by) if row.submitted_by else ""
        row.updated_at = now
    SectionProgress.objects.bulk_update(progress, ["last_worked_by", "submitted_by", "updated_at"], batch_size=500)

    entries = list(ChaseEntry.objects.filter(survey=survey).exclude(note=""))
    for entry in entries:
        entry.note, entry.updated_at = pseudonyms.replace_in(entry.note), now
    ChaseEntry.objects.bulk_update(entries, ["note", "updated_at"], batch_size=500)

    return _log(
        action=PersonalDataLog.Action.PSEUDONYMISE,
        doer=doer,
        survey=survey,
        details={
            "people": len(pseudonyms.by_key),
            "answer_changes": len(changes),
            "invitations": len(invitations),
            "messages": len(messages),
            "sections": len(progress),
            "chase_entries": len(entries),
        },
    )
