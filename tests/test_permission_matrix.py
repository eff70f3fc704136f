"""Who reaches what: every URL of the platform, for every kind of visitor, GET and POST, held to
one table.

The visitors (columns) are someone without a session (`anon`), three respondent links (`other`:
the chief executive of another unit, Tromsø; `colleague`: a colleague given one section of the
target unit, Bergen; `own`: Bergen's chief executive), the regional officers of another region
(Nord) and of the target's own (Vest), an analyst, a survey admin and a superuser. Every URL is
asked for with the target's objects: Bergen's response, links, chase page and reports of Vest.
Respondent URLs carry the visitor's own token (staff have none, so theirs is unknown).

Staff who signed in through the organisation's identity provider (the test OpenID provider,
tests/oidc_provider/, on for this test) visit too, each the whole way through the provider:
`oidc_officer_other`, `oidc_officer_own`, `oidc_analyst` and `oidc_admin` (roles from their
groups) must reach exactly what the password account of their role reaches, but for the
authenticator app's pages (`OIDC_DIFFERENCES`); `oidc_no_role`, a newcomer no survey admin has
granted a role yet, is sent to the page saying so from every staff and admin page and is
otherwise a visitor without a session (`no_role_cell`).

A cell is the status code, `login` for a redirect to the staff sign-in, or `waiting` for one to
the page of someone signed in without a role. `URLS` holds every
page of ours; `ADMIN_PAGES` holds every admin model as what survey admins, analysts and
superusers may do there (view, add, change, delete), from which each admin page's cells follow:
sign-in for visitors without a session, 403 for regional officers (they have no admin), and for
the others 200 or a redirect where the action is theirs, 403 where it is not. A URL pattern or
an admin model without a row fails `test_every_url_and_admin_model_has_a_row`.
"""

import os
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from municipalities.models import Municipality, Region, StaffProfile
from municipalities.services import staff_user_create
from tests.support import SignedInClient

ACTORS = ["anon", "other", "colleague", "own", "officer_other", "officer_own", "analyst", "admin", "super"]
RESPONDENTS = ACTORS[:4]
STAFF = ACTORS[4:]
# Accounts that came through the identity provider, each with the password account it must match.
OIDC_TWINS = {
    "oidc_officer_other": "officer_other",
    "oidc_officer_own": "officer_own",
    "oidc_analyst": "analyst",
    "oidc_admin": "admin",
}
OIDC_GROUPS = {
    "oidc_officer_other": ["officer:nord"],
    "oidc_officer_own": ["officer:vest"],
    "oidc_analyst": ["analyst"],
    "oidc_admin": ["survey-admin", "all-staff"],
    "oidc_no_role": [],
}
# Where a session from the provider differs from a password session of the same role: it has no
# authenticator app (its pages send it to the staff start page), and signing out goes on to the
# provider's end-session endpoint through a page.
OIDC_DIFFERENCES = {
    ("staff-recovery-codes", "GET"): "302",
    ("staff-recovery-codes", "POST"): "302",
    ("staff-logout", "POST"): "200",
}


def cells(text: str) -> dict[str, str]:
    values = text.split()
    assert len(values) == len(ACTORS), text
    return dict(zip(ACTORS, values, strict=True))


@dataclass
class Row:
    get: str
    post: str
    kwargs: object = None  # a function of (world, actor) giving the URL's arguments
    data: object = field(default_factory=dict)  # what a POST sends, or a function of the visitor
    query: str = ""


def token_of(world, actor):
    return world.tokens.get(actor, world.unknown_token)


def survey(world, actor):
    return {"survey_id": world.survey.pk}


def past_round_upload(world, actor):
    """A file waiting for its mapping, of a year the registry cannot place (so its import is refused)."""
    from surveys.models import PastRoundUpload

    if not hasattr(world, "past_round_upload"):
        world.past_round_upload = PastRoundUpload.objects.create(
            file_name="round.csv",
            content=b"knr,q1\n0301,1\n",
            sha256="0" * 64,
            year=2010,
            mapping={"year": 2010, "unit_column": "knr", "columns": {"q1": {"action": "ignore"}}},
            uploaded_by=world.users["admin"],
        )
    return {"pk": world.past_round_upload.pk}


def imported_round(world, actor):
    import datetime

    from surveys.models import PastRoundImport, Survey

    if not hasattr(world, "imported_round"):
        opens = timezone.make_aware(datetime.datetime(2013, 12, 1))
        world.imported_round = Survey.objects.create(
            year=2013, title="Kommuneundersøkelsen 2013", opens_at=opens, closes_at=opens + datetime.timedelta(1)
        )
        PastRoundImport.objects.create(
            survey=world.imported_round,
            file_name="round.sav",
            sha256="0" * 64,
            imported_by_name="admin",
            imported_at=opens,
            reference_day=opens.date(),
            rows=1,
            mapping={},
        )
    return {"survey_id": world.imported_round.pk}


def survey_and(**more):
    return lambda world, actor: {"survey_id": world.survey.pk, **{k: v(world) for k, v in more.items()}}


