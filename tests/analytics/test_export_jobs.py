"""Exports are built by a Celery task, kept as files and downloaded by those with access."""

import csv
import io
import tempfile

import pyreadstat
import pytest
from django.urls import reverse
from openpyxl import load_workbook

from surveys.analytics.dataset import round_data_load
from surveys.analytics.exports import export_csv, export_table
from surveys.analytics.services import analysis_export_build
from surveys.analytics.tasks import analysis_export_build_task
from surveys.models import Answer, Item, Response, Section
from surveys.models.analytics import AnalysisExport
from tests.factories import QuestionFactory
from tests.support import FORMULA_PAYLOADS, assert_payloads_are_text, xlsx_typed_cells


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def eager_exports(monkeypatch):
    """The task runs in the test's process, as soon as the request's transaction commits."""
    monkeypatch.setattr(
        "surveys.analytics.tasks.analysis_export_build_task.delay",
        lambda **kwargs: analysis_export_build_task.apply(kwargs=kwargs),
    )


def _request(client, survey, fmt, **params):
    url = reverse("analysis-export", args=[survey.pk, fmt])
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return client.post(url)


@pytest.mark.parametrize(
    ("fmt", "name", "starts"),
    [
        ("csv", "survey-2026.csv", b"\xef\xbb\xbfnumber,"),
        ("xlsx", "survey-2026.xlsx", b"PK"),
        ("sav", "survey-2026.sav", b"$FL2"),
        ("codebook", "codebook-2026.xlsx", b"PK"),
    ],
)
def test_an_export_is_built_by_the_task_and_downloaded(
    client, analyst, answered_round, eager_exports, django_capture_on_commit_callbacks, fmt, name, starts
):
    client.force_login(analyst)

    with django_capture_on_commit_callbacks(execute=True):
        response = _request(client, answered_round, fmt)

    export = AnalysisExport.objects.get()
    assert response["Location"] == reverse("analysis-export-status", args=[answered_round.pk, export.pk])
    assert (export.status, export.progress, export.requested_by) == ("done", 100, analyst)
    status = client.get(response["Location"]).content.decode()
    assert 'value="100"' in status and name in status
    download = client.get(reverse("analysis-export-download", args=[answered_round.pk, export.pk]))
    body = b"".join(download.streaming_content)
    assert download["Content-Disposition"] == f'attachment; filename="{name}"'
    assert body.startswith(starts) and len(body) == export.size


def test_the_file_is_the_same_as_building_the_export_directly(
    client, survey_admin, answered_round, eager_exports, django_capture_on_commit_callbacks
):
    client.force_login(survey_admin)

    with django_capture_on_commit_callbacks(execute=True):
        _request(client, answered_round, "csv")

    export = AnalysisExport.objects.get()
    with export.file.open("rb") as handle:
        stored = handle.read()
    assert stored == export_csv(export_table(round_data_load(survey=answered_round)))


