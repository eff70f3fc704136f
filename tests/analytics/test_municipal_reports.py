"""A report for every municipality: each unit's answers beside its region, its size band and the
whole country, with last year's answers; built for every responding unit when a round closes.

The round (tests/scenarios.py, answered_round_create) has three responding units: Tromsø (Nord,
80,000 inhabitants), Bergen (Vest, 290,000) and Bindal (Nord, 1,000); Brønnøy submitted nothing.
Tromsø's groups are Nord's responding municipalities (Tromsø, Bindal), those of 50,000 and over
(Tromsø, Bergen) and the whole country (all three)."""

import io

import pytest
from pypdf import PdfReader

from municipalities.models import Municipality
from surveys.analytics.municipal import municipal_report_context, round_comparisons_load
from surveys.analytics.services import analysis_reports_for_closed_round, municipal_reports_build
from surveys.models import MunicipalReport, Survey
from tests.factories import QuestionnaireFactory, SectionFactory, SurveyFactory
from tests.scenarios import SMALL, respond


def unit_of(comparisons, number: str):
    return next(unit for unit in comparisons.data.units if unit.number == number and unit.responded)


def rows_by_question(context) -> dict[str, list]:
    return {entry.question.code: entry.rows for chapter in context["chapters"] for entry in chapter.questions}


def test_a_municipality_stands_beside_its_region_its_size_band_and_the_country(answered_round):
    comparisons = round_comparisons_load(answered_round)
    tromso = unit_of(comparisons, "5501")

    context = municipal_report_context(comparisons, tromso)
    rows = rows_by_question(context)

    assert [(group.label, group.n) for group in context["groups"]] == [
        ("Nord", 2),
        ("50 000 og over inhabitants", 2),
        ("Whole country", 3),
    ]
    # Q1 yes: Nord both yes, 50,000+ Tromsø yes and Bergen no, the country two of three.
    assert [(row.answer, row.comparisons) for row in rows["Q1"]] == [("Yes", ["100 %", "50 %", "67 %"])]
    # Q2 ticked housing and jobs; each option's share of the group that ticked it.
    assert [(row.label, row.answer, row.comparisons) for row in rows["Q2"]] == [
        ("Housing", "✓", ["50 %", "50 %", "33 %"]),
        ("Jobs", "✓", ["50 %", "100 %", "67 %"]),
        ("Money", "", ["50 %", "0 %", "33 %"]),
    ]
    # Q3's items: advice very good (Bindal very poor, Bergen poor); courses not relevant: no share.
    assert [(row.answer, row.comparisons) for row in rows["Q3"]] == [
        ("Svært god", ["50 %", "50 %", "33 %"]),
        ("Not relevant", ["–", "–", "–"]),
    ]
    # C1 (a number, asked only of those who picked housing): the group's median.
    assert [(row.answer, row.comparisons) for row in rows["C1"]] == [("40", ["40", "40", "40"])]
    assert [row.answer for row in rows["R1"]] == ["Flere boliger"]
    # Q4 is in the introduction section, which Bindal does not see: Nord is Tromsø alone.
    assert [(row.answer, row.comparisons) for row in rows["Q4"]] == [("God", ["100 %", "50 %", "50 %"])]


def test_a_question_a_condition_hid_from_the_unit_is_left_out_of_its_report(answered_round):
    comparisons = round_comparisons_load(answered_round)
    bindal = unit_of(comparisons, SMALL)

    rows = rows_by_question(municipal_report_context(comparisons, bindal))

    assert "Q4" not in rows and "C1" not in rows  # not a settling unit; did not pick housing
    assert [row.answer for row in rows["R1"]] == ["not answered"]  # shown (Q1 yes), left empty
    assert [row.comparisons for row in rows["Q1"]] == [["100 %", "100 %", "67 %"]]  # Nord, under 2,000, country


def test_a_district_stands_beside_oslos_districts_not_a_size_band(answered_round):
    district = Municipality.objects.current().filter(kind=Municipality.Kind.DISTRICT).order_by("number").first()
    respond(answered_round, district, {"Q1": "no", "Q2": ["money"]}, ["chief"])

    comparisons = round_comparisons_load(answered_round)
    unit = unit_of(comparisons, district.number)
    context = municipal_report_context(comparisons, unit)

    labels = [(group.label, group.n) for group in context["groups"]]
    assert ("Oslo's districts", 1) in labels and labels[-1] == ("Whole country", 3)  # the country: municipalities
    assert not any("inhabitants" in label for label, _n in labels)
    assert rows_by_question(context)["Q1"][0].comparisons[-1] == "33 %"  # one of three municipalities said no


