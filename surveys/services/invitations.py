"""Invitation links: create, revoke, delegate and e-mail them (a link is resolved and held to its
rule by the respondent wing: surveys.respondent.links and surveys.link_rule).

A token carries 256 bits from `secrets` and is shown once, in the e-mail; the
database keeps only its SHA-256. A link is bound to one round, one
municipality and one role or delegated section, and works from the round's
opening until `closes_at` plus the round's grace period, unless revoked.
"""

import datetime
import logging
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from municipalities.models import Contact, Municipality
from operations.outbox import task_enqueue
from surveys.link_rule import link_is_chief, token_hash
from surveys.models import DelegationEvent, Invitation, RespondentRole, Section, Survey
from surveys.services.responses import ERROR_NOT_OPEN

logger = logging.getLogger(__name__)


def invitation_link(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('respondent-landing', args=[token])}"


def survey_roles(survey: Survey) -> list[RespondentRole]:
    """The respondent roles of the round's questionnaire, read once per Survey instance."""
    if "_respondent_roles" not in survey.__dict__:
        roles = (
            RespondentRole.objects.filter(questionnaire_id=survey.questionnaire_id) if survey.questionnaire_id else []
        )
        survey.__dict__["_respondent_roles"] = list(roles)
    return survey.__dict__["_respondent_roles"]


def invited_contact_roles(survey: Survey) -> list[str]:
    """The registry's contact roles the round invites (RespondentRole.contact_role)."""
    return sorted({role.contact_role for role in survey_roles(survey) if role.contact_role})


def contact_section_role(contact: Contact, survey: Survey) -> str | None:
    """The role a contact answers for in the round: the questionnaire's role that invites the
    contact's role in the contact's kind of unit (so a district's chief executive is its district
    director), before one that invites it in every kind of unit; None when no role invites it."""
    kind = contact.municipality.kind
    matches = [
        role for role in survey_roles(survey) if role.contact_role == contact.role and role.unit_kind in ("", kind)
    ]
    matches.sort(key=lambda role: role.unit_kind == "")
    return matches[0].code if matches else None


@transaction.atomic
def invitation_create(
    *,
    survey: Survey,
    municipality: Municipality,
    role: str,
    name: str,
    email: str,
    contact: Contact | None = None,
    section: Section | None = None,
    delegated_by: Invitation | None = None,
) -> tuple[Invitation, str]:
    """A new link; returns the invitation and the token (never stored)."""
    if survey.status not in (Survey.Status.DRAFT, Survey.Status.OPEN):
        raise ValidationError(_("Links can only be made for a round that is not closed."), code="round_closed")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        survey=survey,
        municipality=municipality,
        role=role,
        name=name,
        email=email,
        contact=contact,
        section=section,
        delegated_by=delegated_by,
        token_hash=token_hash(token),
    )
    invitation.full_clean()
    invitation.save()
    return invitation, token


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> Invitation:
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
    return invitation


def _render(template: str, **values) -> str:
    # str.format_map with a dict that leaves unknown placeholders as they are.
    class Keep(dict):
        def __missing__(self, key):
            return "{" + key + "}"

    return template.format_map(Keep(values))


@dataclass
class InvitationEmail:
    subject: str
    body: str


def invitation_language(invitation: Invitation) -> str:
    """The language of a link's e-mails: the contact's, for a delegated section the giver's; Bokmål unless Nynorsk."""
    contact = invitation.contact or (invitation.delegated_by.contact if invitation.delegated_by_id else None)
    return "nn" if contact is not None and contact.language == "nn" else "nb"


DELEGATION_BODY = gettext_lazy(
    "{giver} at {municipality} has given you the section “{section}” of {municipality}'s answer to {survey}. "
    "The deadline is {deadline}.\n\nAnswer here: {link}\n\nThe link is personal and opens this section only. "
    "If you did not expect this message, you can ignore it.\n"
)


COLLEAGUE_CAN = gettext_lazy(
    "With the link you can answer this section, stop and come back to it, and submit it. "
    "You cannot give it on to others; {giver} sees your answers.\n"
)
LOST_LINK_LINE = gettext_lazy("Lost this e-mail or the link? Get a new link here: {url}\n")


def lost_link_line() -> str:
    """The line every invitation and reminder to a contact ends with (a colleague given a section
    is no contact, and gets a new link from the person who gave it)."""
    return "\n" + str(LOST_LINK_LINE).format(url=f"{settings.SITE_URL}{reverse('respondent-lost-link')}")


