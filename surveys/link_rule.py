"""What a respondent's link may do now: the one definition.

A link (an Invitation) holds 256 random bits, shown once in its e-mail and stored only as a hash.
It is bound to one round, one unit and a role, or one section a chief executive gave away. It
works from the round's opening until the round's `closes_at` plus its grace period (not at that
moment), unless it, or the link it was given from, is revoked. It changes answers only while the
round is open (in the grace period it reads only), only in its own unit's response, and only in
the sections it opens: its delegated section; every section for a chief executive's or district
director's link; else its role's sections.

After the round closes, a chief executive's (or district director's) own link also reads its unit's
report (`link_reads_unit_report`), in the grace period and after it: the report holds the unit's own
answers beside published figures, and a chief looks for it with the link they answered with.

`link_refusal` is that rule. The pages ask it of the link they resolved; the plain ways to save
and submit ask it of the link as the database holds it at that moment; the fast ways ask the SQL
form of its "change" half, `surveys_link_may_change` (surveys/fastpath/sql/link_may_change.sql),
inside their own statement. tests/surveys/test_link_rule.py holds every form to the same answer
over a table of cases.
"""

import datetime
import hashlib
import re
from enum import StrEnum

from django.utils import timezone

from surveys.models import CHIEF_ROLE_CODES, Invitation, Response, Section, Survey

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
# The roles whose link sees and submits every section of its unit (a district's chief executive
# is its director); a questionnaire's RespondentRole.is_chief_executive may mark only these.
CHIEF_ROLES = frozenset(CHIEF_ROLE_CODES)


class Refusal(StrEnum):
    """Why a link may not do what it was asked."""

    MALFORMED = "malformed"  # not a token at all
    UNKNOWN = "unknown"  # no link has this token
    REVOKED = "revoked"  # taken back, or given from a link that was
    EXPIRED = "expired"  # the round is archived or past its closing and grace period
    NOT_OPEN = "not_open"  # the round has not opened yet
    READ_ONLY = "read_only"  # the round has closed: the grace period only reads
    RESPONSE = "response"  # another round's or unit's response
    SECTION = "section"  # a section the link does not open


class LinkInvalid(Exception):
    """A link that does not open: why, and the link when there is one."""

    def __init__(self, reason: Refusal, invitation: Invitation | None = None):
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def token_is_wellformed(token: str) -> bool:
    return bool(TOKEN_PATTERN.match(token or ""))


def link_expires_at(survey: Survey) -> datetime.datetime:
    return survey.closes_at + datetime.timedelta(days=survey.invitation_grace_days)


def link_is_chief(invitation: Invitation) -> bool:
    """A chief executive's (or district director's) own link: it sees, gives and submits every section."""
    return invitation.section_id is None and invitation.role in CHIEF_ROLES


def link_opens_section(invitation: Invitation, section: Section) -> bool:
    """A delegated link opens its section, the chief executive's every section of the round's
    questionnaire, any other its role's."""
    if section.questionnaire_id != invitation.survey.questionnaire_id:
        return False
    if invitation.section_id is not None:
        return section.pk == invitation.section_id
    return invitation.role in CHIEF_ROLES or section.role == invitation.role


def link_refusal(
    invitation: Invitation | None,
    *,
    now: datetime.datetime | None = None,
    change: bool = False,
    section: Section | None = None,
    response: Response | None = None,
) -> Refusal | None:
    """Why the link may not open now or, with `change`, may not change answers (in `section` of
    `response`, when given); None when it may. Reads the link's round and the link it was given from."""
    if invitation is None:
        return Refusal.UNKNOWN
    now = now or timezone.now()
    if invitation.revoked_at is not None or (
        invitation.delegated_by_id is not None and invitation.delegated_by.revoked_at is not None
    ):
        return Refusal.REVOKED
    survey = invitation.survey
    if survey.status == Survey.Status.ARCHIVED or now >= link_expires_at(survey):
        return Refusal.EXPIRED
    if survey.status == Survey.Status.DRAFT:
        return Refusal.NOT_OPEN
    if not change:
        return None
    if survey.status != Survey.Status.OPEN:
        return Refusal.READ_ONLY
    if response is not None and (response.survey_id, response.municipality_id) != (
        invitation.survey_id,
        invitation.municipality_id,
    ):
        return Refusal.RESPONSE
    if section is not None and not link_opens_section(invitation, section):
        return Refusal.SECTION
    return None


def link_reads_unit_report(invitation: Invitation | None) -> bool:
    """May this link read its unit's report? A chief's own link that was not taken back, once its
    round is closed (also when archived, and after the link's grace period)."""
    if invitation is None or not link_is_chief(invitation):
        return False
    if invitation.revoked_at is not None:
        return False
    return invitation.survey.status in (Survey.Status.CLOSED, Survey.Status.ARCHIVED)


def link_check(invitation: Invitation | None, *, now: datetime.datetime | None = None) -> Invitation:
    """The link if it opens now, else LinkInvalid saying why not."""
    refusal = link_refusal(invitation, now=now)
    if refusal is not None:
        raise LinkInvalid(refusal, invitation)
    return invitation
