"""One round's data (or several rounds'), loaded in a fixed number of queries and held in memory.

Every statistic, export and report is computed from a `RoundData`, so a page or a
report reads the database the same few times whatever the number of questions,
municipalities or rounds. Definitions used throughout:

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
import json
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from municipalities.models import Municipality, MunicipalityProfile, Region
from municipalities.selectors import region_scheme_active
from surveys.conditions import ConditionError, condition_evaluate, condition_parse, condition_references
from surveys.models import (
    Answer,
    Item,
    MatrixItem,
    Question,
    QuestionOption,
    Response,
    ScalePoint,
    Section,
    SectionProgress,
    Survey,
)
from surveys.models.analytics import AnalysisBand, ClassificationScheme, Districts

__all__ = ["Band", "Districts", "RoundData", "Unit", "round_data_load", "rounds_data_load"]


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
    county_number: str = ""
    population: int | None = None
    centrality_class: int | None = None
    immigrant_share: Decimal | None = None
    settles_refugees: bool | None = None
    is_partner: bool | None = None
    profile_year: int | None = None
    # The classes of the schemes in force in the profile's year: population, immigrant share, centrality.
    band_lists: tuple[list[Band], list[Band], list[Band]] = field(default=([], [], []), repr=False)
    response_id: int | None = None
    submitted_sections: set[int] = field(default_factory=set)
    first_submitted: datetime.date | None = None  # the day its first section was submitted
    visible_sections: set[int] = field(default_factory=set)
    stored: dict[str, object] = field(default_factory=dict)  # every stored answer, by question code
    answers: dict[str, object] = field(default_factory=dict)  # the answers that count
    comments: dict[str, str] = field(default_factory=dict)
    shown: set[str] = field(default_factory=set)  # codes of questions the unit was shown

    @property
    def size_band(self) -> str | None:
        """None for Oslo's districts: a district is part of a city, not a municipality of its size."""
        return None if self.is_district else band_of(self.band_lists[0], self.population)

    @property
    def immigrant_band(self) -> str | None:
        return band_of(self.band_lists[1], self.immigrant_share)

    @property
    def centrality_label(self) -> str | None:
        """The class's name in the centrality standard of the profile's year (its number without one)."""
        if self.centrality_class is None:
            return None
        return band_of(self.band_lists[2], self.centrality_class) or str(self.centrality_class)

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
    sections: list[Section]
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

    @property
    def apart(self) -> bool:
        """Municipalities and Oslo's districts are two populations (the published reports' convention)."""
        return self.districts == Districts.APART

    def main_units(self) -> list[Unit]:
        """The units of the main population: the municipalities when districts are apart, else all."""
        return [unit for unit in self.units if not (self.apart and unit.is_district)]

    def district_units(self) -> list[Unit]:
        """Oslo's districts as a population of their own; none unless districts are apart."""
        return [unit for unit in self.units if self.apart and unit.is_district]


@dataclass(frozen=True)
class Scheme:
    variable: str
    in_force_from: int
    bands: list[Band]


def schemes_load() -> list[Scheme]:
    """Every classification scheme with its classes in their natural order (one query)."""
    schemes: dict[int, Scheme] = {}
    for scheme_id, variable, year, label, lower, upper in AnalysisBand.objects.order_by(
        "scheme__variable", "scheme__in_force_from", "position"
    ).values_list("scheme_id", "scheme__variable", "scheme__in_force_from", "label", "lower", "upper"):
        scheme = schemes.setdefault(scheme_id, Scheme(variable, year, []))
        scheme.bands.append(Band(label, lower, upper))
    return list(schemes.values())


def scheme_bands(schemes: list[Scheme], variable: str, year: int | None) -> list[Band]:
    """The classes of the variable's scheme in force in a profile year: the latest `in_force_from`
    not after it (the earliest scheme for a unit without a profile)."""
    of_variable = [scheme for scheme in schemes if scheme.variable == variable]
    in_force = [scheme for scheme in of_variable if year is None or scheme.in_force_from <= year]
    chosen = in_force[-1] if in_force else (of_variable[0] if of_variable and year is None else None)
    return chosen.bands if chosen else []


VARIABLES = (
    ClassificationScheme.Variable.POPULATION,
    ClassificationScheme.Variable.IMMIGRANT_SHARE,
    ClassificationScheme.Variable.CENTRALITY,
)


def band_of(bands: list[Band], value: Decimal | int | None) -> str | None:
    return next((band.label for band in bands if band.contains(value)), None)


