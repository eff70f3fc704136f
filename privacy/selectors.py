"""Reads about personal data: everything stored about one e-mail address, and the contacts the
retention rule has expired."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest

from municipalities.models import Contact
from reminders.models import ChaseEntry, Dispatch
from surveys.models import AnswerChange, Invitation, SectionProgress, Survey

# Rounds that may still send to a contact or take answers through its links.
LIVE_ROUND_STATUSES = [Survey.Status.DRAFT, Survey.Status.OPEN]
# Shorter names would match inside other words of a chase note.
SHORTEST_NAME_TO_REPLACE = 3


@dataclass
class Person:
    """One person as the platform knows them: the contact rows and links with their address, and the
    names and addresses those rows hold."""

    contacts: list[Contact] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)  # lower case

    @property
    def municipality_ids(self) -> set[int]:
        return {c.municipality_id for c in self.contacts} | {i.municipality_id for i in self.invitations}

    @property
    def texts(self) -> list[str]:
        """What identifies the person in free text (chase notes, subjects), longest first."""
        names = {name for name in self.names if len(name) >= SHORTEST_NAME_TO_REPLACE}
        return sorted(names | self.emails, key=len, reverse=True)

    def dispatches(self) -> QuerySet[Dispatch]:
        by_email = Q(pk__in=[])
        for email in self.emails:
            by_email |= Q(email__iexact=email)
        return Dispatch.objects.filter(Q(contact__in=[c.pk for c in self.contacts]) | by_email)

    def answer_changes(self) -> QuerySet[AnswerChange]:
        return AnswerChange.objects.filter(invitation__in=[i.pk for i in self.invitations])

    def section_progress(self) -> QuerySet[SectionProgress]:
        """Sections of the person's municipalities in the rounds of their links that name them."""
        rounds = Q(pk__in=[])
        for survey_id, municipality_id in {(i.survey_id, i.municipality_id) for i in self.invitations}:
            rounds |= Q(response__survey_id=survey_id, response__municipality_id=municipality_id)
        names = list(self.names)
        return SectionProgress.objects.filter(rounds).filter(Q(last_worked_by__in=names) | Q(submitted_by__in=names))

    def chase_entries(self) -> QuerySet[ChaseEntry]:
        """Chase entries of the person's municipalities whose note mentions them, and the personal
        reminders sent to them."""
        mentions = Q(pk__in=[])
        for text in self.texts:
            mentions |= Q(note__icontains=text)
        reminded = self.dispatches().filter(chase_entry__isnull=False).values("chase_entry_id")
        return ChaseEntry.objects.filter(
            (Q(municipality_id__in=self.municipality_ids) & mentions) | Q(pk__in=reminded)
        ).distinct()


def person_find(*, email: str) -> Person:
    """The contacts with this address (in any municipality), their links, and the links sent to the
    address (a colleague given a section has a link but no contact row)."""
    email = email.strip().lower()
    contacts = list(Contact.objects.filter(email__iexact=email).select_related("municipality"))
    invitations = list(
        Invitation.objects.filter(Q(email__iexact=email) | Q(contact__in=[c.pk for c in contacts]))
        .select_related("survey", "municipality", "section")
        .order_by("survey__year", "pk")
    )
    return _person(contacts, invitations, extra_emails={email})


def person_of_contact(*, contact: Contact) -> Person:
    """One contact row and its links only (the same address may belong to a contact elsewhere that is kept)."""
    invitations = list(Invitation.objects.filter(contact=contact).select_related("survey", "municipality", "section"))
    return _person([contact], invitations, extra_emails=set())


def _person(contacts: list[Contact], invitations: list[Invitation], extra_emails: set[str]) -> Person:
    return Person(
        contacts=contacts,
        invitations=invitations,
        names={c.name for c in contacts} | {i.name for i in invitations if i.name},
        emails=extra_emails | {c.email.lower() for c in contacts} | {i.email.lower() for i in invitations if i.email},
    )