def invitation_email(*, invitation: Invitation, token: str) -> InvitationEmail:
    """The round's invitation text in the contact's language (Bokmål unless Nynorsk), the deadline
    and any text of ours included, whatever language the admin or worker sending it uses. A
    delegated section gets the platform's own text naming the giver (from the contact register)
    and the unit: nothing a respondent typed is in it but in the address line."""
    survey = invitation.survey
    language = invitation_language(invitation)
    with translation.override(language):
        values = {
            "name": invitation.name,
            "municipality": invitation.municipality.name,
            "year": survey.year,
            "deadline": date_format(timezone.localtime(survey.closes_at), "j. F Y H:i"),
            "link": invitation_link(token),
        }
        subject = _render(getattr(survey, f"invitation_subject_{language}"), **values)
        if invitation.section_id:
            body = _render(
                str(DELEGATION_BODY),
                giver=invitation.delegated_by.name,
                municipality=invitation.municipality.name,
                section=invitation.section.title(language),
                survey=survey.title,
                deadline=values["deadline"],
                link=values["link"],
            )
            body += "\n" + str(COLLEAGUE_CAN).format(giver=invitation.delegated_by.name)
        else:
            body = _render(getattr(survey, f"invitation_body_{language}"), **values) + lost_link_line()
    return InvitationEmail(subject=subject.replace("\n", " "), body=body)


def invitation_send(*, invitation: Invitation, token: str) -> None:
    """E-mails a link right away: a delegated section or a lost link. The round's invitations
    and reminders go through the schedule (reminders.services), which writes them the same way."""
    message = invitation_email(invitation=invitation, token=token)
    EmailMessage(message.subject, message.body, to=[invitation.email]).send()


# A colleague's name as a person writes it: words of letters, an initial's period, joined by
# single spaces, hyphens or apostrophes. No digits, colons, slashes or "www.x": no links, no
# sentences, nothing that turns the platform's e-mail into someone else's message.
DELEGATION_NAME_PATTERN = re.compile(r"^[^\W\d_]+\.?(?:[ '’-][^\W\d_]+\.?)*$")
DELEGATION_NAME_MAX = 100
ERROR_DELEGATION_NAME = gettext_lazy(
    "Write the colleague's name with letters only (for example “Kari Nordmann”), at most %(max)s characters."
)
ERROR_DELEGATION_DOMAIN = gettext_lazy("%(municipality)s gives sections only to addresses ending in %(domains)s.")
ERROR_DELEGATION_LINK_LIMIT = gettext_lazy(
    "This link has given %(count)s sections in the last 24 hours, which is the most it may. "
    "Try again tomorrow, or write to the survey team."
)
ERROR_DELEGATION_UNIT_LIMIT = gettext_lazy(
    "%(municipality)s has given %(count)s sections in the last 24 hours, which is the most it may. "
    "Try again tomorrow, or write to the survey team."
)


def delegation_name_validate(name: str) -> str:
    """The colleague's name, tidied, or ValidationError: the one rule for the form and the service."""
    name = " ".join(name.split())
    if len(name) > DELEGATION_NAME_MAX or not DELEGATION_NAME_PATTERN.match(name):
        raise ValidationError(ERROR_DELEGATION_NAME, code="name", params={"max": DELEGATION_NAME_MAX})
    return name


class DelegationRefused(ValidationError):
    """A delegation the limits refuse; logged as refused."""


def _delegation_refusals(*, invitation: Invitation, email: str, now: datetime.datetime) -> None:
    """Raises DelegationRefused when the unit's domains or the day's limits refuse a delegation."""
    municipality = invitation.municipality
    domains = municipality.delegation_domains
    if domains and email.rsplit("@", 1)[-1].lower() not in domains:
        raise DelegationRefused(
            ERROR_DELEGATION_DOMAIN,
            code="domain",
            params={"municipality": municipality.name, "domains": ", ".join(sorted(domains))},
        )
    since = now - datetime.timedelta(days=1)
    given = Invitation.objects.filter(delegated_by__isnull=False, created_at__gte=since)
    by_link = given.filter(delegated_by=invitation).count()
    if by_link >= settings.DELEGATIONS_PER_LINK_PER_DAY:
        raise DelegationRefused(ERROR_DELEGATION_LINK_LIMIT, code="link_limit", params={"count": by_link})
    by_unit = given.filter(survey_id=invitation.survey_id, municipality_id=invitation.municipality_id).count()
    if by_unit >= settings.DELEGATIONS_PER_MUNICIPALITY_PER_DAY:
        raise DelegationRefused(
            ERROR_DELEGATION_UNIT_LIMIT, code="unit_limit", params={"count": by_unit, "municipality": municipality.name}
        )


