"""What the report shows of each question, as set per round: the breakdowns an admin chose (a
default where nobody chose) and the quotes an analyst chose, anonymised unless names are on.

The answered round (tests/scenarios.py): every unit has 1,000 inhabitants but Sømna (3,000, no
answer), Tromsø (80,000) and Bergen (290,000). Q1 (yes/no): Tromsø yes, Bergen no, Bindal yes; Brønnøy
submitted nothing. So by population size: under 2 000 N 1 (Bindal, 100 % yes), 2 000–4 999 N 0,
50 000 and over N 2 (50 % / 50 %), all municipalities N 3 (67 % / 33 %)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from municipalities.models import Region
from surveys.analytics.reports import report_context, report_pdf
from surveys.analytics.services import (
    TOO_MANY_QUOTES,
    open_answer_category_create,
    open_answer_tags_set,
    report_question_setting_save,
    report_quote_add,
    report_quote_remove,
)
from surveys.models import Answer, Question
from surveys.models.analytics import ReportQuestionSetting, ReportQuote
from tests.scenarios import HALF_DONE, SMALL


def _entry(context, code):
    return next(
        entry for chapter in context["chapters"] for entry in chapter.entries if entry.result.question.code == code
    )


def _table(part):
    """A breakdown's rows (with the total last) as group: (N, percents)."""
    table = part.tables[0]
    return {row.group: (row.n, [c.percent for c in row.categories]) for row in [*table.rows, table.total]}


def _answer(survey, number: str, code: str = "R1") -> Answer:
    return Answer.objects.select_related("question", "response").get(
        response__survey=survey, response__municipality__number=number, question__code=code
    )


def _pdf_text(context) -> str:
    pdf = report_pdf(survey=context["survey"], region=context["region"], context=context)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)


@pytest.fixture
def quoted_round(answered_round):
    """R1 coded, with texts from Tromsø ("Flere boliger"), Bindal (naming itself and Tromsø), Bergen
    (stale: hidden since Q1 changed to no, so it does not count) and Brønnøy (nothing submitted)."""
    r1 = Question.objects.get(code="R1")
    bindal = answered_round.responses.get(municipality__number=SMALL)
    Answer.objects.create(response=bindal, question=r1, value="Bindals folk vil bo som i Tromsø")
    bronnoy = answered_round.responses.get(municipality__number=HALF_DONE)
    Answer.objects.create(response=bronnoy, question=r1, value="Ikke sendt inn")
    housing = open_answer_category_create(question=r1, label_nb="Bolig", label_en="Housing")
    for number in ("5501", SMALL):
        open_answer_tags_set(answer=_answer(answered_round, number), categories=[housing])
    return answered_round


# --- breakdowns -------------------------------------------------------------------------------


def test_by_default_the_national_report_breaks_choice_questions_down_by_region_only(answered_round):
    context = report_context(survey=answered_round)

    assert [part.dimension for part in _entry(context, "Q1").breakdowns] == ["region"]  # yes/no
    assert [part.dimension for part in _entry(context, "Q4").breakdowns] == ["region"]  # scale
    assert _entry(context, "Q2").breakdowns == []  # multiple choice
    assert _entry(context, "Q3").breakdowns == []  # matrix: a table per item, only when chosen
    assert _entry(context, "R1").breakdowns == []


def test_a_question_set_to_break_down_by_size_shows_the_size_table_in_the_report_and_the_pdf(answered_round):
    # given Q1 set to population size instead of region
    report_question_setting_save(survey=answered_round, question=Question.objects.get(code="Q1"), breakdowns=["size"])

    context = report_context(survey=answered_round)

    # then its one breakdown is by size, with N and percentages as computed by hand
    (part,) = _entry(context, "Q1").breakdowns
    assert (part.dimension, part.caption, part.header) == ("size", "By population size", "Population")
    assert _table(part) == {
        "Under 2 000": (1, [100, 0]),
        "2 000–4 999": (0, [None, None]),
        "50 000 og over": (2, [50, 50]),
        "Oslo's districts": (0, [None, None]),
        "All municipalities": (3, [67, 33]),
    }
    assert [p.dimension for p in _entry(context, "Q4").breakdowns] == ["region"]  # the others keep the default
    # and the PDF has the table under its caption, headed by its dimension
    text = _pdf_text(context)
    assert "By population size" in text
    assert "Population N Yes % No %" in text
    assert "50 000 og over 2 50 50" in text and "Under 2 000 1 100 0" in text and "All municipalities 3 67 33" in text
    assert "By region" not in text.split("Q1. ")[1].split("Q2. ")[0]


