"""A link's ticket (a trick of the fast path, surveys.fastpath): what an autosave or a submit
needs of the link, signed by the page that resolved it.

Someone answering saves every few seconds, and each request lands on whichever web process
the balancer picks. The section page resolves the link (one query: surveys.fastpath.links)
and gives the browser a ticket in a cookie scoped to the link's own address: the link's ids
and role, its round, the round's frozen questionnaire, the municipality and the profile its
conditions read, and the response. An autosave or a submit that brings a valid ticket for its
token reads nothing of the link, on any process. The save or the submission itself asks the
database, in the same statement, whether the link may still change that section of that response
(surveys_link_may_change: the link rule of surveys.link_rule), so a ticket never outlives
its link and cannot point a link at another unit's answers; when the database refuses, the flow
resolves the link, which says why.

The ticket is signed with the SECRET_KEY (django.core.signing), bound to its token (a hash of
it) and honoured for TICKET_SECONDS; without one, or with a stale, altered or foreign one,
the link is resolved as the pages do it (and an autosave hands out a fresh ticket). A ticket
is not secret (it holds what the page shows), only trusted: nobody can make or change one.
What it carries could change during a round only by an admin editing the municipality's
profile; until the page is loaded again, its autosaves decide conditions with the profile the
page was drawn with.
"""

import datetime
import time
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core import signing
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse

from municipalities.models import Municipality, MunicipalityProfile
from surveys.fastpath.memory import memory
from surveys.fastpath.statements import Columns
from surveys.link_rule import token_hash
from surveys.models import Invitation, Questionnaire, Survey

PROFILE_FIELDS = MunicipalityProfile.CONDITION_FIELDS
# What a ticket makes of its link: the fields autosaves read, as the link's query reads them (a
# field left out would be read from the database if anything asked for it).
_INVITATION = Columns(Invitation, ["id", "survey", "municipality", "role", "section", "delegated_by", "name"])
_SURVEY = Columns(Survey, ["id", "year", "status", "questionnaire"])
_QUESTIONNAIRE = Columns(Questionnaire, ["id", "frozen_at"])
_MUNICIPALITY = Columns(Municipality, ["id", "kind", "number"])

TICKET_COOKIE = "link_ticket"
TICKET_SECONDS = 3600
_SALT = "surveys.link_tickets"
_BINDING = 32  # hex digits of the token's hash: enough to tell two tokens apart


class _Serializer(signing.JSONSerializer):
    """JSON that also takes the profile's decimal (as text)."""

    def dumps(self, obj):
        return DjangoJSONEncoder(separators=(",", ":")).encode(obj).encode("latin-1")


def ticket_make(invitation: Invitation, token: str, response_pk: int) -> str | None:
    """The ticket of a resolved link with its response; None while its questionnaire is not
    frozen (an autosave then reads the questionnaire itself)."""
    survey = invitation.survey
    questionnaire = survey.questionnaire
    if questionnaire is None or questionnaire.frozen_at is None or not hasattr(invitation, "profile_settles_refugees"):
        return None
    data = {
        "t": token_hash(token)[:_BINDING],
        "i": [invitation.pk, invitation.role, invitation.section_id, invitation.delegated_by_id, invitation.name],
        "s": [survey.pk, survey.year, survey.status],
        "q": [questionnaire.pk, questionnaire.frozen_at.isoformat()],
        "m": [invitation.municipality_id, invitation.municipality.kind, invitation.municipality.number],
        "r": response_pk,
        "p": [getattr(invitation, f"profile_{name}") for name in PROFILE_FIELDS],
    }
    return signing.dumps(data, salt=_SALT, serializer=_Serializer)


def ticket_invitation(ticket: str, token: str) -> Invitation | None:
    """The link a ticket stands for, with what autosaves read of it (as link_resolve gives it);
    None for a ticket that is altered, older than TICKET_SECONDS or another token's. A ticket
    this process has checked is not checked again until it is too old (the same text is the
    same ticket); the link it gives is shared, and only read."""
    if not ticket:
        return None
    binding = token_hash(token)[:_BINDING]
    found = memory.get_many([f"ticket:{ticket}"]).get(f"ticket:{ticket}")
    if found is not None:
        deadline, bound_to, invitation = found
        return invitation if bound_to == binding and time.time() < deadline else None
    invitation = _ticket_read(ticket, binding)
    if invitation is not None:
        signed_at = signing.b62_decode(ticket.rsplit(":", 2)[1])
        memory.set_many({f"ticket:{ticket}": (signed_at + TICKET_SECONDS, binding, invitation)})
    return invitation


def _ticket_read(ticket: str, binding: str) -> Invitation | None:
    try:
        data = signing.loads(ticket, salt=_SALT, max_age=TICKET_SECONDS)
        if data["t"] != binding:
            return None
        pk, role, section_id, delegated_by_id, name = data["i"]
        survey_pk, year, status = data["s"]
        questionnaire_pk, frozen_at = data["q"]
        municipality_pk, kind, number = data["m"]
        response_pk = int(data["r"])
        # The profile's only text is its one decimal (JSON has no decimals).
        profile = [Decimal(value) if isinstance(value, str) else value for value in data["p"]]
        frozen = datetime.datetime.fromisoformat(frozen_at)
    except (signing.BadSignature, KeyError, TypeError, ValueError, InvalidOperation):
        return None  # a ticket from another release would land here too
    if len(profile) != len(PROFILE_FIELDS):
        return None
    survey = _SURVEY.instance([survey_pk, year, status, questionnaire_pk])
    survey.questionnaire = _QUESTIONNAIRE.instance([questionnaire_pk, frozen])
    invitation = _INVITATION.instance([pk, survey_pk, municipality_pk, role, section_id, delegated_by_id, name])
    invitation.survey = survey
    invitation.municipality = _MUNICIPALITY.instance([municipality_pk, kind, number])
    invitation.response_pk = response_pk
    for field, value in zip(PROFILE_FIELDS, profile, strict=True):
        setattr(invitation, f"profile_{field}", value)
    return invitation


def ticket_give(reply, token: str, ticket: str | None) -> None:
    """Sets the ticket's cookie on a reply: only the link's own pages receive it back."""
    if ticket is None:
        return
    reply.set_cookie(
        TICKET_COOKIE,
        ticket,
        max_age=TICKET_SECONDS,
        path=reverse("respondent-landing", args=[token]),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