# The respondent's pages and every staff page of ours.
#                                     anon  other colleague own  off-oth off-own analyst admin super
URLS: dict[str, Row] = {
    "home": Row(
        get="200 200 200 200 200 200 200 200 200",
        post="200 200 200 200 200 200 200 200 200",
    ),
    "privacy": Row(
        get="200 200 200 200 200 200 200 200 200",
        post="200 200 200 200 200 200 200 200 200",
    ),
    "health": Row(
        get="200 200 200 200 200 200 200 200 200",
        post="200 200 200 200 200 200 200 200 200",
    ),
    "set_language": Row(
        get="302 302 302 302 302 302 302 302 302",
        post="302 302 302 302 302 302 302 302 302",
        data={"language": "nn", "next": "/"},
    ),
    # --- respondents: each visitor with their own link (staff have none) ---
    "respondent-landing": Row(
        get="404 200 200 200 404 404 404 404 404",
        post="404 200 200 200 404 404 404 404 404",
        kwargs=lambda world, actor: {"token": token_of(world, actor)},
    ),
    "respondent-section": Row(
        get="404 200 404 200 404 404 404 404 404",
        post="404 400 404 400 404 404 404 404 404",
        kwargs=lambda world, actor: {"token": token_of(world, actor), "code": "settlement"},
        data={"Q04": "maybe"},
    ),
    "respondent-autosave": Row(
        get="405 405 405 405 405 405 405 405 405",
        post="404 200 404 200 404 404 404 404 404",
        kwargs=lambda world, actor: {"token": token_of(world, actor), "code": "settlement"},
        data={"question": "Q04", "version": "0", "Q04": "yes"},
    ),
    "respondent-review": Row(
        get="404 200 200 200 404 404 404 404 404",
        post="404 200 200 200 404 404 404 404 404",
        kwargs=lambda world, actor: {"token": token_of(world, actor)},
    ),
    "respondent-submit": Row(
        get="405 405 405 405 405 405 405 405 405",
        post="404 302 404 302 404 404 404 404 404",
        kwargs=lambda world, actor: {"token": token_of(world, actor)},
        data={"section": "directorate", "confirm": "1"},
    ),
    "respondent-receipt": Row(
        get="404 404 404 200 404 404 404 404 404",
        post="404 404 404 200 404 404 404 404 404",
        kwargs=lambda world, actor: {"token": token_of(world, actor)},
    ),
    # A unit's report of a closed round (long past its links' grace period): Bergen's chief's link
    # reads Bergen's; a colleague's expired link is told it expired; Tromsø's chief has no report.
    "respondent-unit-report": Row(
        get="404 404 410 200 404 404 404 404 404",
        post="404 404 410 200 404 404 404 404 404",
        kwargs=lambda world, actor: {"token": world.closed_tokens.get(actor, world.unknown_token)},
    ),
    "respondent-delegate": Row(
        get="405 405 405 405 405 405 405 405 405",
        post="404 302 404 302 404 404 404 404 404",
        kwargs=lambda world, actor: {"token": token_of(world, actor)},
        data={"section": "settlement", "name": "Per Hansen", "email": "per@bergen.example"},
    ),
    # Bergen's colleague's link: only Bergen's chief may take it back.
    "respondent-delegation-revoke": Row(
        get="405 405 405 405 405 405 405 405 405",
        post="404 404 404 302 404 404 404 404 404",
        kwargs=lambda world, actor: {"token": token_of(world, actor), "pk": world.delegation.pk},
    ),
    "respondent-lost-link": Row(
        get="200 200 200 200 200 200 200 200 200",
        post="200 200 200 200 200 200 200 200 200",
        data=lambda actor: {"email": f"{actor}@example.org"},
    ),
    # --- staff sign-in ---
    "staff-login": Row(
        get="200 200 200 200 200 200 200 200 200",
        post="200 200 200 200 200 200 200 200 200",
    ),
    "staff-verify": Row(
        get="login login login login 302 302 302 302 302",
        post="login login login login 302 302 302 302 302",
    ),
    "staff-enrol": Row(
        get="login login login login 302 302 302 302 302",
        post="login login login login 302 302 302 302 302",
    ),
    "staff-logout": Row(
        get="405 405 405 405 405 405 405 405 405",
        post="302 302 302 302 302 302 302 302 302",
    ),
    "staff-recovery-codes": Row(
        get="405 405 405 405 405 405 405 405 405",
        post="login login login login 200 200 200 200 200",
    ),
    # --- staff sign-in through the organisation's identity provider (on in this test) ---
    "staff-oidc-start": Row(
        get="302 302 302 302 302 302 302 302 302",
        post="405 405 405 405 405 405 405 405 405",
    ),
    # Without a sign-in started in this browser: the refusal page.
    "staff-oidc-callback": Row(
        get="403 403 403 403 403 403 403 403 403",
        post="405 405 405 405 405 405 405 405 405",
    ),
    # The page for someone signed in without a role; whoever has one goes on to the start page.
    "staff-oidc-waiting": Row(
        get="login login login login 302 302 302 302 302",
        post="login login login login 302 302 302 302 302",
    ),
    # Survey admins grant roles to people waiting (a POST names nobody here).
    "staff-people-waiting": Row(
        get="login login login login 403 403 403 200 200",
        post="login login login login 403 403 403 404 404",
    ),
    "admin-login": Row(
        get="login login login login login login login login login",
        post="login login login login login login login login login",
    ),
    # --- staff pages ---
    "staff-home": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 200 200 200 200 200",
    ),
    "municipality-list": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 200 200 200 200 200",
    ),
    "municipality-detail": Row(
        get="login login login login 404 200 200 200 200",
        post="login login login login 404 200 200 200 200",
        kwargs=lambda world, actor: {"pk": world.bergen.pk},
    ),
    "questionnaire-preview": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 200 200 200 200 200",
        kwargs=lambda world, actor: {"pk": world.survey.questionnaire_id},
    ),
    "condition-check": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 200 200 200 200 200",
        kwargs=lambda world, actor: {"pk": world.survey.questionnaire_id},
        query="?section={section}&text=%24%7Bsettles_refugees%7D+%3D+true",
    ),
    # --- the design studio: survey admins change, analysts read ---
    "studio-home": Row(
        get="login login login login 403 403 200 200 200",
        post="login login login login 403 403 200 200 200",
    ),
    "studio-questionnaire": Row(
        get="login login login login 403 403 200 200 200",
        post="login login login login 403 403 200 200 200",
        kwargs=lambda world, actor: {"pk": world.draft_questionnaire.pk},
    ),
    "studio-bank": Row(
        get="login login login login 403 403 200 200 200",
        post="login login login login 403 403 200 200 200",
        kwargs=lambda world, actor: {"pk": world.draft_questionnaire.pk},
        query="?q=DRAFT",
    ),
    "studio-tryout": Row(
        get="login login login login 403 403 200 200 200",
        post="login login login login 403 403 200 200 200",
        kwargs=lambda world, actor: {"pk": world.survey.questionnaire_id},
        query="?municipality={bergen}&role=chief_executive&language=nn",
    ),
    "studio-item-condition": Row(
        get="login login login login 403 403 200 200 200",
        post="login login login login 403 403 403 302 302",
        kwargs=lambda world, actor: {"pk": world.draft_item.pk},
    ),
    "studio-condition-check": Row(
        get="login login login login 403 403 200 200 200",
        post="login login login login 403 403 405 405 405",
        kwargs=lambda world, actor: {"pk": world.draft_item.pk},
        query="?condition=%24%7Bsettles_refugees%7D+%3D+true",
    ),
    "studio-question": Row(
        get="login login login login 403 403 200 200 200",
        post="login login login login 403 403 403 200 200",
        kwargs=lambda world, actor: {"pk": world.draft_question.pk},
    ),
    "studio-move": Row(
        get="login login login login 403 403 405 405 405",
        post="login login login login 403 403 403 302 302",
        kwargs=lambda world, actor: {"pk": world.draft_questionnaire.pk},
        data=lambda actor: {"kind": "section", "id": "999999", "direction": "up"},
    ),
    "studio-item-add": Row(
        get="login login login login 403 403 405 405 405",
        post="login login login login 403 403 403 302 302",
        kwargs=lambda world, actor: {"pk": world.draft_questionnaire.pk},
    ),
    "studio-item-remove": Row(
        get="login login login login 403 403 405 405 405",
        post="login login login login 403 403 403 302 302",
        kwargs=lambda world, actor: {"pk": world.draft_item.pk},
    ),
    "studio-question-new": Row(
        get="login login login login 403 403 403 200 200",
        post="login login login login 403 403 403 200 200",
        kwargs=lambda world, actor: {"pk": world.draft_questionnaire.pk},
    ),
    "studio-round-next": Row(
        get="login login login login 403 403 403 200 200",
        post="login login login login 403 403 403 200 200",
        kwargs=lambda world, actor: {"pk": world.survey.pk},
    ),
    "studio-round-open": Row(
        get="login login login login 403 403 200 200 200",
        post="login login login login 403 403 403 200 200",
        kwargs=lambda world, actor: {"pk": world.survey.pk},
    ),
    "studio-round-schedule": Row(
        get="login login login login 403 403 405 405 405",
        post="login login login login 403 403 403 302 302",
        kwargs=lambda world, actor: {"pk": world.survey.pk},
    ),
    # --- past rounds: the survey admins' workspace for importing data files ---
    "past-rounds": Row(
        get="login login login login 403 403 403 200 200",
        post="login login login login 403 403 403 200 200",
    ),
    "past-round-mapping": Row(
        get="login login login login 403 403 403 200 200",
        post="login login login login 403 403 403 200 200",
        kwargs=past_round_upload,
    ),
    "past-round-mapping-download": Row(
        get="login login login login 403 403 403 200 200",
        post="login login login login 403 403 403 200 200",
        kwargs=past_round_upload,
    ),
    "past-round-dry-run": Row(
        get="login login login login 403 403 403 200 200",
        post="login login login login 403 403 403 200 200",
        kwargs=past_round_upload,
    ),
    "past-round-remove": Row(
        get="login login login login 403 403 403 200 200",
        post="login login login login 403 403 403 302 302",
        kwargs=imported_round,
    ),
    "outbox": Row(
        get="login login login login 403 403 403 200 200",
        post="login login login login 403 403 403 200 200",
    ),
    "reminders-schedule": Row(
        get="login login login login 403 403 200 200 200",
        post="login login login login 403 403 200 200 200",
        kwargs=survey,
    ),
    "reminders-rule-preview": Row(
        get="login login login login 403 403 200 200 200",
        post="login login login login 403 403 200 200 200",
        kwargs=survey_and(rule_id=lambda world: world.rule.pk),
    ),
    "reminders-schedule-change": Row(
        get="login login login login 405 405 405 405 405",
        post="login login login login 403 403 403 302 302",
        kwargs=survey_and(action=lambda world: "pause"),
    ),
    "reminders-chase": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 200 200 200 200 200",
        kwargs=survey,
    ),
    "reminders-chase-export": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 200 200 200 200 200",
        kwargs=survey_and(fmt=lambda world: "csv"),
    ),
    "reminders-chase-detail": Row(
        get="login login login login 404 200 200 200 200",
        post="login login login login 404 200 403 200 200",
        kwargs=survey_and(municipality_id=lambda world: world.bergen.pk),
        data={"channel": "phone", "outcome": "reached", "note": "Ringte"},
    ),
    "reminders-chase-remind": Row(
        get="login login login login 405 405 405 405 405",
        post="login login login login 404 302 403 302 302",
        kwargs=survey_and(municipality_id=lambda world: world.bergen.pk),
    ),
    "reminders-unit-report": Row(
        get="login login login login 404 200 200 200 200",
        post="login login login login 404 200 200 200 200",
        kwargs=lambda world, actor: {"survey_id": world.closed_round.pk, "municipality_id": world.bergen.pk},
    ),
    "reminders-unit-report-build": Row(
        get="login login login login 405 405 405 405 405",
        post="login login login login 404 302 302 302 302",
        kwargs=lambda world, actor: {"survey_id": world.closed_round.pk, "municipality_id": world.bergen.pk},
    ),
    "reminders-monitor": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 200 200 200 200 200",
        kwargs=survey,
    ),
    "reminders-mail-log": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 200 200 200 200 200",
        kwargs=survey,
    ),
    "reminders-mail-log-export": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 200 200 200 200 200",
        kwargs=survey_and(fmt=lambda world: "xlsx"),
    ),
    "analysis-overview": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 200 200 200 200 200",
        kwargs=survey,
    ),
    "analysis-frequencies": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 200 200 200 200 200",
        kwargs=survey,
    ),
    "analysis-breakdown": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 200 200 200 200 200",
        kwargs=survey,
    ),
    "analysis-net-score": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 200 200 200 200 200",
        kwargs=survey,
    ),
    "analysis-series": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 200 200 200 200 200",
        kwargs=survey,
    ),
    "analysis-codebook": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 200 200 200 200 200",
        kwargs=survey,
    ),
    "analysis-export": Row(
        get="405 405 405 405 405 405 405 405 405",
        post="login login login login 302 302 302 302 302",
        kwargs=survey_and(fmt=lambda world: "csv"),
    ),
    # Vest's export and report: officers of another region are not told they exist.
    "analysis-export-status": Row(
        get="login login login login 404 200 200 200 200",
        post="login login login login 404 200 200 200 200",
        kwargs=survey_and(job_id=lambda world: world.export.pk),
    ),
    "analysis-export-download": Row(
        get="login login login login 404 200 200 200 200",
        post="login login login login 404 200 200 200 200",
        kwargs=survey_and(job_id=lambda world: world.export.pk),
    ),
    "analysis-report": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 200 200 200 200 200",
        kwargs=survey,
    ),
    "analysis-report-request": Row(
        get="405 405 405 405 405 405 405 405 405",
        post="login login login login 302 302 302 302 302",
        kwargs=survey,
    ),
    "analysis-report-status": Row(
        get="login login login login 404 200 200 200 200",
        post="login login login login 404 200 200 200 200",
        kwargs=survey_and(job_id=lambda world: world.report.pk),
    ),
    "analysis-report-download": Row(
        get="login login login login 404 200 200 200 200",
        post="login login login login 404 200 200 200 200",
        kwargs=survey_and(job_id=lambda world: world.report.pk),
    ),
    "analysis-open-answers": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 200 200 200 200 200",
        kwargs=survey,
    ),
    "analysis-open-answer": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 200 200 200 200 200",
        kwargs=survey_and(code=lambda world: "R25_2"),
    ),
    "analysis-open-answer-category-add": Row(
        get="405 405 405 405 405 405 405 405 405",
        post="login login login login 403 403 302 302 302",
        kwargs=survey_and(code=lambda world: "R25_2"),
        data={"label_nb": "Bolig"},
    ),
    "analysis-open-answer-category": Row(
        get="405 405 405 405 405 405 405 405 405",
        post="login login login login 403 403 302 302 302",
        kwargs=survey_and(code=lambda world: "R25_2", category_id=lambda world: world.category.pk),
        data={"action": "up"},
    ),
    "analysis-open-answer-tag": Row(
        get="405 405 405 405 405 405 405 405 405",
        post="login login login login 403 403 302 302 302",
        kwargs=survey_and(code=lambda world: "R25_2", answer_id=lambda world: world.open_answer.pk),
        data={"category": "0"},
    ),
    "analysis-open-answer-quote": Row(
        get="405 405 405 405 405 405 405 405 405",
        post="login login login login 403 403 302 302 302",
        kwargs=survey_and(code=lambda world: "R25_2", answer_id=lambda world: world.open_answer.pk),
        data={"action": "add"},
    ),
    "analysis-open-answer-quote-names": Row(
        get="405 405 405 405 405 405 405 405 405",
        post="login login login login 403 403 302 302 302",
        kwargs=survey_and(code=lambda world: "R25_2"),
        data={"with_names": "1"},
    ),
    # Every analysis role reads the report settings; those who code open answers change them.
    "analysis-report-settings": Row(
        get="login login login login 200 200 200 200 200",
        post="login login login login 403 403 302 302 302",
        kwargs=survey,
        data={"breakdowns-Q04": "size"},
    ),
    # --- admin pages of our own and of the packages ---
    "admin:index": Row(
        get="login login login login 403 403 200 200 200",
        post="login login login login 403 403 200 200 200",
    ),
    "admin:login": Row(  # answered by admin-login first (the staff sign-in)
        get="login login login login login login login login login",
        post="login login login login login login login login login",
    ),
    "admin:logout": Row(
        get="302 302 302 302 403 403 405 405 405",
        post="302 302 302 302 403 403 200 200 200",
    ),
    "admin:jsi18n": Row(
        get="login login login login 403 403 200 200 200",
        post="login login login login 403 403 405 405 405",
    ),
    "admin:autocomplete": Row(
        get="login login login login 403 403 200 200 200",
        post="login login login login 403 403 405 405 405",
        query="?app_label=surveys&model_name=item&field_name=question",
    ),
    "admin:view_on_site": Row(
        get="login login login login 403 403 404 404 404",
        post="login login login login 403 403 404 404 404",
        kwargs=lambda world, actor: {"content_type_id": world.question_type.pk, "object_id": world.draft_question.pk},
    ),
    "admin:app_list": Row(
        get="login login login login 403 403 200 200 200",
        post="login login login login 403 403 200 200 200",
        kwargs=lambda world, actor: {"app_label": "surveys"},
    ),
    "admin:final_catch_all": Row(
        get="login login login login 403 403 404 404 404",
        post="login login login login 403 403 404 404 404",
        kwargs=lambda world, actor: {"url": "no/such/page/"},
    ),
    "admin:municipalities_regionscheme_per_county": Row(
        get="login login login login 403 403 403 403 403",
        post="login login login login 403 403 403 302 302",
    ),
    "admin:municipalities_municipalityprofile_upload": Row(
        get="login login login login 403 403 403 200 200",
        post="login login login login 403 403 403 200 200",
    ),
    "admin:municipalities_contact_upload": Row(
        get="login login login login 403 403 403 200 200",
        post="login login login login 403 403 403 200 200",
    ),
    "admin:surveys_questionnaire_xlsform": Row(
        get="login login login login 403 403 200 200 200",
        post="login login login login 403 403 200 200 200",
        kwargs=lambda world, actor: {"pk": world.survey.questionnaire_id},
    ),
    "admin:surveys_questionnaire_xlsform_import": Row(
        get="login login login login 403 403 403 200 200",
        post="login login login login 403 403 403 200 200",
        kwargs=lambda world, actor: {"pk": world.draft_questionnaire.pk},
    ),
    # Passwords: one's own through the admin; another's only by a superuser.
    "admin:password_change": Row(
        get="login login login login 403 403 200 200 200",
        post="login login login login 403 403 200 200 200",
    ),
    "admin:password_change_done": Row(
        get="login login login login 403 403 200 200 200",
        post="login login login login 403 403 405 405 405",
    ),
    "admin:auth_user_password_change": Row(
        get="login login login login 403 403 403 403 200",
        post="login login login login 403 403 403 403 200",
        kwargs=lambda world, actor: {"id": world.users["admin"].pk},
    ),
    # A superuser's second factor: nobody but superusers reads its key or its QR code.
    "admin:otp_totp_totpdevice_config": Row(
        get="login login login login 403 403 403 403 200",
        post="login login login login 403 403 403 403 200",
        kwargs=lambda world, actor: {"pk": world.root_totp.pk},
    ),
    "admin:otp_totp_totpdevice_qrcode": Row(
        get="login login login login 403 403 403 403 200",
        post="login login login login 403 403 403 403 200",
        kwargs=lambda world, actor: {"pk": world.root_totp.pk},
    ),
}

