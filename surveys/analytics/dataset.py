"""One round's data, loaded once in a fixed number of queries and held in memory.

Every statistic, export and report is computed from a `RoundData`, so a page or a
report reads the database the same few times whatever the number of questions or
municipalities. Definitions used throughout:

- the round's units are those valid on the day the round opened, plus any unit
  that has a response (a unit ended during the field period still counts);
- a unit *responds* when at least one section is submitted, and is *complete*
  when every section it sees (given its profile and answers) is submitted;
- an answer *counts* when its question was shown to the unit (section and item
  conditions hold, evaluated with `questionnaire_visibility`) and its section
  was submitted; answers in unsubmitted sections are drafts, not data;
- background variables come from the unit's profile of the round's year, or the
  latest earlier one (the same rule the questionnaire's conditions use).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from municipalities.models import Municipality, MunicipalityProfile, Region
from municipalities.selectors import municipality_annotate_region, region_scheme_active
from surveys.analytics.models import AnalysisBand
from surveys.conditions import condition_parse, condition_references
from surveys.models import Answer, Item, Question, Questionnaire, Response, Section, SectionProgress, Survey
from surveys.services.questionnaires import questionnaire_load, questionnaire_visibility


class Districts(TextChoices):
    """How Oslo's city districts take part in a table."""

    APART = "apart", _("reported apart")
    INCLUDE = "include", _("included in their groups")
    EXCLUDE = "exclude", _("left out")


@dataclass(frozen=True)
class Band:
    label: str
    lower: Decimal | None
    upper: Decimal | None

    def contains(self, value: Decimal | int | None) -> bool:
        if value is None:
            return False
        return (self.lower is None or value >= self.lower) and (self.upper is None or value < self.upper)


@dataclass
class Unit:
    """A municipality or district in a round, with its background and (if any) its response."""

    id: int
    number: str
    name: str
    kind: str
    county_id: int
    county: str
    region_id: int | None
    region: str | None
    population: int | None = None
    centrality_class: int | None = None
    immigrant_share: Decimal | None = None
    settles_refugees: bool | None = None
    is_partner: bool | None = None
    size_band: str | None = None
    immigrant_band: str | None = None
    response_id: int | None = None
    submitted_sections: set[int] = field(default_factory=set)
    visible_sections: set[int] = field(default_factory=set)
    stored: dict[str, object] = field(default_factory=dict)  # every stored answer, by question code
    answers: dict[str, object] = field(default_factory=dict)  # the answers that count
    comments: dict[str, str] = field(default_factory=dict)
    shown: set[str] = field(default_factory=set)  # codes of questions the unit was shown

    @property
    def is_district(self) -> bool:
        return self.kind == Municipality.Kind.DISTRICT

    @property
    def responded(self) -> bool:
        return bool(self.submitted_sections)

    @property
    def complete(self) -> bool:
        return self.responded and self.visible_sections <= self.submitted_sections

    def profile(self) -> dict[str, object]:
        """The values conditions read, as `profile_values` gives them."""
        return {
            "kind": self.kind,
            "settles_refugees": self.settles_refugees,
            "is_partner": self.is_partner,
            "population": self.population,
            "centrality_class": self.centrality_class,
            "immigrant_share": self.immigrant_share,
        }


@dataclass
class RoundData:
    survey: Survey
    questionnaire: Questionnaire
    items: list[Item]
    units: list[Unit]
    bands: dict[str, list[Band]]
    regions: list[Region]
    region: Region | None = None
    districts: str = Districts.APART

    @property
    def questions(self) -> list[Question]:
        return [item.question for item in self.items]

    def item(self, code: str) -> Item:
        for item in self.items:
            if item.question.code == code:
                return item
        raise KeyError(code)

    def respondents(self) -> list[Unit]:
        return [unit for unit in self.units if unit.responded]


def bands_load() -> dict[str, list[Band]]:
    bands: dict[str, list[Band]] = defaultdict(list)
    for band in AnalysisBand.objects.order_by("variable", "position"):
        bands[band.variable].append(Band(band.label, band.lower, band.upper))
    return dict(bands)


def band_of(bands: list[Band], value: Decimal | int | None) -> str | None:
    return next((band.label for band in bands if band.contains(value)), None)


def round_universe_day(survey: Survey) -> datetime.date:
    return survey.opens_at.date()


def items_needed(items: Iterable[Item], codes: set[str]) -> tuple[list[Item], set[str]]:
    """The items for `codes` and the names their conditions (item and section) read."""
    chosen = [item for item in items if item.question.code in codes]
    names: set[str] = set()
    for item in chosen:
        for text in (item.condition, item.section.condition):
            if text.strip():
                names |= _references(text)
    return chosen, names


def _references(text: str) -> set[str]:
    try:
        return condition_references(condition_parse(text))
    except Exception:  # an unparsable condition hides its item; it needs no answers
        return set()