def test_last_years_answer_stands_beside_a_recurring_question_only(answered_round, questionnaire):
    # given last year's round asking Q1 (recurring) and R1 (rotating), answered by Tromsø
    last_year = QuestionnaireFactory(year=2025)
    section = SectionFactory(questionnaire=last_year, code="chief")
    for position, item in enumerate(questionnaire.items.filter(question__code__in=["Q1", "R1"]), start=1):
        last_year.items.create(section=section, position=position, question=item.question)
    previous = SurveyFactory(year=2025, questionnaire=last_year, status=Survey.Status.CLOSED)
    tromso = Municipality.objects.current().get(number="5501")
    respond(previous, tromso, {"Q1": "no", "R1": "Gammelt"}, ["chief"])

    comparisons = round_comparisons_load(answered_round)
    context = municipal_report_context(comparisons, unit_of(comparisons, "5501"))
    rows = rows_by_question(context)

    assert context["previous_year"] == 2025
    assert rows["Q1"][0].last_year == "No"
    assert rows["R1"][0].last_year is None  # rotating: not compared across years
    assert rows["Q2"][0].last_year is None  # not asked last year
    # Bergen did not respond last year: a dash, not a blank
    bergen = municipal_report_context(comparisons, unit_of(comparisons, "4601"))
    assert rows_by_question(bergen)["Q1"][0].last_year == "–"


def test_closing_queues_a_report_for_every_responding_unit_after_the_national_and_regional_ones(
    answered_round, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(
        "operations.outbox.task_publish", lambda task, kwargs: queued.append((task.name, kwargs)) or True
    )

    with django_capture_on_commit_callbacks(execute=True):
        analysis_reports_for_closed_round(survey=answered_round)

    reports = MunicipalReport.objects.filter(survey=answered_round)
    assert sorted(reports.values_list("municipality__number", flat=True)) == sorted(["5501", "4601", SMALL])
    names = [name for name, _kwargs in queued]
    assert names[:7] == ["surveys.analytics.report_build"] * 7
    assert names[7:] == ["surveys.analytics.municipal_reports_build"]
    assert sorted(queued[7][1]["report_ids"]) == sorted(reports.values_list("pk", flat=True))
    # Tromsø's report carries its region, so an officer's access to it is the region's
    assert reports.get(municipality__number="5501").region.code == "nord"


def test_a_batch_builds_each_units_pdf_and_a_unit_without_answers_fails_alone(answered_round):
    numbers = ["5501", "1813", SMALL]  # Brønnøy (1813) submitted nothing
    units = {unit.number: unit for unit in Municipality.objects.current().filter(number__in=numbers)}
    reports = [MunicipalReport.objects.create(survey=answered_round, municipality=units[n]) for n in numbers]

    built = municipal_reports_build(reports=reports)

    assert [report.status for report in built] == ["done", "failed", "done"]
    assert "no submitted answers" in built[1].failure_message
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(built[0].pdf))).pages).split())
    assert "Tromsø" in text and "Nord (N = 2)" in text and "Whole country (N = 3)" in text
    assert built[0].page_count == len(PdfReader(io.BytesIO(bytes(built[0].pdf))).pages)


def test_a_rebuild_asked_for_by_staff_reuses_one_being_built(answered_round):
    from surveys.analytics.services import municipal_report_request

    tromso = Municipality.objects.current().get(number="5501")
    first = municipal_report_request(survey=answered_round, municipality=tromso)
    again = municipal_report_request(survey=answered_round, municipality=tromso)

    assert first.pk == again.pk and first.status == "queued" and first.region.code == "nord"


@pytest.mark.django_db
def test_a_round_imported_from_an_earlier_tool_gets_no_municipal_reports(answered_round):
    analysis_reports_for_closed_round(survey=answered_round, municipal=False)

    assert not MunicipalReport.objects.exists()


def test_a_section_the_unit_did_not_submit_is_left_out_and_named(answered_round):
    from surveys.models import SectionProgress

    SectionProgress.objects.filter(
        response__survey=answered_round, response__municipality__number="4601", section__code="intro"
    ).update(status="in_progress", submitted_at=None)
    comparisons = round_comparisons_load(answered_round)

    context = municipal_report_context(comparisons, unit_of(comparisons, "4601"))

    assert "Q4" not in rows_by_question(context)  # a draft, not answers that count
    assert context["unsubmitted_sections"] == ["Intro"]


def test_a_multiple_choice_left_unanswered_is_a_dash_not_ticked_nothing(answered_round):
    somna = Municipality.objects.current().get(number="1812")
    respond(answered_round, somna, {"Q1": "no"}, ["chief"])  # Q2 shown, not answered
    comparisons = round_comparisons_load(answered_round)

    rows = rows_by_question(municipal_report_context(comparisons, unit_of(comparisons, "1812")))

    assert [row.answer for row in rows["Q2"]] == ["–", "–", "–"]