def round_universe_day(survey: Survey) -> datetime.date:
    return survey.opens_at.date()


def _regions_of_units(scheme) -> Callable[[int, int], tuple[int | None, str | None]]:
    """The region of a unit in the scheme, as `municipality_annotate_region` gives it (a direct
    membership wins over the county's region; the first by name when several), in two queries
    instead of four subqueries per unit."""
    direct: dict[int, tuple[int, str]] = {}
    via_county: dict[int, tuple[int, str]] = {}
    if scheme is not None:
        for municipality_id, region_id, name in (
            Region.municipalities.through.objects.filter(region__scheme=scheme)
            .order_by("-region__name")
            .values_list("municipality_id", "region_id", "region__name")
        ):
            direct[municipality_id] = (region_id, name)  # ordered by name descending: the first by name wins
        for county_id, region_id, name in (
            Region.counties.through.objects.filter(region__scheme=scheme)
            .order_by("-region__name")
            .values_list("county_id", "region_id", "region__name")
        ):
            via_county[county_id] = (region_id, name)

    def region_of(municipality_id: int, county_id: int) -> tuple[int | None, str | None]:
        return direct.get(municipality_id) or via_county.get(county_id) or (None, None)

    return region_of


def _valid_on(valid_from: datetime.date | None, valid_to: datetime.date | None, day: datetime.date) -> bool:
    """`Municipality.objects.valid_on(day)` for one row, so several rounds share one registry query."""
    return (valid_from is None or valid_from <= day) and (valid_to is None or valid_to >= day)