def round_data_load(
    *,
    survey: Survey,
    region: Region | None = None,
    districts: str = Districts.APART,
    question_codes: set[str] | None = None,
    questionnaire: Questionnaire | None = None,
) -> RoundData:
    """Loads a round for analysis in a fixed number of queries (about a dozen).

    `region` keeps only that region's units (active scheme); `districts` drops Oslo's
    districts when EXCLUDE. `question_codes` loads answers only for those questions and
    the questions their conditions read (time series need one question of many rounds)."""
    questionnaire = questionnaire or questionnaire_load(survey.questionnaire_id)
    all_items = [item for section in questionnaire.sections.all() for item in section.items.all()]
    sections_by_id: dict[int, Section] = {section.pk: section for section in questionnaire.sections.all()}
    for item in all_items:
        item.section = sections_by_id[item.section_id]
    items = [item for item in all_items if item.question.type != Question.Type.NOTE]
    load_codes: set[str] | None = None
    if question_codes is not None:
        items, names = items_needed(items, question_codes)
        # A matrix item is referred to as `<code>_<item>`, so a name may start with the question's code.
        load_codes = set(question_codes) | {
            item.question.code
            for item in all_items
            if any(name == item.question.code or name.startswith(item.question.code + "_") for name in names)
        }

    scheme = region_scheme_active()
    day = round_universe_day(survey)
    with_response = Response.objects.filter(survey=survey).values("municipality_id")
    units_qs = municipality_annotate_region(
        (Municipality.objects.valid_on(day) | Municipality.objects.filter(pk__in=with_response)).select_related(
            "county"
        ),
        scheme=scheme,
    ).order_by("number", "pk")
    if region is not None:
        units_qs = units_qs.filter(region_id=region.pk)
    if districts == Districts.EXCLUDE:
        units_qs = units_qs.exclude(kind=Municipality.Kind.DISTRICT)
    bands = bands_load()
    units: list[Unit] = []
    for row in units_qs:
        units.append(
            Unit(
                id=row.pk,
                number=row.number,
                name=row.name,
                kind=row.kind,
                county_id=row.county_id,
                county=row.county.name,
                region_id=row.region_id,
                region=row.region_name,
            )
        )
    by_id = {unit.id: unit for unit in units}

    # Profiles: the round's year or the latest earlier one, as conditions use them.
    profiles = MunicipalityProfile.objects.filter(municipality_id__in=list(by_id), year__lte=survey.year).order_by(
        "year"
    )
    for profile in profiles:
        unit = by_id[profile.municipality_id]
        unit.population = profile.population
        unit.centrality_class = profile.centrality_class
        unit.immigrant_share = profile.immigrant_share
        unit.settles_refugees = profile.settles_refugees
        unit.is_partner = profile.is_partner
    for unit in units:
        unit.size_band = band_of(bands.get(AnalysisBand.Variable.POPULATION, []), unit.population)
        unit.immigrant_band = band_of(bands.get(AnalysisBand.Variable.IMMIGRANT_SHARE, []), unit.immigrant_share)

    by_response: dict[int, Unit] = {}
    for response_id, municipality_id in Response.objects.filter(
        survey=survey, municipality_id__in=list(by_id)
    ).values_list("pk", "municipality_id"):
        by_id[municipality_id].response_id = response_id
        by_response[response_id] = by_id[municipality_id]
    for response_id, section_id in SectionProgress.objects.filter(
        response__survey=survey, status=SectionProgress.Status.SUBMITTED
    ).values_list("response_id", "section_id"):
        if response_id in by_response:
            by_response[response_id].submitted_sections.add(section_id)

    code_of = {item.question_id: item.question.code for item in all_items}
    answers = Answer.objects.filter(response__survey=survey).values_list(
        "response_id", "question_id", "value", "comment"
    )
    if load_codes is not None:
        answers = answers.filter(question__code__in=load_codes)
    for response_id, question_id, value, comment in answers:
        unit = by_response.get(response_id)
        code = code_of.get(question_id)
        if unit is None or code is None:
            continue
        if value is not None:
            unit.stored[code] = value
        if comment:
            unit.comments[code] = comment

    wanted = {item.question.code for item in items}
    section_of = {item.question.code: item.section_id for item in items}
    for unit in units:
        if not unit.responded:
            continue
        visibility = questionnaire_visibility(questionnaire=questionnaire, profile=unit.profile(), answers=unit.stored)
        unit.visible_sections = {section.pk for section in visibility.sections}
        for section_items in visibility.items.values():
            for item in section_items:
                if item.question.code in wanted:
                    unit.shown.add(item.question.code)
        for code in unit.shown:
            if section_of[code] in unit.submitted_sections and code in unit.stored and not _empty(unit.stored[code]):
                unit.answers[code] = unit.stored[code]
        unit.comments = {
            code: text
            for code, text in unit.comments.items()
            if code in unit.shown and section_of.get(code) in unit.submitted_sections
        }
    regions = list(scheme.regions.order_by("name")) if scheme else []
    return RoundData(
        survey=survey,
        questionnaire=questionnaire,
        items=items,
        units=units,
        bands=bands,
        regions=regions,
        region=region,
        districts=districts,
    )


def _empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value == {}
