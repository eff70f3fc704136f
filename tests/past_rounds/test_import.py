"""The import of a 2015-like round from .sav and from .xlsx: every frequency equals the one pandas
computes from the file; provenance, audit trail, query counts, removal, and a time series from
2015 to the demo's years that follows merged municipalities."""

import pandas
import pyreadstat
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import StaffEvent
from surveys import fastpath
from surveys.analytics.dataset import Districts, round_data_load
from surveys.analytics.series import current_unit_map, series_compare
from surveys.analytics.statistics import frequencies
from surveys.demo import demo_rounds_ensure
from surveys.models import Answer, AnswerChange, PastRoundImport, Question, Response, ScalePoint, Survey
from surveys.past_rounds.matching import mapping_suggest
from surveys.past_rounds.reading import DataFile
from surveys.past_rounds.services import past_round_import, past_round_remove
from tests.past_rounds.files import DAY_2015, SERVICE_AREAS

pytestmark = pytest.mark.django_db

YES_NO = {"Ja": "yes", "Nei": "no"}


def confirmed(data_file: DataFile, previous: dict | None = None) -> dict:
    """The platform's suggestions, as the admin confirms them: q99 becomes a recurring question."""
    mapping = mapping_suggest(data_file=data_file, year=2015, reference_day=DAY_2015, previous=previous)
    mapping["columns"]["q99"]["new"]["theme"] = "Direktoratet"
    return mapping


def labelled_frame(path) -> pandas.DataFrame:
    """The file as pandas reads it: labels for coded values, user-missing codes as missing."""
    if path.suffix == ".sav":
        return pyreadstat.read_sav(str(path), apply_value_formats=True, user_missing=False)[0]
    return pandas.read_excel(path, dtype=object)


def counts(series: pandas.Series) -> dict:
    return {key: int(value) for key, value in series.dropna().value_counts().items()}


def assert_frequencies_equal_pandas(survey: Survey, frame: pandas.DataFrame) -> None:
    # the file's rows are municipalities and districts alike: compare with both counted together
    data = round_data_load(survey=survey, districts=Districts.INCLUDE)
    by_code = {result.question.code: result for result in frequencies(data)}
    for column, code in (("q4", "Q04"), ("q5", "Q05"), ("q6", "Q06")):
        expected = counts(frame[column])
        distribution = by_code[code].distributions[0]
        assert {c.code: c.count for c in distribution.categories} == {
            "yes": expected.get("Ja", 0),
            "no": expected.get("Nei", 0),
        }, column
        assert distribution.n == expected.get("Ja", 0) + expected.get("Nei", 0)
    points = {point.label_nb: point.code for point in ScalePoint.objects.filter(scale__code="useful4")}
    for distribution in by_code["Q08"].distributions:
        expected = counts(frame[f"Q08_{distribution.variable.item_code}"])
        assert {c.code: c.count for c in distribution.categories} == {
            code: expected.get(label, 0) for label, code in points.items()
        }, distribution.variable.name
        assert distribution.not_relevant == expected.get("Ikke relevant", 0)
    chosen = {}
    for option, label, *_rest in SERVICE_AREAS:
        chosen[option] = frame[f"Q03_{option}"].isin(["Valgt", label])
    q3 = by_code["Q03"].distributions[0]
    assert {c.code: c.count for c in q3.categories} == {option: int(mask.sum()) for option, mask in chosen.items()}
    assert q3.n == int(pandas.concat(chosen.values(), axis=1).any(axis=1).sum())
    numbers = pandas.to_numeric(frame["q2"], errors="coerce")
    numbers = numbers[numbers >= 0]
    assert by_code["Q02"].numbers.n == len(numbers)
    assert by_code["Q02"].numbers.mean == pytest.approx(float(numbers.mean()))
    texts = frame["q10"].dropna()
    assert len(by_code["Q10"].texts) == int((texts.astype(str).str.strip() != "").sum())
    new_options = {option.label_nb: option.code for option in Question.objects.get(code="q99").options.all()}
    expected = counts(frame["q99"])
    assert {c.code: c.count for c in by_code["q99"].distributions[0].categories} == {
        code: expected.get(label, 0) for label, code in new_options.items()
    }


def test_a_sav_is_imported_as_a_closed_round_with_the_files_frequencies(
    demo_bank, files_2015, sav_2015, survey_admin, django_assert_max_num_queries
):
    # when (the plain twin, as on SQLite, sends the answers in batches of 2,000 or fewer)
    with django_assert_max_num_queries(60 if fastpath.enabled() else 200):
        survey = past_round_import(data_file=sav_2015, mapping=confirmed(sav_2015), imported_by=survey_admin)

    # then
    assert survey.year == 2015 and survey.status == Survey.Status.CLOSED
    assert survey.opens_at.date() == DAY_2015
    provenance = PastRoundImport.objects.get(survey=survey)
    assert (provenance.file_name, provenance.sha256, provenance.imported_by) == (
        "kommuneundersokelsen_2015.sav",
        sav_2015.sha256,
        survey_admin,
    )
    assert provenance.mapping["columns"]["q4"]["question"] == "Q04"
    event = StaffEvent.objects.get(kind=StaffEvent.Kind.PAST_ROUND_IMPORTED)
    assert event.user == survey_admin and sav_2015.sha256 in event.what
    answers = Answer.objects.filter(response__survey=survey)
    assert AnswerChange.objects.filter(answer__in=answers, user=survey_admin, version=1).count() == answers.count()
    frame = labelled_frame(files_2015[0])
    answered_rows = frame.drop(columns=["knr", "kommune", "respid"]).replace("", None).notna().any(axis=1)
    assert Response.objects.filter(survey=survey).count() == int(answered_rows.sum())
    question = Question.objects.get(code="q99")
    assert question.theme == "Direktoratet" and question.classification == "recurring"
    assert_frequencies_equal_pandas(survey, frame)