# Every admin model: what survey admins, analysts and superusers may do with it
# (v)iew, (a)dd, (c)hange, (d)elete. Nobody else has an admin.
#                                           survey admin  analyst  superuser
ADMIN_PAGES: dict[str, tuple[str, str, str]] = {
    # the registry
    "municipalities.regionscheme": ("vacd", "v", "vacd"),
    "municipalities.region": ("vacd", "v", "vacd"),
    "municipalities.county": ("vacd", "v", "vacd"),
    "municipalities.municipality": ("vacd", "v", "vacd"),
    "municipalities.municipalityprofile": ("vacd", "v", "vacd"),
    "municipalities.contact": ("vacd", "v", "vacd"),
    # the question bank, questionnaires and rounds (drafts; frozen ones are read only)
    "surveys.scale": ("vacd", "v", "vacd"),
    "surveys.question": ("vacd", "v", "vacd"),
    "surveys.questionnaire": ("vacd", "v", "vacd"),
    "surveys.section": ("vacd", "v", "vacd"),
    "surveys.survey": ("vacd", "v", "vacd"),
    "surveys.classificationscheme": ("vacd", "v", "vacd"),
    # links and answers: revoked and reopened through actions, never written by hand
    "surveys.invitation": ("vc", "v", "vcd"),
    "surveys.response": ("v", "v", "vcd"),
    "surveys.sectionprogress": ("vc", "v", "vcd"),
    # logs: read, never written here
    "surveys.answerchange": ("v", "v", "v"),
    "surveys.delegationevent": ("v", "", "v"),
    "reminders.schedule": ("vc", "v", "vcd"),
    "reminders.dispatch": ("v", "v", "v"),
    "reminders.chaseentry": ("v", "v", "v"),
    "privacy.personaldatalog": ("v", "", "v"),
    "accounts.staffevent": ("v", "", "v"),
    # the superusers' back office
    "auth.user": ("", "", "vacd"),
    "auth.group": ("", "", "vacd"),
    "otp_totp.totpdevice": ("", "", "vacd"),
    "otp_static.staticdevice": ("", "", "vacd"),
    "axes.accessattempt": ("", "", "vcd"),
    "axes.accesslog": ("", "", "vcd"),
    "axes.accessfailurelog": ("", "", "vcd"),
    "django_celery_beat.periodictask": ("", "", "vacd"),
    "django_celery_beat.crontabschedule": ("", "", "vacd"),
    "django_celery_beat.intervalschedule": ("", "", "vacd"),
    "django_celery_beat.clockedschedule": ("", "", "vacd"),
    "django_celery_beat.solarschedule": ("", "", "vacd"),
}
ADMIN_VIEWS = ["changelist", "add", "change", "delete", "history", "redirect"]


