from surveys.analytics.charts import Bar, StackedRow, bar_chart, stacked_bars
from surveys.analytics.services import analysis_reports_for_closed_round
from surveys.models.analytics import AnalysisReport


def test_charts_are_svg_with_a_text_alternative_and_escaped_labels():
    bars = bar_chart(title="Q1 <plan>", bars=[Bar("Ja & nei", 67, 2), Bar("Nei", None, 0)])
    stacked = stacked_bars(title="Q3", legend=["1", "2", "3", "4"], rows=[StackedRow("Råd", 3, [33, 33, 0, 33])])

    assert bars.startswith("<svg") and 'role="img"' in bars and "Q1 &lt;plan&gt;" in bars and "Ja &amp; nei" in bars
    assert "67 %" in bars and "–" in bars
    assert stacked.count("<rect") == 4 + 3  # four legend keys, three non-empty segments
    assert "N 3" in stacked


def test_closing_a_round_queues_the_national_and_every_regional_report(
    answered_round, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(
        "surveys.analytics.tasks.analysis_report_build_task.delay", lambda **kwargs: queued.append(kwargs)
    )

    with django_capture_on_commit_callbacks(execute=True):
        reports = analysis_reports_for_closed_round(survey=answered_round)

    assert len(reports) == 7 and reports[0].region is None
    assert len(queued) == 7 and AnalysisReport.objects.filter(status=AnalysisReport.Status.QUEUED).count() == 7


def test_closing_a_round_itself_queues_the_reports_when_the_close_commits(
    answered_round, django_capture_on_commit_callbacks, monkeypatch
):
    # given the report builds recorded instead of sent to a worker
    from surveys.analytics.tasks import analysis_reports_for_closed_round_task
    from surveys.services.rounds import survey_close

    builds = []
    monkeypatch.setattr(
        "surveys.analytics.tasks.analysis_report_build_task.delay", lambda **kwargs: builds.append(kwargs)
    )
    monkeypatch.setattr(
        "surveys.analytics.tasks.analysis_reports_for_closed_round_task.delay",
        lambda **kwargs: analysis_reports_for_closed_round_task.apply(kwargs=kwargs),
    )

    # when the round closes, nothing is queued before the transaction commits
    with django_capture_on_commit_callbacks() as on_commit:
        survey_close(survey=answered_round)
    assert len(on_commit) == 1 and not AnalysisReport.objects.exists()

    # then at commit: the national report and one per region of the active scheme, each queued for a build
    with django_capture_on_commit_callbacks(execute=True):
        on_commit[0]()
    reports = list(AnalysisReport.objects.order_by("pk"))
    assert [report.region.code if report.region else None for report in reports] == [
        None,
        "indre-ost",
        "midt-norge",
        "nord",
        "sor",
        "vest",
        "ost",
    ]
    assert sorted(build["report_id"] for build in builds) == [report.pk for report in reports]
    assert {report.status for report in reports} == {AnalysisReport.Status.QUEUED}


def test_a_pdf_gets_each_chart_as_an_svg_image_drawn_as_the_inline_chart_was():
    import base64
    import io
    import re

    from pypdf import PdfReader
    from weasyprint import HTML

    from surveys.pdf import pdf_html

    chart = bar_chart(title="Q1 <plan>", bars=[Bar("Ja & nei", 60, 3)])
    not_a_document = '<svg width="10" height="10"><circle r="1"/></svg>'  # no namespace: WeasyPrint could not load it

    html = pdf_html(f"<figure>{chart}</figure>{not_a_document}")

    image = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]*)">', html)
    assert base64.b64decode(image.group(1)).decode() == chart
    assert image.group(2).startswith("Q1 &lt;plan&gt;: Ja &amp; nei: 60 %")
    assert not_a_document in html
    pdf = HTML(string=html).write_pdf()
    # Drawn, not replaced by its alternative text: the bar's label and value, not the title.
    assert PdfReader(io.BytesIO(pdf)).pages[0].extract_text() == "Ja & nei\n60 %"
