import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from municipalities.models import Municipality
from surveys.analytics.reports import report_pdf
from surveys.analytics.services import analysis_report_build
from surveys.models import Item, Section
from surveys.models.analytics import AnalysisReport
from tests.factories import QuestionFactory
from tests.scenarios import respond

PAGES = ["analysis-overview", "analysis-frequencies", "analysis-net-score", "analysis-codebook", "analysis-report"]


@pytest.mark.parametrize("page", PAGES)
def test_analysts_see_every_analysis_page(client, analyst, answered_round, page):
    client.force_login(analyst)

    response = client.get(reverse(page, args=[answered_round.pk]))

    assert response.status_code == 200


def test_the_frequency_page_states_n_and_the_rounding_note(client, analyst, answered_round):
    client.force_login(analyst)

    page = client.get(reverse("analysis-frequencies", args=[answered_round.pk])).content.decode()

    assert "N = 3" in page and "summerer ikke nødvendigvis til 100" in page
    assert "<svg" in page and "Flere boliger" in page and "Gammelt svar" not in page


def test_breakdown_and_series_pages_answer_their_forms(client, analyst, answered_round):
    client.force_login(analyst)

    breakdown = client.get(reverse("analysis-breakdown", args=[answered_round.pk]), {"question": "Q3", "by": "region"})
    series = client.get(reverse("analysis-series", args=[answered_round.pk]), {"series": "Q1"})

    assert breakdown.status_code == 200 and "Q3_courses" in breakdown.content.decode()
    assert series.status_code == 200 and "2026" in series.content.decode()


def test_a_regional_officer_sees_only_their_region(client, officer_nord, answered_round):
    client.force_login(officer_nord)

    page = client.get(reverse("analysis-overview", args=[answered_round.pk]), {"region": ""}).content.decode()

    assert "Nord" in page and "Bergen" not in page


def test_people_without_a_staff_role_are_refused(client, django_user_model, answered_round):
    user = django_user_model.objects.create_user("someone", password="pw-someone-123!", is_staff=True)
    client.force_login(user)

    assert client.get(reverse("analysis-overview", args=[answered_round.pk])).status_code == 403


def _grow(survey, extra_questions: int, extra_units: int) -> None:
    """More questions in the questionnaire and more responding municipalities."""
    section = Section.objects.get(questionnaire=survey.questionnaire, code="chief")
    for index in range(extra_questions):
        question = QuestionFactory(code=f"X{index}", type="single_choice", options=["a", "b", "c"])
        Item.objects.create(
            questionnaire=survey.questionnaire,
            section=section,
            position=10 + index,
            question=question,
            condition="${Q1} = 'yes'",
        )
    units = Municipality.objects.current().exclude(responses__survey=survey).order_by("number")[:extra_units]
    for unit in units:
        respond(
            survey, unit, {"Q1": "yes", "Q2": ["jobs"], **{f"X{i}": "b" for i in range(extra_questions)}}, ["chief"]
        )


@pytest.mark.parametrize("page", PAGES + ["analysis-breakdown", "analysis-series"])
def test_page_queries_do_not_grow_with_questions_or_municipalities(
    client, analyst, answered_round, page, django_assert_max_num_queries
):
    client.force_login(analyst)
    url = reverse(page, args=[answered_round.pk])
    params = (
        {"question": "Q1", "by": "size"}
        if page == "analysis-breakdown"
        else {"series": "Q1"}
        if page == "analysis-series"
        else {}
    )
    client.get(url, params)  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url, params)

    _grow(answered_round, extra_questions=8, extra_units=25)

    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url, params)
    assert response.status_code == 200


def test_the_national_pdf_renders(answered_round):
    pdf = report_pdf(survey=answered_round)

    assert pdf.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) >= 2 and pdf.pages == len(reader.pages)  # the count WeasyPrint laid out
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Q3" in text and "of 357 municipalities" in text and "of 15 of Oslo" in text


def test_the_report_task_records_progress_and_the_pdf(answered_round, django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    report = AnalysisReport.objects.create(survey=answered_round)

    analysis_report_build(report=report)

    report.refresh_from_db()
    assert report.status == AnalysisReport.Status.DONE and report.progress == 100
    assert bytes(report.pdf).startswith(b"%PDF") and report.page_count >= 2


def test_requesting_a_report_queues_the_task_on_commit(
    client, analyst, answered_round, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []
    monkeypatch.setattr(
        "surveys.analytics.tasks.analysis_report_build_task.delay", lambda **kwargs: calls.append(kwargs)
    )
    client.force_login(analyst)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("analysis-report-request", args=[answered_round.pk]))

    report = AnalysisReport.objects.get()
    assert response.status_code == 302 and calls == [{"report_id": report.pk}]
    status = client.get(reverse("analysis-report-status", args=[answered_round.pk, report.pk])).content.decode()
    assert "<progress" in status


def test_a_regional_officer_requests_sees_and_downloads_only_their_regions_report(
    client, officer_nord, region_vest, answered_round, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("surveys.analytics.tasks.analysis_report_build_task.delay", lambda **kwargs: None)
    national = AnalysisReport.objects.create(survey=answered_round)
    vest = AnalysisReport.objects.create(survey=answered_round, region=region_vest)
    client.force_login(officer_nord)

    # when they ask for a report (the region filter is fixed for them, whatever they send)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("analysis-report-request", args=[answered_round.pk]) + "?region=")
    own = AnalysisReport.objects.get(requested_by=officer_nord)
    analysis_report_build(report=own)

    # then
    assert own.region.code == "nord" and response["Location"].endswith(f"/report/{own.pk}/")
    assert client.get(reverse("analysis-report-status", args=[answered_round.pk, own.pk])).status_code == 200
    download = client.get(reverse("analysis-report-download", args=[answered_round.pk, own.pk]))
    assert download.status_code == 200 and download.getvalue().startswith(b"%PDF")
    assert "report-2026-nord.pdf" in download["Content-Disposition"]
    for other in (national, vest):
        assert client.get(reverse("analysis-report-status", args=[answered_round.pk, other.pk])).status_code == 404
        assert client.get(reverse("analysis-report-download", args=[answered_round.pk, other.pk])).status_code == 404
    page = client.get(reverse("analysis-report", args=[answered_round.pk])).content.decode()
    assert f"/report/{own.pk}/" in page and f"/report/{national.pk}/" not in page