def admin_cells(grants: tuple[str, str, str], view: str, method: str) -> dict[str, str]:
    """The expected cells of one admin page: `ok` where the action is the visitor's."""
    if view == "redirect":  # to the change page, which decides
        return {
            **dict.fromkeys(RESPONDENTS, "login"),
            **dict.fromkeys(STAFF[:2], "403"),
            **dict.fromkeys(STAFF[2:], "302"),
        }
    needed = {
        "changelist": "v",
        "add": "a",
        "change": "c" if method == "POST" else "vc",
        "delete": "d",
        "history": "vc",
    }[view]
    expected = {actor: "login" for actor in RESPONDENTS}
    expected.update(officer_other="403", officer_own="403")
    for actor, allowed in zip(["admin", "analyst", "super"], grants, strict=True):
        expected[actor] = "ok" if set(needed) & set(allowed) else "403"
    return expected


def url_names() -> dict[str, str]:
    """Every URL pattern of the project: its name (namespaced), or for the one unnamed redirect
    a name given here, mapped to its route."""
    found = {}

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if pattern.name:
                    name = namespace + pattern.name
                elif route == "admin/login/":
                    name = "admin-login"
                elif route.startswith("admin/(?P<url>"):
                    name = "admin:final_catch_all"
                elif match := re.match(r"^admin/(\w+)/(\w+)/<path:object_id>/$", route):
                    name = f"admin:{match[1]}_{match[2]}_redirect"  # the old address of a change page
                else:
                    name = f"unnamed: {route}"
                found.setdefault(name, route)

    walk(get_resolver().url_patterns)
    return found