def test_several_breakdowns_come_in_the_reports_order_and_a_regional_report_leaves_out_region(answered_round):
    q1 = Question.objects.get(code="Q1")
    report_question_setting_save(survey=answered_round, question=q1, breakdowns=["partner_settling", "region", "size"])
    nord = Region.objects.get(scheme__is_active=True, code="nord")

    national = _entry(report_context(survey=answered_round), "Q1")
    regional = _entry(report_context(survey=answered_round, region=nord), "Q1")

    assert [part.dimension for part in national.breakdowns] == ["region", "size", "partner_settling"]
    assert _table(national.breakdowns[2])["Partner municipality"] == (1, [100, 0])  # Tromsø
    assert _table(national.breakdowns[2])["Other settlement municipality"] == (1, [0, 100])  # Bergen
    assert [part.dimension for part in regional.breakdowns] == ["size", "partner_settling"]
    # Nord: Bindal (under 2 000, yes) and Tromsø (50 000 and over, yes)
    assert _table(regional.breakdowns[0])["50 000 og over"] == (1, [100, 0])
    assert _table(regional.breakdowns[0])["Under 2 000"] == (1, [100, 0])


def test_no_breakdown_chosen_means_none_and_a_text_question_is_never_broken_down(answered_round):
    report_question_setting_save(survey=answered_round, question=Question.objects.get(code="Q1"), breakdowns=[])

    assert _entry(report_context(survey=answered_round), "Q1").breakdowns == []
    with pytest.raises(ValidationError):
        report_question_setting_save(
            survey=answered_round, question=Question.objects.get(code="R1"), breakdowns=["region"]
        )
    assert not ReportQuestionSetting.objects.filter(question__code="R1").exists()


def test_turning_names_on_keeps_the_default_breakdowns(answered_round):
    setting = report_question_setting_save(
        survey=answered_round, question=Question.objects.get(code="Q4"), quotes_with_names=True
    )

    assert (setting.breakdowns, setting.quotes_with_names) == (["region"], True)


# --- quotes --------------------------------------------------------------------------------


def test_the_chosen_quotes_appear_in_their_order_anonymised(quoted_round):
    # given Bindal's answer chosen first, then Tromsø's, then Bergen's stale one
    for number in (SMALL, "5501", "4601"):
        report_quote_add(answer=_answer(quoted_round, number))

    context = report_context(survey=quoted_round)

    # then both that count appear in that order, the names of units in them replaced (a genitive too)
    assert _entry(context, "R1").quotes == ["[…] folk vil bo som i […]", "Flere boliger"]
    text = _pdf_text(context)
    assert "«[…] folk vil bo som i […]»" in text and "Tromsø" not in text.split("R1. ")[1].split("«Flere")[0]
    assert "Gammelt svar" not in text


def test_with_names_on_each_quote_begins_with_its_units_name_and_keeps_the_text(quoted_round):
    for number in ("5501", SMALL):
        report_quote_add(answer=_answer(quoted_round, number))
    report_question_setting_save(survey=quoted_round, question=Question.objects.get(code="R1"), quotes_with_names=True)

    quotes = _entry(report_context(survey=quoted_round), "R1").quotes

    assert quotes == ["Tromsø: Flere boliger", "Bindal: Bindals folk vil bo som i Tromsø"]


def test_without_chosen_quotes_the_report_shows_none(quoted_round):
    entry = _entry(report_context(survey=quoted_round), "R1")

    assert entry.quotes == [] and entry.coding is not None  # the chart by category, no automatic quotes


def test_a_regional_report_quotes_only_its_own_units(quoted_round):
    for number in ("5501", SMALL):
        report_quote_add(answer=_answer(quoted_round, number))
    vest = Region.objects.get(scheme__is_active=True, code="vest")

    assert _entry(report_context(survey=quoted_round, region=vest), "R1").quotes == []


def test_a_fourth_quote_is_refused_and_nothing_changes(quoted_round):
    for number in ("5501", SMALL, "4601"):
        report_quote_add(answer=_answer(quoted_round, number))
    before = list(ReportQuote.objects.values_list("answer_id", "position"))

    with pytest.raises(ValidationError) as refused:
        report_quote_add(answer=_answer(quoted_round, HALF_DONE))

    assert refused.value.messages == [str(TOO_MANY_QUOTES) % {"most": 3}]
    assert list(ReportQuote.objects.values_list("answer_id", "position")) == before