def _when(value: datetime.datetime | datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def personal_data_collect(*, email: str) -> dict[str, list[dict]]:
    """Everything stored about an e-mail address, as plain values (no link tokens or their hashes)."""
    person = person_find(email=email)
    return {
        "contacts": [
            {
                "id": c.pk,
                "municipality": f"{c.municipality.number} {c.municipality.name}",
                "name": c.name,
                "role": c.get_role_display(),
                "email": c.email,
                "phone": c.phone,
                "language": c.language,
                "active": c.is_active,
                "created": _when(c.created_at),
                "updated": _when(c.updated_at),
            }
            for c in person.contacts
        ],
        "invitations": [
            {
                "id": i.pk,
                "round": i.survey.year,
                "municipality": f"{i.municipality.number} {i.municipality.name}",
                "role": i.get_role_display(),
                "section": i.section.code if i.section_id else "",
                "name": i.name,
                "email": i.email,
                "created": _when(i.created_at),
                "last_used": _when(i.last_used_at),
                "revoked": _when(i.revoked_at),
            }
            for i in person.invitations
        ],
        "messages": [
            {
                "id": d.pk,
                "round": d.survey.year,
                "municipality": f"{d.municipality.number} {d.municipality.name}",
                "message": d.rule.name if d.rule_id else "personal reminder",
                "email": d.email,
                "subject": d.subject,
                "status": d.get_status_display(),
                "attempts": d.attempts,
                "sent": _when(d.sent_at),
                "skipped_because": d.get_skip_reason_display() if d.skip_reason else "",
                "last_error": d.failure_reason,
                "created": _when(d.created_at),
            }
            for d in person.dispatches().select_related("survey", "municipality", "rule").order_by("created_at", "pk")
        ],
        "chase_entries": [
            {
                "id": e.pk,
                "round": e.survey.year,
                "municipality": f"{e.municipality.number} {e.municipality.name}",
                "how": e.get_channel_display(),
                "outcome": e.get_outcome_display(),
                "note": e.note,
                "follow_up_on": _when(e.follow_up_on),
                "staff_member": e.user.get_full_name() or e.user.get_username(),
                "created": _when(e.created_at),
            }
            for e in person.chase_entries().select_related("survey", "municipality", "user").order_by("created_at")
        ],
        "answer_changes": [
            {
                "id": change.pk,
                "round": change.answer.response.survey.year,
                "municipality": f"{change.answer.response.municipality.number} "
                f"{change.answer.response.municipality.name}",
                "question": change.answer.question.code,
                "version": change.version,
                "changed_by": change.actor_name,
                "old_value": change.old_value,
                "new_value": change.new_value,
                "old_comment": change.old_comment,
                "new_comment": change.new_comment,
                "changed": _when(change.created_at),
            }
            for change in person.answer_changes()
            .select_related("answer__question", "answer__response__survey", "answer__response__municipality")
            .order_by("created_at", "pk")
        ],
        "sections": [
            {
                "round": p.response.survey.year,
                "municipality": f"{p.response.municipality.number} {p.response.municipality.name}",
                "section": p.section.code,
                "status": p.get_status_display(),
                "last_worked_on_by": p.last_worked_by,
                "last_worked_on": _when(p.last_worked_at),
                "submitted_by": p.submitted_by,
                "submitted": _when(p.submitted_at),
            }
            for p in person.section_progress().select_related("response__survey", "response__municipality", "section")
        ],
    }


def contacts_expired(*, now: datetime.datetime) -> QuerySet[Contact]:
    """Contacts the retention rule erases: in no round that is open or being prepared, and nobody has
    changed, invited or reminded them for CONTACT_RETENTION_DAYS. A contact in use is invited every
    year, so only contacts nobody needs any more expire (a person who left, a merged municipality)."""
    cutoff = now - datetime.timedelta(days=settings.CONTACT_RETENTION_DAYS)
    invitations = Invitation.objects.filter(contact=OuterRef("pk"))
    dispatches = Dispatch.objects.filter(contact=OuterRef("pk"))

    def latest(queryset, *fields):
        return Subquery(queryset.order_by().values("contact").annotate(at=Max(Greatest(*fields))).values("at"))

    return (
        Contact.objects.exclude(Exists(invitations.filter(survey__status__in=LIVE_ROUND_STATUSES)))
        .exclude(Exists(dispatches.filter(survey__status__in=LIVE_ROUND_STATUSES)))
        .annotate(
            last_activity=Greatest(
                "updated_at",
                Coalesce(latest(invitations, "created_at", Coalesce("last_used_at", "created_at")), "updated_at"),
                Coalesce(latest(dispatches, "created_at", Coalesce("sent_at", "created_at")), "updated_at"),
            )
        )
        .filter(last_activity__lt=cutoff)
        .select_related("municipality")
        .order_by("municipality__number", "pk")
    )