ADMIN_PAGE = re.compile(
    r"^admin:(?P<app>[a-z_]+?)_(?P<model>[a-z]+)_(?P<view>changelist|add|change|delete|history|redirect)$"
)


def admin_model_of(name: str) -> tuple[str, str] | None:
    """("app.model", view) for a generated admin page's URL name."""
    for label in ADMIN_PAGES:
        app, model = label.split(".")
        for view in ADMIN_VIEWS:
            if name == f"admin:{app}_{model}_{view}":
                return label, view
    return None


def test_every_url_and_admin_model_has_a_row():
    names = url_names()
    generated = {name for name in names if admin_model_of(name)}
    missing = sorted(set(names) - set(URLS) - generated)
    stale = sorted(set(URLS) - set(names))
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert not missing, f"URLs without a row in URLS: {missing}"
    assert not stale, f"rows for URLs that no longer exist: {stale}"
    assert registered == set(ADMIN_PAGES), (
        f"admin models without a row: {sorted(registered - set(ADMIN_PAGES))}; "
        f"rows without an admin: {sorted(set(ADMIN_PAGES) - registered)}"
    )
    leftovers = [name for name in names if ADMIN_PAGE.match(name) and not admin_model_of(name) and name not in URLS]
    assert not leftovers, leftovers