def test_a_queued_export_shows_its_progress_and_cannot_be_downloaded_yet(
    client, analyst, answered_round, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr("surveys.analytics.tasks.analysis_export_build_task.delay", lambda **kw: queued.append(kw))
    client.force_login(analyst)

    with django_capture_on_commit_callbacks(execute=True):
        _request(client, answered_round, "xlsx")
        _request(client, answered_round, "xlsx")  # the unfinished request is reused

    export = AnalysisExport.objects.get()
    assert queued == [{"export_id": export.pk}]
    status = client.get(reverse("analysis-export-status", args=[answered_round.pk, export.pk])).content.decode()
    # the page polls for its state with a script (no meta refresh, which axe counts critical)
    assert "http-equiv" not in status and 'data-poll-every="3"' in status and "<progress" in status
    assert client.get(reverse("analysis-export-download", args=[answered_round.pk, export.pk])).status_code == 404


def test_a_failed_export_records_why(answered_round, monkeypatch):
    export = AnalysisExport.objects.create(survey=answered_round, format="csv")
    monkeypatch.setattr("surveys.analytics.exports.export_table", lambda data: 1 / 0)

    with pytest.raises(ZeroDivisionError):
        analysis_export_build(export=export)

    export.refresh_from_db()
    assert export.status == "failed" and "division by zero" in export.failure_message


def test_a_regional_officer_exports_their_region_and_sees_no_other_export(
    client, officer_nord, analyst, region_vest, answered_round, eager_exports, django_capture_on_commit_callbacks
):
    national = AnalysisExport.objects.create(survey=answered_round, format="csv", requested_by=analyst)
    vest = AnalysisExport.objects.create(survey=answered_round, region=region_vest, format="csv", requested_by=analyst)
    client.force_login(officer_nord)

    with django_capture_on_commit_callbacks(execute=True):
        _request(client, answered_round, "xlsx", region="")  # the region filter is fixed for them

    own = AnalysisExport.objects.get(requested_by=officer_nord)
    sheet = load_workbook(own.file.open("rb"), read_only=True).worksheets[0]
    header, *values = list(sheet.iter_rows(values_only=True))
    rows = [dict(zip(header, row, strict=True)) for row in values]
    codebook = load_workbook(own.file.open("rb"), read_only=True).worksheets[1]
    region_values = next(row[3] for row in codebook.iter_rows(values_only=True) if row[0] == "region")
    codes = {label: int(code) for code, label in (part.split(" = ") for part in region_values.split("; "))}
    nord_code = codes["Nord"]  # the region is a labelled number: "1 = Indre Øst; 2 = Midt-Norge; 3 = Nord; …"
    assert own.region.code == "nord" and {row["region"] for row in rows} == {nord_code}
    # Bindal and Tromsø responded; Bergen is in Vest
    assert {row["number"] for row in rows if row["responded"] == 1} == {"1811", "5501"}
    for other in (national, vest):
        assert client.get(reverse("analysis-export-status", args=[answered_round.pk, other.pk])).status_code == 404
        assert client.get(reverse("analysis-export-download", args=[answered_round.pk, other.pk])).status_code == 404


def test_analysts_may_download_exports_others_asked_for(
    client, analyst, survey_admin, answered_round, eager_exports, django_capture_on_commit_callbacks
):
    client.force_login(survey_admin)
    with django_capture_on_commit_callbacks(execute=True):
        _request(client, answered_round, "csv")
    export = AnalysisExport.objects.get()

    client.force_login(analyst)
    download = client.get(reverse("analysis-export-download", args=[answered_round.pk, export.pk]))

    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert download.status_code == 200 and len(rows) == 1 + 372


def test_exports_are_only_requested_by_post(client, analyst, answered_round):
    client.force_login(analyst)

    assert client.get(reverse("analysis-export", args=[answered_round.pk, "csv"])).status_code == 405
    assert client.post(reverse("analysis-export", args=[answered_round.pk, "pdf"])).status_code == 404


@pytest.fixture
def texts_like_formulas(answered_round):
    """Five open questions whose wording and Tromsø's answers and comments start like formulas:
    question T<n>'s text is payload n, Tromsø's answer payload n and its comment payload n + 1."""
    section = Section.objects.get(questionnaire=answered_round.questionnaire, code="chief")
    tromso = Response.objects.get(survey=answered_round, municipality__number="5501")
    for number, payload in enumerate(FORMULA_PAYLOADS):
        question = QuestionFactory(code=f"T{number}", type="long_text", text_nb=payload, has_comment=True)
        Item.objects.create(
            questionnaire=answered_round.questionnaire, section=section, position=10 + number, question=question
        )
        comment = FORMULA_PAYLOADS[(number + 1) % len(FORMULA_PAYLOADS)]
        Answer.objects.create(response=tromso, question=question, value=payload, comment=comment)
    return answered_round


def _built(client, survey, fmt, capture_on_commit) -> bytes:
    """The export as the user downloads it, after the task has built it."""
    with capture_on_commit(execute=True):
        _request(client, survey, fmt)
    export = AnalysisExport.objects.get(format=fmt)
    download = client.get(reverse("analysis-export-download", args=[survey.pk, export.pk]))
    return b"".join(download.streaming_content)


def test_answers_and_wordings_that_look_like_formulas_are_exported_as_text(
    client, analyst, texts_like_formulas, eager_exports, django_capture_on_commit_callbacks
):
    client.force_login(analyst)

    data_csv = _built(client, texts_like_formulas, "csv", django_capture_on_commit_callbacks)
    data_xlsx = _built(client, texts_like_formulas, "xlsx", django_capture_on_commit_callbacks)
    codebook = _built(client, texts_like_formulas, "codebook", django_capture_on_commit_callbacks)

    # the answers and comments (data) and the wordings (the codebook's labels) are text cells
    from_csv = list(csv.reader(io.StringIO(data_csv.decode("utf-8-sig"))))
    assert_payloads_are_text(xlsx=data_xlsx, csv_rows=from_csv)
    assert_payloads_are_text(xlsx=codebook)
    data, codebook_sheet, _net_scores = xlsx_typed_cells(data_xlsx).values()
    labels = {row[0][0]: row[1] for row in codebook_sheet}
    header = [value for value, _type in data[0]]
    tromso = dict(zip(header, next(row for row in data if row[0][0] == "5501"), strict=True))
    assert tromso["T0"] == (FORMULA_PAYLOADS[0], "s") and tromso["T0_comment"] == (FORMULA_PAYLOADS[1], "s")
    assert labels["T0"] == (FORMULA_PAYLOADS[0], "s")
    # numbers stay numbers, the negative missing codes too, and text that does not start a formula is as it was
    silent = dict(zip(header, next(row for row in data if row[0][0] == "1812"), strict=True))
    assert (tromso["population"], tromso["Q1"], silent["Q1"]) == ((80000, "n"), (1, "n"), (-9, "n"))
    assert tromso["number"] == ("5501", "s") and tromso["R1"] == ("Flere boliger", "s")
    csv_tromso = dict(zip(from_csv[0], next(row for row in from_csv if row[0] == "5501"), strict=True))
    csv_silent = dict(zip(from_csv[0], next(row for row in from_csv if row[0] == "1812"), strict=True))
    assert (csv_tromso["population"], csv_silent["Q1"], csv_tromso["R1"]) == ("80000", "-9", "Flere boliger")


def test_the_sav_file_keeps_texts_as_they_were_typed(
    client, analyst, texts_like_formulas, eager_exports, django_capture_on_commit_callbacks
):
    # SPSS has no formulas: its string variables are written untouched, without the CSV's quote
    client.force_login(analyst)

    sav = _built(client, texts_like_formulas, "sav", django_capture_on_commit_callbacks)

    with tempfile.NamedTemporaryFile(suffix=".sav") as handle:
        handle.write(sav)
        handle.flush()
        frame, _meta = pyreadstat.read_sav(handle.name)
    tromso = frame[frame["number"] == "5501"].iloc[0]
    assert [tromso[f"T{number}"] for number in range(5)] == list(FORMULA_PAYLOADS)
