from surveys.analytics.charts import Bar, StackedRow, bar_chart, stacked_bars
from surveys.analytics.models import AnalysisReport
from surveys.analytics.services import analysis_reports_for_closed_round


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