def no_role_cell(name: str, method: str, path: str, anon: str) -> str:
    """What someone signed in through the provider without a role gets: the page saying so from
    every staff and admin page but signing in and out; elsewhere what a visitor without a session
    gets, but their own page and signing out at the provider too."""
    if name == "staff-oidc-waiting":
        return "200"
    if (name, method) == ("staff-logout", "POST"):
        return "200"
    own_pages = {"staff-login", "staff-logout", "staff-oidc-start", "staff-oidc-callback"}
    if path.startswith(("/staff/", "/admin/")) and name not in own_pages:
        return "waiting"
    return anon


class World:
    """The target unit, Bergen (region Vest), in an open round on the demo questionnaire, with its
    links, a colleague's link, a reminder schedule, Vest's export and report, a coded open answer,
    a draft questionnaire, and one visitor of each kind."""

    def __init__(self):
        from django.contrib.contenttypes.models import ContentType
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from reminders.services import schedule_create_default
        from surveys.models import Answer, Item, Question, Questionnaire, Response, Scale, Section
        from surveys.models.analytics import AnalysisExport, AnalysisReport, OpenAnswerCategory
        from surveys.services.invitations import delegation_create, invitation_create
        from surveys.services.responses import Actor, section_submit
        from tests.support import demo_round_open

        self.survey = demo_round_open(settling=("4601", "5501"))
        self.bergen = Municipality.objects.current().get(number="4601")
        tromso = Municipality.objects.current().get(number="5501")
        self.rule = schedule_create_default(survey=self.survey).rules.first()
        chief, own = invitation_create(
            survey=self.survey, municipality=self.bergen, role="chief_executive", name="Kari Leder", email="k@b.no"
        )
        _other_chief, other = invitation_create(
            survey=self.survey, municipality=tromso, role="chief_executive", name="Tor Leder", email="t@t.no"
        )
        intro = self.survey.questionnaire.sections.get(code="intro")
        self.delegation, colleague = delegation_create(invitation=chief, section=intro, name="Per", email="p@b.no")
        self.tokens = {"own": own, "other": other, "colleague": colleague}
        self.unknown_token = secrets.token_urlsafe(32)
        self.section_id = self.survey.questionnaire.sections.get(code="settlement").pk

        vest = Region.objects.get(scheme__is_active=True, code="vest")
        self.export = AnalysisExport.objects.create(survey=self.survey, region=vest, format="csv")
        self.export.file.save("vest.csv", ContentFile(b"a\n"))
        self.export.status = AnalysisExport.Status.DONE
        self.export.save()
        self.report = AnalysisReport.objects.create(
            survey=self.survey,
            region=vest,
            status=AnalysisReport.Status.DONE,
            pdf=b"%PDF-1.4",
            progress=100,
            page_count=1,
        )
        self._closed_round_make(tromso)
        question = Question.objects.get(code="R25_2")
        self.category = OpenAnswerCategory.objects.create(question=question, label_nb="Bolig")
        response = Response.objects.create(survey=self.survey, municipality=self.bergen)
        self.open_answer = Answer.objects.create(response=response, question=question, value="Boliger")
        # Bergen has submitted one section, so its links have a receipt.
        directorate = self.survey.questionnaire.sections.get(code="directorate")
        section_submit(response=response, section=directorate, actor=Actor(name="Kari Leder", invitation=chief))

        # Drafts, so that the admin's change pages of the design are not read only.
        self.draft_questionnaire = Questionnaire.objects.create(title="Utkast", year=2031)
        Section.objects.create(questionnaire=self.draft_questionnaire, position=1, code="s", role="chief_executive")
        Scale.objects.create(code="draft_scale", name="Utkast")
        self.draft_question = Question.objects.create(
            code="DRAFT1", series="DRAFT1", classification="rotating", type="yes_no", text_nb="Utkast?"
        )
        self.draft_item = Item.objects.create(
            questionnaire=self.draft_questionnaire,
            section=self.draft_questionnaire.sections.get(),
            position=1,
            question=self.draft_question,
        )
        self.question_type = ContentType.objects.get_for_model(Question)

        nord = Region.objects.get(scheme__is_active=True, code="nord")
        role = StaffProfile.Role
        self.users = {
            "officer_other": staff_user_create(
                username="m-nord", password="pw-m-123!x", role=role.REGIONAL_OFFICER, region=nord
            ),
            "officer_own": staff_user_create(
                username="m-vest", password="pw-m-123!x", role=role.REGIONAL_OFFICER, region=vest
            ),
            "analyst": staff_user_create(username="m-analyst", password="pw-m-123!x", role=role.ANALYST),
            "admin": staff_user_create(username="m-admin", password="pw-m-123!x", role=role.SURVEY_ADMIN),
            "super": User.objects.create_superuser("m-root", "root@example.no", "pw-m-123!x"),
        }
        # A server error is a cell like any other (500), not an exception in the test.
        self.clients = {actor: Client(raise_request_exception=False) for actor in RESPONDENTS}
        for actor, user in self.users.items():
            self.clients[actor] = SignedInClient(raise_request_exception=False)
            self.clients[actor].force_login(user)
        self.root_totp = TOTPDevice.objects.get(user=self.users["super"])
        StaticDevice.objects.create(user=self.users["super"], name="recovery codes")

    def _closed_round_make(self, tromso) -> None:
        """A round closed years ago, with Bergen's chief's link, a colleague's and Tromsø's chief's,
        and Bergen's report."""
        import datetime

        from surveys.models import MunicipalReport, Survey
        from surveys.services.invitations import delegation_create, invitation_create
        from tests.factories import QuestionnaireFactory, SectionFactory, SurveyFactory

        opens = timezone.make_aware(datetime.datetime(2020, 3, 1))
        self.closed_round = SurveyFactory(
            questionnaire=QuestionnaireFactory(year=2020),
            status=Survey.Status.OPEN,
            opens_at=opens,
            closes_at=opens + datetime.timedelta(days=30),
        )
        section = SectionFactory(questionnaire=self.closed_round.questionnaire, code="s", role="chief_executive")
        chief, own = invitation_create(
            survey=self.closed_round, municipality=self.bergen, role="chief_executive", name="Kari", email="k@b.no"
        )
        _tromso_chief, other = invitation_create(
            survey=self.closed_round, municipality=tromso, role="chief_executive", name="Tor", email="t@t.no"
        )
        _given, colleague = delegation_create(invitation=chief, section=section, name="Per", email="p@b.no")
        Survey.objects.filter(pk=self.closed_round.pk).update(status=Survey.Status.CLOSED)
        self.closed_tokens = {"own": own, "other": other, "colleague": colleague}
        MunicipalReport.objects.create(
            survey=self.closed_round,
            municipality=self.bergen,
            status=MunicipalReport.Status.DONE,
            pdf=b"%PDF-1.4",
            progress=100,
            page_count=2,
        )

    def sign_in_through_provider(self, oidc, settings) -> None:
        """A visitor of each role, and one without, signed in through the test provider the whole
        way; their accounts are made at that first sign-in."""
        from tests.oidc_provider.flow import PersonAtProvider

        self.settings = settings
        self.people = {}
        for actor, groups in OIDC_GROUPS.items():
            oidc.person(f"m-{actor}", groups=groups)
            self.people[actor] = PersonAtProvider(oidc, f"m-{actor}")
            self.clients[actor] = Client(raise_request_exception=False)
            self.sign_in_again(actor)

    def sign_in_again(self, actor: str) -> None:
        if actor not in getattr(self, "people", {}):
            self.clients[actor].force_login(self.users[actor])
            return
        claim = self.settings.OIDC_GROUPS_CLAIM
        if actor == "oidc_no_role":  # a newcomer: made while roles were granted by survey admins
            self.settings.OIDC_GROUPS_CLAIM = ""
        response = self.people[actor].sign_in(self.clients[actor])
        self.settings.OIDC_GROUPS_CLAIM = claim
        assert response.status_code == 302, (actor, response.content[:300])

    def object_id(self, label: str) -> str:
        from django.apps import apps

        model = apps.get_model(label)
        pk = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
        if pk is None:
            pk = self._make(label)
        return str(pk)

    def _make(self, label: str):
        """One row of a model the world does not hold yet."""
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog
        from django.contrib.auth.models import Group
        from django_celery_beat.models import (
            ClockedSchedule,
            CrontabSchedule,
            IntervalSchedule,
            PeriodicTask,
            SolarSchedule,
        )

        from accounts.models import StaffEvent
        from municipalities.models import Contact
        from privacy.models import PersonalDataLog
        from reminders.models import ChaseEntry, Dispatch
        from surveys.models import AnswerChange
        from surveys.models.analytics import ClassificationScheme

        seen = {"user_agent": "x", "ip_address": "10.0.0.9", "username": "x", "http_accept": "*/*", "path_info": "/"}
        makers = {
            "axes.accessattempt": lambda: AccessAttempt.objects.create(
                get_data="", post_data="", failures_since_start=1, **seen
            ),
            "axes.accesslog": lambda: AccessLog.objects.create(**seen),
            "axes.accessfailurelog": lambda: AccessFailureLog.objects.create(**seen),
            "auth.group": lambda: Group.objects.create(name="g"),
            "django_celery_beat.periodictask": lambda: PeriodicTask.objects.create(
                name="t", task="config.ping", interval=IntervalSchedule.objects.create(every=1, period="days")
            ),
            "django_celery_beat.intervalschedule": lambda: IntervalSchedule.objects.create(every=2, period="days"),
            "django_celery_beat.crontabschedule": lambda: CrontabSchedule.objects.create(minute="0", hour="4"),
            "municipalities.contact": lambda: Contact.objects.create(
                municipality=self.bergen, name="Kari Leder", role="chief_executive", email="k@b.no"
            ),
            "surveys.answerchange": lambda: AnswerChange.objects.create(
                answer=self.open_answer, actor_name="Kari Leder", new_value="Boliger", version=1
            ),
            "reminders.dispatch": lambda: Dispatch.objects.create(
                survey=self.survey, municipality=self.bergen, rule=self.rule, email="k@b.no"
            ),
            "django_celery_beat.clockedschedule": lambda: ClockedSchedule.objects.create(clocked_time=timezone.now()),
            "django_celery_beat.solarschedule": lambda: SolarSchedule.objects.create(
                event="sunrise", latitude=60, longitude=10
            ),
            "accounts.staffevent": lambda: StaffEvent.objects.create(username="x", kind="login"),
            "privacy.personaldatalog": lambda: PersonalDataLog.objects.create(
                action="export", subject="x@example.org", performed_by_name="x"
            ),
            "reminders.chaseentry": lambda: ChaseEntry.objects.create(
                survey=self.survey,
                municipality=self.bergen,
                user=self.users["admin"],
                channel="phone",
                outcome="reached",
            ),
            "surveys.classificationscheme": lambda: ClassificationScheme.objects.create(
                variable="population", name="Alle", in_force_from=2099
            ),
        }
        if label in makers:
            return makers[label]().pk
        raise AssertionError(f"the world holds no {label}: add a maker")


