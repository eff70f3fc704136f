"""Demo data for the README's run command: staff accounts, synthetic profile
attributes and contacts, and survey rounds. Never for production: the
attributes and people are made up (reproducibly, from the unit's number)."""

import datetime
import hashlib
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from municipalities.models import Contact, Municipality, MunicipalityProfile, Region, StaffProfile
from municipalities.services import staff_user_create
from surveys.link_rule import token_hash
from surveys.models import Answer, Invitation, Question, Response, Section, SectionProgress, Survey
from surveys.services.invitations import invitation_create, invitation_link
from surveys.services.questionnaires import NOT_RELEVANT, profile_values, questionnaire_load, questionnaire_visibility
from surveys.services.rounds import survey_close, survey_open


@dataclass
class DemoAccount:
    username: str
    password: str
    what: str


def _fraction(number: str, salt: str) -> float:
    """A stable pseudo-random number in [0, 1) for a unit: the same demo every time."""
    digest = hashlib.sha256(f"{salt}:{number}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def _credentials_file() -> Path:
    return settings.VAR_DIR / "demo-credentials.txt"


@transaction.atomic
def demo_accounts_ensure() -> list[DemoAccount]:
    """Creates the demo accounts once; later runs print the same passwords."""
    stored = {}
    if _credentials_file().exists():
        for line in _credentials_file().read_text().splitlines():
            username, password = line.split(" ", 1)
            if not username.startswith("link-"):
                stored[username] = password
    nord = Region.objects.filter(scheme__is_active=True, code="nord").first()
    wanted = [
        ("admin", StaffProfile.Role.SURVEY_ADMIN, None, "survey admin and superuser"),
        ("analytiker", StaffProfile.Role.ANALYST, None, "analyst (reads everything)"),
        ("nord", StaffProfile.Role.REGIONAL_OFFICER, nord, "regional officer for Nord"),
    ]
    accounts = []
    for username, role, region, what in wanted:
        password = stored.get(username) or secrets.token_urlsafe(9)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = staff_user_create(username=username, password=password, role=role, region=region)
        elif username not in stored:
            user.set_password(password)
            user.save(update_fields=["password"])
        if username == "admin" and not user.is_superuser:
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
        stored[username] = password
        accounts.append(DemoAccount(username, password, what))
    links = []
    if _credentials_file().exists():
        links = [line for line in _credentials_file().read_text().splitlines() if line.startswith("link-")]
    lines = [f"{name} {password}" for name, password in stored.items()] + links
    _credentials_file().write_text("".join(f"{line}\n" for line in lines))
    return accounts


@transaction.atomic
def demo_profiles_fill(*, years: list[int]) -> int:
    """Fills settling, partnership and immigrant share where the registry has none."""
    changed = []
    for profile in MunicipalityProfile.objects.filter(year__in=years).select_related("municipality"):
        number = profile.municipality.number
        if profile.settles_refugees is None:
            profile.settles_refugees = _fraction(number, "settles") < 0.8
        if profile.is_partner is None:
            profile.is_partner = bool(profile.settles_refugees) and _fraction(number, "partner") < 0.25
        if profile.immigrant_share is None:
            profile.immigrant_share = Decimal(round(3 + 25 * _fraction(number, "share") ** 2, 1))
        changed.append(profile)
    MunicipalityProfile.objects.bulk_update(changed, ["settles_refugees", "is_partner", "immigrant_share"])
    return len(changed)


@transaction.atomic
def demo_contacts_ensure() -> int:
    """A chief executive for every current unit and a head of the introduction
    programme for most, with example.org addresses."""
    units = Municipality.objects.current().exclude(contacts__isnull=False)
    contacts = []
    for unit in units:
        is_district = unit.kind == Municipality.Kind.DISTRICT
        contacts.append(
            Contact(
                municipality=unit,
                name=f"{'Bydelsdirektør' if is_district else 'Kommunedirektør'} {unit.name}",
                role=Contact.Role.CHIEF_EXECUTIVE,
                email=f"leder.{unit.number}@example.org",
                phone=f"+47 4{unit.number[-4:]}{unit.number[:3]}"[:15],
                language=Contact.Language.NYNORSK if _fraction(unit.number, "nn") < 0.12 else Contact.Language.BOKMAAL,
            )
        )
        if _fraction(unit.number, "intro") < 0.85:
            contacts.append(
                Contact(
                    municipality=unit,
                    name=f"Leder introduksjonsprogrammet {unit.name}",
                    role=Contact.Role.INTRODUCTION_PROGRAMME,
                    email=f"intro.{unit.number}@example.org",
                )
            )
    Contact.objects.bulk_create(contacts)
    return len(contacts)


def demo_rounds_ensure() -> tuple[Survey, Survey]:
    """Last year's round, closed, with generated responses, and this year's, open with a
    deadline four weeks ahead. Both use the demo questionnaire; they share its recurring
    questions, so time series exist."""
    from surveys.demo_questionnaire import demo_questionnaire_create

    now = timezone.now()
    this_year = timezone.localdate().year
    rounds = []
    for year, opens, closes, earlier in [
        (this_year - 1, now - datetime.timedelta(days=365 + 21), now - datetime.timedelta(days=365 - 28), True),
        (this_year, now - datetime.timedelta(days=21), now + datetime.timedelta(days=28), False),
    ]:
        survey = Survey.objects.filter(year=year).first()
        if survey is None:
            with transaction.atomic():
                survey = Survey.objects.create(
                    year=year,
                    title=f"Kommuneundersøkelsen {year}",
                    questionnaire=demo_questionnaire_create(year=year, earlier=earlier),
                    opens_at=timezone.localtime(opens).replace(hour=9, minute=0, second=0, microsecond=0),
                    closes_at=timezone.localtime(closes).replace(hour=16, minute=0, second=0, microsecond=0),
                )
                survey_open(survey=survey)
                if earlier:
                    demo_responses_generate(survey=survey, share=0.78)
                    # Bergen's chief's link, made while the round was open: once it closed, it
                    # reads Bergen's own report (built by the worker for every responding unit).
                    demo_respondent_link(survey=survey)
                    survey_close(survey=survey)
                else:
                    # Three weeks in, about a third have answered; Bergen (the printed link) has not.
                    demo_responses_generate(survey=survey, share=0.35, keep_open=("4601",))
            survey.refresh_from_db()
        rounds.append(survey)
    return rounds[0], rounds[1]


def _demo_value(question: Question, unit: str) -> object:
    """A plausible answer, the same for the same unit every time."""
    pick = _fraction(unit, question.code)
    kind = question.type
    if kind == Question.Type.YES_NO:
        return "yes" if pick < 0.65 else "no"
    if kind == Question.Type.SINGLE_CHOICE:
        options = [o.code for o in question.options.all()]
        return options[int(pick * len(options))]
    if kind == Question.Type.MULTIPLE_CHOICE:
        exclusive = question.exclusive_codes()
        options = [o.code for o in question.options.all() if o.code not in exclusive]
        limit = question.max_choices or len(options)
        chosen = [o for o in options if _fraction(unit, question.code + o) < 0.4][:limit]
        return chosen or sorted(exclusive)[:1] or options[:1]  # "none of these" alone, as the form allows
    if kind in (Question.Type.SCALE, Question.Type.MATRIX):
        points = [p.code for p in question.scale.points.all()]

        def point(salt: str) -> str:
            value = _fraction(unit, salt)
            if question.offers_not_relevant and value < 0.08:
                return NOT_RELEVANT
            # Skewed towards the upper half, as satisfaction answers usually are.
            return points[min(len(points) - 1, int((value**0.7) * len(points)))]

        if kind == Question.Type.SCALE:
            return point(question.code)
        return {row.code: point(question.code + row.code) for row in question.matrix_items.all()}
    if kind == Question.Type.INTEGER:
        low = int(question.min_value or 0)
        high = int(question.max_value if question.max_value is not None else 200)
        return low + int(pick * (high - low))
    if kind == Question.Type.DECIMAL:
        low = float(question.min_value or 0)
        high = float(question.max_value if question.max_value is not None else 100)
        return round(low + pick * (high - low), 1)
    if kind in (Question.Type.SHORT_TEXT, Question.Type.LONG_TEXT):
        advice = [
            "Mer forutsigbar finansiering av bosettingsarbeidet.",
            "Raskere avklaring av kvalifikasjoner fra hjemlandet.",
            "Flere samlinger for erfaringsdeling mellom kommunene.",
            "Bedre kontakt med regionkontoret om bolig.",
        ]
        return advice[int(pick * len(advice))] if pick < 0.5 else None
    return None


def demo_responses_generate(*, survey: Survey, share: float, keep_open: tuple[str, ...] = ()) -> int:
    """Submitted responses from about `share` of the units (never those numbered in
    `keep_open`), answering what their profile and answers make visible. Written in
    bulk: a demo, not a respondent."""
    questionnaire = questionnaire_load(survey.questionnaire_id)
    units = list(Municipality.objects.current().exclude(number__in=keep_open).order_by("number"))
    answers, progress = [], []
    now = timezone.now()
    count = 0
    for unit in units:
        if _fraction(unit.number, f"responds{survey.year}") >= share:
            continue
        response = Response.objects.create(survey=survey, municipality=unit)
        count += 1
        profile = profile_values(municipality=unit, year=survey.year)
        values: dict[str, object] = {}
        for section in questionnaire.sections.all():
            for item in section.items.all():
                values[item.question.code] = _demo_value(item.question, unit.number)
        visibility = questionnaire_visibility(questionnaire=questionnaire, profile=profile, answers=values)
        for section in visibility.sections:
            if _fraction(unit.number, f"{section.code}{survey.year}") < 0.1:
                continue  # a section left unanswered now and then
            for item in visibility.items[section.pk]:
                value = values[item.question.code]
                if value is not None and item.question.type != Question.Type.NOTE:
                    answers.append(Answer(response=response, question=item.question, value=value, version=1))
            progress.append(
                SectionProgress(
                    response=response,
                    section=section,
                    status=SectionProgress.Status.SUBMITTED,
                    last_worked_by="Demo",
                    last_worked_at=now,
                    submitted_at=now,
                    submitted_by="Demo",
                )
            )
    Answer.objects.bulk_create(answers, batch_size=2000)
    SectionProgress.objects.bulk_create(progress, batch_size=2000)
    return count


# The demo's advice to the directorate (Q10) coded as an analyst would: the category's labels in
# Bokmål, Nynorsk and English, and the words in an answer that put it in the category.
DEMO_ADVICE_CATEGORIES = [
    ("Finansiering", "Finansiering", "Funding", ["finansiering"]),
    ("Kvalifisering", "Kvalifisering", "Qualification", ["kvalifikasjon"]),
    ("Erfaringsdeling", "Erfaringsdeling", "Sharing experience", ["erfaringsdeling"]),
    ("Bolig", "Bustad", "Housing", ["bolig"]),
    (
        "Kontakt med direktoratet",
        "Kontakt med direktoratet",
        "Contact with the directorate",
        ["regionkontor", "samling"],
    ),
]


def demo_open_answers_code(*, survey: Survey, question_code: str = "Q10") -> int:
    """Categories for the advice question and its answers tagged by keyword (some get two), through the
    same services the staff page uses. Answers already tagged are left alone. Returns the answers tagged."""
    from surveys.analytics.services import open_answer_category_create, open_answer_tags_set
    from surveys.models.analytics import OpenAnswerCategory

    question = Question.objects.filter(code=question_code, items__questionnaire=survey.questionnaire_id).first()
    if question is None:
        return 0
    categories = list(OpenAnswerCategory.objects.filter(question=question).order_by("position", "pk"))
    if not categories:
        categories = [
            open_answer_category_create(question=question, label_nb=nb, label_nn=nn, label_en=en)
            for nb, nn, en, _words in DEMO_ADVICE_CATEGORIES
        ]
    words = {nb: keywords for nb, _nn, _en, keywords in DEMO_ADVICE_CATEGORIES}
    tagged = 0
    answers = Answer.objects.filter(response__survey=survey, question=question, open_answer_tags__isnull=True)
    for answer in answers.select_related("question"):
        text = str(answer.value or "").lower()
        chosen = [c for c in categories if any(word in text for word in words.get(c.label_nb, []))]
        if chosen:
            open_answer_tags_set(answer=answer, categories=chosen)
            tagged += 1
    _demo_quotes_choose(survey=survey, question=question)
    return tagged


def _demo_quotes_choose(*, survey: Survey, question: Question) -> None:
    """Two of the coded answers chosen as the report's quotes, as an analyst does on the open-answer
    page (the report quotes nothing the analyst has not chosen); once."""
    from surveys.analytics.services import report_quote_add
    from surveys.models.analytics import ReportQuote

    if ReportQuote.objects.filter(survey=survey, question=question).exists():
        return
    coded = (
        Answer.objects.filter(response__survey=survey, question=question, open_answer_tags__isnull=False)
        .select_related("question")
        .distinct()
        .order_by("pk")
    )
    for answer in coded[:2]:
        report_quote_add(answer=answer)


def demo_respondent_link(*, survey: Survey, number: str = "4601", create: bool = True) -> str | None:
    """A chief executive's link for one demo municipality; the same link on every run. Without
    `create`, only a link made earlier (a closed round makes no new links): None if there is none."""
    stored = _credentials_file().read_text().splitlines() if _credentials_file().exists() else []
    key = f"link-{survey.year}-{number}"
    for line in stored:
        name, _space, token = line.partition(" ")
        if name == key and Invitation.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True).exists():
            return invitation_link(token)
    if not create:
        return None
    unit = Municipality.objects.current().get(number=number)
    contact = unit.contacts.filter(role=Contact.Role.CHIEF_EXECUTIVE).first()
    _invitation, token = invitation_create(
        survey=survey,
        municipality=unit,
        role=Section.Role.CHIEF_EXECUTIVE,
        name=contact.name if contact else f"Kommunedirektør {unit.name}",
        email=contact.email if contact else f"leder.{number}@example.org",
        contact=contact,
    )
    kept = [line for line in stored if not line.startswith(key + " ")]
    _credentials_file().write_text("".join(f"{line}\n" for line in [*kept, f"{key} {token}"]))
    return invitation_link(token)


def demo_exports_request(*, survey: Survey, username: str = "admin") -> int:
    """The closed round's national exports, asked for once in the demo admin's name; the worker
    that scripts/run starts builds them, like the reports queued when the round closed."""
    from surveys.analytics.services import analysis_export_request
    from surveys.models.analytics import AnalysisExport

    user = User.objects.get(username=username)
    if AnalysisExport.objects.filter(survey=survey, requested_by=user).exists():
        return 0
    for format in AnalysisExport.Format.values:
        analysis_export_request(survey=survey, region=None, districts="apart", format=format, requested_by=user)
    return len(AnalysisExport.Format.values)