def delegation_create(
    *, invitation: Invitation, section: Section, name: str, email: str, ip_address: str | None = None
) -> tuple[Invitation, str]:
    """The chief executive gives one section to a colleague, who gets a link of their own. At most
    DELEGATIONS_PER_LINK_PER_DAY per link and DELEGATIONS_PER_MUNICIPALITY_PER_DAY per unit in 24
    hours, only to the unit's e-mail domains when it has any; every delegation, and every refusal,
    is in the delegation log."""
    if not link_is_chief(invitation):
        raise ValidationError(_("Only the chief executive's link can give sections to others."), code="not_chief")
    if invitation.survey.status != Survey.Status.OPEN:
        raise ValidationError(ERROR_NOT_OPEN, code="not_open")
    if section.questionnaire_id != invitation.survey.questionnaire_id:
        raise ValidationError(_("The section is not part of this round."), code="wrong_section")
    name = delegation_name_validate(name)
    domain = email.rsplit("@", 1)[-1].lower()[:254]
    try:
        with transaction.atomic():
            # The giver's row, locked: two requests at once count each other's links.
            Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
            _delegation_refusals(invitation=invitation, email=email, now=timezone.now())
            delegation, token = invitation_create(
                survey=invitation.survey,
                municipality=invitation.municipality,
                role=section.role,
                name=name,
                email=email,
                section=section,
                delegated_by=invitation,
            )
            DelegationEvent.objects.create(
                giver=invitation,
                delegation=delegation,
                kind=DelegationEvent.Kind.GIVEN,
                email_domain=domain,
                ip_address=ip_address,
            )
            transaction.on_commit(lambda: delegation_link_send(delegation=delegation, token=token))
    except DelegationRefused as refused:
        DelegationEvent.objects.create(
            giver=invitation,
            kind=DelegationEvent.Kind.REFUSED,
            reason=refused.code,
            email_domain=domain,
            ip_address=ip_address,
        )
        raise
    return delegation, token


@transaction.atomic
def delegation_revoke(*, giver: Invitation, delegation: Invitation, ip_address: str | None = None) -> Invitation:
    """The chief executive takes back a link they gave (logged)."""
    invitation_revoke(invitation=delegation)
    DelegationEvent.objects.create(
        giver=giver, delegation=delegation, kind=DelegationEvent.Kind.REVOKED, ip_address=ip_address
    )
    return delegation


def delegation_link_send(*, delegation: Invitation, token: str) -> None:
    """E-mails the colleague their link at once. When the mail server does not take it, a
    worker sends a fresh link later (only the hash is stored, so this token cannot be sent
    again): the chief's page never fails for it and the colleague still gets a link."""
    try:
        invitation_send(invitation=delegation, token=token)
    except OSError as error:  # smtplib's errors are OSErrors too
        logger.warning("link %s not e-mailed (%s): a worker sends a fresh one", delegation.pk, type(error).__name__)
        task_enqueue("surveys.tasks.invitation_link_resend_task", invitation_id=delegation.pk)


def invitation_link_resend(*, invitation: Invitation) -> None:
    """A fresh token for a link whose e-mail did not go out, e-mailed; the unsent one stops working."""
    if invitation.revoked_at is not None:
        return
    token = secrets.token_urlsafe(32)
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=token_hash(token), updated_at=timezone.now())
    invitation_send(invitation=invitation, token=token)


def lost_link_send(*, email: str) -> int:
    """A fresh link for each active contact with this address, of a current municipality,
    in each open round; the old links keep working. Runs in a worker (see
    surveys.tasks.lost_link_send_task), so the page answers equally fast for known and
    unknown addresses. Returns how many were sent (the page never tells)."""
    sent = 0
    contacts = Contact.objects.filter(
        email__iexact=email, is_active=True, municipality__in=Municipality.objects.current()
    ).select_related("municipality")
    for survey in Survey.objects.filter(status=Survey.Status.OPEN):
        for contact in contacts:
            role = contact_section_role(contact, survey)
            if role is None:
                continue
            with transaction.atomic():
                invitation, token = invitation_create(
                    survey=survey,
                    municipality=contact.municipality,
                    role=role,
                    name=contact.name,
                    email=contact.email,
                    contact=contact,
                )
            invitation_send(invitation=invitation, token=token)
            sent += 1
    return sent