def status_of(response) -> str:
    """The status, or `login` for a redirect to the staff sign-in (the admin's own sign-in page
    sends there too)."""
    if response.status_code == 302 and urlsplit(response.url).path in (reverse("staff-login"), "/admin/login/"):
        return "login"
    if response.status_code == 302 and urlsplit(response.url).path == reverse("staff-oidc-waiting"):
        return "waiting"
    return str(response.status_code)


def agrees(expected: str, found: str) -> bool:
    if expected == "ok":
        return found in ("200", "302")
    return expected == found


@pytest.mark.django_db
def test_every_visitor_reaches_exactly_what_the_table_says(settings, oidc):
    # given: the world, with visitors who came through the identity provider, and no mail leaving it
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world = World()
    world.sign_in_through_provider(oidc, settings)
    cases = []
    for name, row in URLS.items():
        for method, text in (("GET", row.get), ("POST", row.post)):
            for actor, expected in cells(text).items():
                cases.append((name, method, actor, expected, row))
    for name in url_names():
        found = admin_model_of(name)
        if found is None:
            continue
        label, view = found
        for method in ("GET", "POST"):
            for actor, expected in admin_cells(ADMIN_PAGES[label], view, method).items():
                cases.append((name, method, actor, expected, Row("", "", kwargs=("admin", label, view))))

    for name, method, actor, expected, row in list(cases):
        for twin, of in OIDC_TWINS.items():
            if actor == of:
                cases.append((name, method, twin, OIDC_DIFFERENCES.get((name, method), expected), row))
        if actor == "anon":
            cases.append((name, method, "oidc_no_role", f"no-role:{expected}", row))
    visitors = ACTORS + [*OIDC_TWINS, "oidc_no_role"]

    # when: every visitor asks for every URL both ways, each request undone afterwards
    mismatches = []
    observed: dict[tuple[str, str], dict[str, str]] = {}
    for name, method, actor, expected, row in cases:
        if isinstance(row.kwargs, tuple):
            _admin, label, view = row.kwargs
            kwargs = {} if view in ("changelist", "add") else {"object_id": world.object_id(label)}
        else:
            kwargs = row.kwargs(world, actor) if row.kwargs else {}
        if name == "admin-login":
            path = "/admin/login/"
        elif name == "admin:final_catch_all":
            path = "/admin/" + kwargs["url"]
        elif name.endswith("_redirect") and isinstance(row.kwargs, tuple):
            app, model = row.kwargs[1].split(".")
            path = f"/admin/{app}/{model}/{kwargs['object_id']}/"
        else:
            path = reverse(name, kwargs=kwargs)
        path += row.query.format(section=world.section_id, bergen=world.bergen.pk)
        if expected.startswith("no-role:"):
            expected = no_role_cell(name, method, path, expected.removeprefix("no-role:"))
        client = world.clients[actor]
        data = row.data(actor) if callable(row.data) else row.data
        # Each visitor from an address of its own: rate limits count per address, not per test.
        address = f"10.0.0.{visitors.index(actor) + 1}"
        with transaction.atomic():
            if method == "GET":
                response = client.get(path, REMOTE_ADDR=address)
            else:
                response = client.post(path, data, REMOTE_ADDR=address)
            transaction.set_rollback(True)
        found = status_of(response)
        observed.setdefault((name, method), {})[actor] = found
        if not agrees(expected, found):
            mismatches.append(f"{method:4} {name:45} {actor:13} expected {expected:5} got {found}")
        if name in ("staff-logout", "admin:logout") and actor not in RESPONDENTS:  # signed out: sign in again
            world.sign_in_again(actor)

    # then
    if os.environ.get("MATRIX_PRINT"):  # the observed table, to read when a change is meant
        for (name, method), found in sorted(observed.items()):
            print(f"{name:50} {method:4} {' '.join(found.get(actor, '-') for actor in visitors)}")
    assert not mismatches, f"{len(mismatches)} of {len(cases)} cells differ:\n" + "\n".join(mismatches)


def test_the_table_has_a_visitor_of_every_staff_role():
    """A new role must get its column here before it reaches any page."""
    assert {role for role, _label in StaffProfile.Role.choices} == {"survey_admin", "analyst", "regional_officer"}