def test_taking_a_quote_out_keeps_the_others_order_and_frees_a_place(quoted_round):
    tromso, bindal, bergen, bronnoy = (_answer(quoted_round, n) for n in ("5501", SMALL, "4601", HALF_DONE))
    for answer in (tromso, bindal, bergen):
        report_quote_add(answer=answer)

    report_quote_remove(answer=tromso)
    report_quote_add(answer=bronnoy)

    order = list(ReportQuote.objects.order_by("position").values_list("answer_id", "position"))
    assert order == [(bindal.pk, 0), (bergen.pk, 1), (bronnoy.pk, 2)]


def test_an_analyst_marks_quotes_on_the_open_answer_page_and_a_fourth_gets_an_error(client, analyst, quoted_round):
    client.force_login(analyst)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    answers = [_answer(quoted_round, n) for n in ("5501", SMALL, "4601", HALF_DONE)]

    def mark(answer):
        url = reverse("analysis-open-answer-quote", args=[quoted_round.pk, "R1", answer.pk])
        return client.post(url, {"action": "add"}, follow=True)

    for answer in answers[:3]:
        mark(answer)
    page = mark(answers[3]).content.decode()

    assert "at most 3 quotes" in page
    assert list(ReportQuote.objects.order_by("position").values_list("answer_id", flat=True)) == [
        answer.pk for answer in answers[:3]
    ]
    # the page lists the answers that count (Tromsø's and Bindal's), each with its place among the quotes
    assert "Quote 1 in the report" in page and "Quote 2 in the report" in page and "3 answers chosen" in page
    # and the names switch is the question's report setting
    client.post(reverse("analysis-open-answer-quote-names", args=[quoted_round.pk, "R1"]), {"with_names": "1"})
    assert ReportQuestionSetting.objects.get(question__code="R1").quotes_with_names is True


# --- the settings page ----------------------------------------------------------------------


def test_the_settings_page_saves_the_breakdowns_and_the_names(client, survey_admin, answered_round):
    client.force_login(survey_admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = reverse("analysis-report-settings", args=[answered_round.pk])
    assert 'name="breakdowns-Q1"' in client.get(url).content.decode()

    # when Q1 is ticked by size and centrality, Q4 left at region, and the names put on R1's quotes
    response = client.post(
        url,
        {"breakdowns-Q1": ["size", "centrality"], "breakdowns-Q4": ["region"], "names-R1": "1"},
        follow=True,
    )

    saved = {
        code: (breakdowns, names)
        for code, breakdowns, names in ReportQuestionSetting.objects.values_list(
            "question__code", "breakdowns", "quotes_with_names"
        )
    }
    # Q2 and Q3 unticked (as their default), C1 too; Q4 as its default: no row for them
    assert saved == {"Q1": (["size", "centrality"], False), "R1": ([], True)}
    assert "Report settings saved" in response.content.decode()
    assert [part.dimension for part in _entry(report_context(survey=answered_round), "Q1").breakdowns] == [
        "size",
        "centrality",
    ]


def test_an_unknown_dimension_on_the_settings_page_changes_nothing(client, survey_admin, answered_round):
    report_question_setting_save(survey=answered_round, question=Question.objects.get(code="Q1"), breakdowns=["size"])
    client.force_login(survey_admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = reverse("analysis-report-settings", args=[answered_round.pk])

    response = client.post(url, {"breakdowns-Q1": ["region"], "breakdowns-Q4": ["shoe_size"]}, follow=True)

    assert "Q4: “shoe_size” is not a breakdown the report offers." in response.content.decode()
    assert list(ReportQuestionSetting.objects.values_list("question__code", "breakdowns")) == [("Q1", ["size"])]


def test_a_regional_officer_reads_the_settings_but_cannot_change_them(client, officer_nord, answered_round):
    client.force_login(officer_nord)
    url = reverse("analysis-report-settings", args=[answered_round.pk])

    page = client.get(url).content.decode()
    refused = client.post(url, {"breakdowns-Q1": ["size"]})

    assert "Q1." in page and 'type="checkbox"' not in page
    assert refused.status_code == 403 and not ReportQuestionSetting.objects.exists()