def _empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _frozen(value: object) -> object:
    """A hashable stand-in for an answer value (lists and dicts become tuples)."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


class _Condition:
    """A section's or item's condition, parsed once per load and evaluated with
    `condition_evaluate` exactly as `questionnaire_visibility` does (an unparsable or failing
    condition hides). Results are remembered per combination of the values it reads: most
    units share a handful of combinations, so a round costs a few evaluations, not thousands."""

    def __init__(self, text: str):
        self.always = not text.strip()
        self.node = None
        self.names: tuple[str, ...] = ()
        self.memo: dict[tuple, bool] = {}
        if not self.always:
            try:
                self.node = condition_parse(text)
                self.names = tuple(sorted(condition_references(self.node)))
            except ConditionError:
                self.node = None

    def holds(self, lookup) -> bool:
        if self.always:
            return True
        if self.node is None:
            return False
        values = {name: lookup(name) for name in self.names}
        try:
            key = tuple(_frozen(values[name]) for name in self.names)
            hash(key)
        except TypeError:  # an odd stored value: evaluate without remembering
            key = None
        if key is not None and key in self.memo:
            return self.memo[key]
        try:
            result = condition_evaluate(self.node, values=values)
        except ConditionError:
            result = False
        if key is not None:
            self.memo[key] = result
        return result


def _reference_candidates(names: Iterable[str]) -> set[str]:
    """Question codes a condition's names may refer to: the name itself, or for a matrix item
    `<code>_<item>` every prefix before an underscore."""
    codes = set()
    for name in names:
        codes.add(name)
        parts = name.split("_")
        codes.update("_".join(parts[:index]) for index in range(1, len(parts)))
    return codes


def _lookup(unit: "Unit", profile: dict[str, object]):
    """Resolves a condition's name as `questionnaire_visibility` does: the unit's profile first,
    then a plain answer, then a matrix answer spread into `<code>_<item>`."""

    def lookup(name: str) -> object:
        if name in profile:
            return profile[name]
        stored = unit.stored
        if name in stored and not isinstance(stored[name], dict):
            return stored[name]
        code, _sep, item = name.rpartition("_")
        while code:
            value = stored.get(code)
            if isinstance(value, dict):
                return value.get(item)
            code, _sep, rest = code.rpartition("_")
            item = f"{rest}_{item}"
        return None

    return lookup


@dataclass
class _Questionnaire:
    sections: list[Section]
    items: list[Item]  # every item that has an answer (not notes), in questionnaire order


def _questionnaires_load(
    questionnaire_ids: list[int], *, question_codes: set[str] | None, series: set[str] | None
) -> dict[int, _Questionnaire]:
    """Sections and the wanted items of several questionnaires, with their questions' options, matrix
    items and scale points: five queries whatever the number of questionnaires."""
    sections = list(Section.objects.filter(questionnaire_id__in=questionnaire_ids).order_by("position", "pk"))
    by_id = {section.pk: section for section in sections}
    items_qs = (
        Item.objects.filter(questionnaire_id__in=questionnaire_ids)
        .exclude(question__type=Question.Type.NOTE)
        .select_related("question__scale")
        .order_by()
    )
    if question_codes is not None or series is not None:
        wanted = Q(pk__in=[])
        if question_codes is not None:
            wanted |= Q(question__code__in=question_codes)
        if series is not None:
            wanted |= Q(question__series__in=series)
        items_qs = items_qs.filter(wanted)
    loaded = {pk: _Questionnaire([], []) for pk in questionnaire_ids}
    for section in sections:
        loaded[section.questionnaire_id].sections.append(section)
    position = {section.pk: index for index, section in enumerate(sections)}
    items = sorted(items_qs, key=lambda item: (position[item.section_id], item.position, item.pk))
    for item in items:
        item.section = by_id[item.section_id]
        loaded[item.questionnaire_id].items.append(item)
    _children_attach(items)
    return loaded


def _children_attach(items: list[Item]) -> None:
    """Options, matrix items and scale points of the items' questions, three queries in all.

    Django's prefetch_related would do the same, but it builds a filtered queryset per question
    (a tenth of a millisecond each, most of a round's load); here each question gets the rows
    in the cache `prefetch_related` fills, so `question.options.all()` reads them as usual."""
    # Each item has its own instance of its question (and scale), even when rounds share the question.
    questions: dict[int, list[Question]] = defaultdict(list)
    scales: dict[int, list] = defaultdict(list)
    for item in items:
        questions[item.question_id].append(item.question)
        if item.question.scale_id is not None:
            scales[item.question.scale_id].append(item.question.scale)
    options, rows, points = defaultdict(list), defaultdict(list), defaultdict(list)
    types = {item.question.type for item in items}
    if types & {Question.Type.SINGLE_CHOICE, Question.Type.MULTIPLE_CHOICE}:  # none to read otherwise
        for option in QuestionOption.objects.filter(question_id__in=list(questions)).order_by("position", "pk"):
            options[option.question_id].append(option)
    if Question.Type.MATRIX in types:
        for row in MatrixItem.objects.filter(question_id__in=list(questions)).order_by("position", "pk"):
            rows[row.question_id].append(row)
    if scales:
        for point in ScalePoint.objects.filter(scale_id__in=list(scales)).order_by("value"):
            points[point.scale_id].append(point)
    for pk, instances in questions.items():
        for question in instances:
            _cache_set(question, "options", QuestionOption, options[pk])
            _cache_set(question, "matrix_items", MatrixItem, rows[pk])
    for scale_id, instances in scales.items():
        for scale in instances:
            _cache_set(scale, "points", ScalePoint, points[scale_id])


def _cache_set(instance, name: str, model, rows: list) -> None:
    queryset = model._default_manager.all()
    queryset._result_cache, queryset._prefetch_done = rows, True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset


def round_data_load(
    *,
    survey: Survey,
    region: Region | None = None,
    districts: str = Districts.APART,
    question_codes: set[str] | None = None,
) -> RoundData:
    """Loads a round for analysis in a fixed number of queries (about a dozen).

    `region` keeps only that region's units (active scheme); `districts` drops Oslo's
    districts when EXCLUDE and keeps only them when ONLY. `question_codes` loads answers only for those questions and
    the questions their conditions read."""
    return rounds_data_load(surveys=[survey], region=region, districts=districts, question_codes=question_codes)[0]


def rounds_data_load(
    *,
    surveys: list[Survey],
    region: Region | None = None,
    districts: str = Districts.APART,
    question_codes: set[str] | None = None,
    series: set[str] | None = None,
    respondents_only: bool = False,
) -> list[RoundData]:
    """Several rounds at once (time series), in the same dozen queries as one round.

    With `question_codes` and/or `series`, only the items of those questions (or series) are
    loaded, with the answers their conditions read; without either, every item. With
    `respondents_only`, `units` holds only the units with a response (enough for statistics
    over respondents, such as time series; not for response rates)."""
    surveys = list(surveys)
    if not surveys:
        return []
    questionnaires = _questionnaires_load(
        [survey.questionnaire_id for survey in surveys], question_codes=question_codes, series=series
    )
    partial = question_codes is not None or series is not None

    regions = list(Region.objects.filter(scheme__is_active=True).select_related("scheme").order_by("name"))
    scheme = regions[0].scheme if regions else region_scheme_active()
    schemes = schemes_load()
    band_lists_of: dict[int | None, tuple[list[Band], list[Band], list[Band]]] = {}

    def band_lists(year: int | None) -> tuple[list[Band], list[Band], list[Band]]:
        if year not in band_lists_of:
            band_lists_of[year] = tuple(scheme_bands(schemes, variable, year) for variable in VARIABLES)
        return band_lists_of[year]

    survey_ids = [survey.pk for survey in surveys]
    responses: dict[int, dict[int, int]] = defaultdict(dict)  # survey -> municipality -> response
    for survey_id, response_id, municipality_id in (
        Response.objects.filter(survey_id__in=survey_ids).order_by().values_list("survey_id", "pk", "municipality_id")
    ):
        responses[survey_id][municipality_id] = response_id
    with_response = Response.objects.filter(survey_id__in=survey_ids).values("municipality_id")

    # The registry once for every round: units valid on any round's first day, or with a response.
    days = {survey.pk: round_universe_day(survey) for survey in surveys}
    earliest, latest = min(days.values()), max(days.values())
    registry = Municipality.objects.filter(pk__in=with_response)
    if not respondents_only:
        registry |= Municipality.objects.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=latest),
            Q(valid_to__isnull=True) | Q(valid_to__gte=earliest),
        )
    if districts == Districts.EXCLUDE:
        registry = registry.exclude(kind=Municipality.Kind.DISTRICT)
    elif districts == Districts.ONLY:
        registry = registry.filter(kind=Municipality.Kind.DISTRICT)
    region_of = _regions_of_units(scheme)
    rows = []
    for pk, number, name, kind, county_id, county, valid_from, valid_to, county_number in registry.order_by(
        "number", "pk"
    ).values_list(
        "pk", "number", "name", "kind", "county_id", "county__name", "valid_from", "valid_to", "county__number"
    ):
        region_id, region_name = region_of(pk, county_id)
        if region is None or region_id == region.pk:
            rows.append(
                (pk, number, name, kind, county_id, county, region_id, region_name, valid_from, valid_to, county_number)
            )

    # Profiles: the round's year or the latest earlier one, as conditions use them.
    profiles: dict[int, list[tuple]] = defaultdict(list)
    for profile in (
        # Every unit's (a few thousand rows): cheaper than naming the units in the query.
        MunicipalityProfile.objects.filter(year__lte=max(survey.year for survey in surveys))
        .order_by("year", "municipality_id")
        .values_list(
            "municipality_id",
            "year",
            "population",
            "centrality_class",
            "immigrant_share",
            "settles_refugees",
            "is_partner",
        )
    ):
        profiles[profile[0]].append(profile[1:])
    profile_years = {pk: [entry[0] for entry in entries] for pk, entries in profiles.items()}

    submitted: dict[int, set[int]] = defaultdict(set)  # response -> submitted sections
    first_submitted: dict[int, datetime.datetime] = {}  # response -> its first section's submission
    for response_id, section_id, moment in (
        SectionProgress.objects.filter(response__survey_id__in=survey_ids, status=SectionProgress.Status.SUBMITTED)
        .order_by()
        .values_list("response_id", "section_id", "submitted_at")
    ):
        submitted[response_id].add(section_id)
        if moment is not None and (response_id not in first_submitted or moment < first_submitted[response_id]):
            first_submitted[response_id] = moment

    # Conditions, parsed once per load; in a partial load, the answers they read are loaded too.
    conditions: dict[str, _Condition] = {}

    def condition(text: str) -> _Condition:
        if text not in conditions:
            conditions[text] = _Condition(text)
        return conditions[text]

    load_codes: set[str] = set()
    for loaded in questionnaires.values():
        for item in loaded.items:
            load_codes.add(item.question.code)
            if partial:
                for text in (item.condition, item.section.condition):
                    load_codes |= _reference_candidates(condition(text).names)

    # Answers of the units in scope, decoded once per distinct text: a round has thousands of rows
    # but few distinct values. The whole country by a join; a region by its (few) response ids.
    answers = Answer.objects.filter(response__survey_id__in=survey_ids).order_by()
    if region is not None:
        in_scope = {row[0] for row in rows}
        answers = answers.filter(
            response_id__in=[pk for by_unit in responses.values() for unit, pk in by_unit.items() if unit in in_scope]
        )
    elif districts == Districts.EXCLUDE:
        answers = answers.exclude(response__municipality__kind=Municipality.Kind.DISTRICT)
    elif districts == Districts.ONLY:
        answers = answers.filter(response__municipality__kind=Municipality.Kind.DISTRICT)
    if partial:
        answers = answers.filter(question__code__in=load_codes)
        answer_rows = answers.values_list(
            "response_id", "question__code", Cast("value", output_field=TextField()), "comment"
        )
    else:
        code_of = {item.question_id: item.question.code for loaded in questionnaires.values() for item in loaded.items}
        answer_rows = (
            (response_id, code_of.get(question_id), text, comment)
            for response_id, question_id, text, comment in answers.values_list(
                "response_id", "question_id", Cast("value", output_field=TextField()), "comment"
            )
        )
    decoded: dict[str, object] = {}
    stored: dict[int, dict[str, object]] = defaultdict(dict)
    comments: dict[int, dict[str, str]] = defaultdict(dict)
    for response_id, code, text, comment in answer_rows:
        if code is None:
            continue
        if text is not None:
            value = decoded.get(text)
            if value is None:
                value = decoded[text] = json.loads(text)
            if value is not None:
                stored[response_id][code] = value
        if comment:
            comments[response_id][code] = comment

    result = []
    position = {row[0]: index for index, row in enumerate(rows)}
    for survey in surveys:
        loaded = questionnaires[survey.questionnaire_id]
        day = days[survey.pk]
        answered = responses.get(survey.pk, {})
        if respondents_only:
            chosen = [rows[index] for index in sorted(position[pk] for pk in answered if pk in position)]
        else:
            chosen = [row for row in rows if row[0] in answered or _valid_on(row[8], row[9], day)]
        units = []
        for pk, number, name, kind, county_id, county, region_id, region_name, _from, _to, county_number in chosen:
            unit = Unit(pk, number, name, kind, county_id, county, region_id, region_name, county_number=county_number)
            years = profile_years.get(pk)
            index = bisect_right(years, survey.year) - 1 if years else -1  # the round's year or the latest earlier
            unit.band_lists = band_lists(years[index] if index >= 0 else survey.year)
            if index >= 0:
                unit.profile_year, population, centrality, share, settles, partner = profiles[pk][index]
                unit.population, unit.centrality_class, unit.immigrant_share = population, centrality, share
                unit.settles_refugees, unit.is_partner = settles, partner
            response_id = answered.get(pk)
            if response_id is not None:
                unit.response_id = response_id
                unit.submitted_sections = submitted.get(response_id, set())
                first = first_submitted.get(response_id)
                unit.first_submitted = None if first is None else timezone.localdate(first)
                unit.stored = stored.get(response_id, {})
                unit.comments = comments.get(response_id, {})
            units.append(unit)
        _units_evaluate(units, loaded, condition)
        result.append(
            RoundData(
                survey=survey,
                sections=loaded.sections,
                items=loaded.items,
                units=units,
                bands={variable: scheme_bands(schemes, variable, survey.year) for variable in VARIABLES},
                regions=regions,
                region=region,
                districts=districts,
            )
        )
    return result


def _units_evaluate(units: list[Unit], loaded: _Questionnaire, condition) -> None:
    """For every responding unit: the sections and questions it was shown (conditions on its
    profile and stored answers), and the answers and comments that count (shown, section submitted)."""
    plain: dict[int, list[str]] = defaultdict(list)  # items without a condition of their own
    conditional: dict[int, list[tuple[str, _Condition]]] = defaultdict(list)
    for item in loaded.items:
        item_condition = condition(item.condition)
        if item_condition.always:
            plain[item.section_id].append(item.question.code)
        else:
            conditional[item.section_id].append((item.question.code, item_condition))
    sections = [
        (
            section.pk,
            condition(section.condition),
            frozenset(plain.get(section.pk, ())),
            conditional.get(section.pk, []),
        )
        for section in loaded.sections
    ]
    for unit in units:
        if not unit.responded:
            unit.comments = {}  # drafts: nothing counts until a section is submitted
            continue
        lookup = _lookup(unit, unit.profile())
        counted: set[str] = set()
        for section_id, section_condition, always, items in sections:
            if not section_condition.holds(lookup):
                continue
            unit.visible_sections.add(section_id)
            shown = always | {code for code, item_condition in items if item_condition.holds(lookup)}
            unit.shown |= shown
            if section_id in unit.submitted_sections:
                counted |= shown
        unit.answers = {code: value for code, value in unit.stored.items() if code in counted and not _empty(value)}
        unit.comments = {code: text for code, text in unit.comments.items() if code in counted}