def test_an_xlsx_with_text_answers_is_imported_with_the_sav_s_mapping(demo_bank, files_2015, sav_2015, xlsx_2015):
    # given: the .sav's confirmed mapping is where the .xlsx starts
    previous = confirmed(sav_2015)

    # when
    survey = past_round_import(data_file=xlsx_2015, mapping=confirmed(xlsx_2015, previous), imported_by=None)

    # then
    assert PastRoundImport.objects.get(survey=survey).imported_by_name == "manage.py"
    assert_frequencies_equal_pandas(survey, labelled_frame(files_2015[1]))


def test_the_import_s_queries_do_not_grow_with_the_rows(demo_bank, sav_2015):
    # given: the whole file, and its first 40 rows
    mapping = confirmed(sav_2015)
    small = DataFile(name="small.sav", sha256="0" * 64, columns=sav_2015.columns, rows=sav_2015.rows[:40])

    # when
    with CaptureQueriesContext(connection) as few_rows:
        survey = past_round_import(data_file=small, mapping=mapping, imported_by=None)
    few_answers = Answer.objects.count()
    past_round_remove(survey=survey, removed_by=None)
    with CaptureQueriesContext(connection) as all_rows:
        past_round_import(data_file=sav_2015, mapping=mapping, imported_by=None)

    # then: 443 rows take as many queries as 40 (each kind of row is one bulk insert)
    assert Answer.objects.count() > 8 * few_answers
    assert len(all_rows.captured_queries) == len(few_rows.captured_queries)


def test_an_imported_round_is_removed_as_a_whole(demo_bank, sav_2015, survey_admin):
    # given
    questions_before = set(Question.objects.values_list("code", flat=True))
    survey = past_round_import(data_file=sav_2015, mapping=confirmed(sav_2015), imported_by=survey_admin)

    # when
    past_round_remove(survey=survey, removed_by=survey_admin)

    # then
    assert not Survey.objects.filter(year=2015).exists()
    assert not Response.objects.exists() and not Answer.objects.exists() and not AnswerChange.objects.exists()
    assert set(Question.objects.values_list("code", flat=True)) == questions_before  # q99 went with it
    assert StaffEvent.objects.filter(kind=StaffEvent.Kind.PAST_ROUND_REMOVED, user=survey_admin).exists()


def test_a_time_series_runs_from_2015_to_the_demo_years_following_merged_municipalities(demo_bank, sav_2015):
    # given: 2015 imported, and the demo's two rounds answered online
    imported = past_round_import(data_file=sav_2015, mapping=confirmed(sav_2015), imported_by=None)
    earlier, _current = demo_rounds_ensure()

    # when
    series = series_compare(series="Q04", surveys=[imported, earlier])

    # then: 2015's point is the file's, and the panel joins 2015's units to their successors
    variable = series.variables[0]
    assert series.years == [2015, earlier.year]
    answered_2015 = set(
        Answer.objects.filter(response__survey=imported, question__code="Q04").values_list(
            "response__municipality_id", flat=True
        )
    )
    answered_later = set(
        Answer.objects.filter(response__survey=earlier, question__series="Q04").values_list(
            "response__municipality_id", flat=True
        )
    )
    to_current = current_unit_map()
    assert variable.all[0].n == len(answered_2015)
    followed = {to_current.get(unit, unit) for unit in answered_2015} & answered_later
    same_number_only = answered_2015 & answered_later
    assert variable.panel_size == len(followed)
    assert variable.panel_size > len(same_number_only)  # merged and renumbered units are followed


def _written(survey: Survey) -> tuple[list, list]:
    """The answers and audit entries of a round, without ids, in one order."""
    answers = sorted(
        Answer.objects.filter(response__survey=survey).values_list(
            "response__municipality__number",
            "question__code",
            "value",
            "comment",
            "version",
            "created_at",
            "updated_at",
        ),
        key=repr,
    )
    changes = sorted(
        AnswerChange.objects.filter(answer__response__survey=survey).values_list(
            "answer__response__municipality__number",
            "answer__question__code",
            "invitation_id",
            "user_id",
            "actor_name",
            "old_value",
            "new_value",
            "old_comment",
            "new_comment",
            "version",
            "created_at",
        ),
        key=repr,
    )
    return answers, changes


@pytest.mark.fastpath
def test_the_fast_bulk_write_writes_what_its_plain_twin_writes(demo_bank, sav_2015, survey_admin, settings):
    # given the same file imported by the fast path (two statements) and by its plain twin (the ORM)
    settings.SURVEYS_FASTPATH = True
    fast = _written(past_round_import(data_file=sav_2015, mapping=confirmed(sav_2015), imported_by=survey_admin))
    past_round_remove(survey=Survey.objects.get(year=2015), removed_by=survey_admin)
    settings.SURVEYS_FASTPATH = False
    plain = _written(past_round_import(data_file=sav_2015, mapping=confirmed(sav_2015), imported_by=survey_admin))

    # then every answer and every audit entry is the same
    assert len(fast[0]) > 1000 and len(fast[1]) == len(fast[0])
    assert plain == fast
