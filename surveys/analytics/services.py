"""Writes of the analysis: requesting and building report PDFs and exports, and coding open answers."""

import datetime
import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from municipalities.models import Region
from operations.outbox import task_enqueue_on_commit
from surveys.analytics.models import AnalysisExport, AnalysisReport, Districts, OpenAnswerCategory, OpenAnswerTag
from surveys.models import Answer, Question, Survey


def analysis_report_request(*, survey: Survey, region: Region | None, requested_by=None) -> AnalysisReport:
    """Queues a report build; an unfinished build of the same report is reused."""
    from surveys.analytics.tasks import analysis_report_build_task

    with transaction.atomic():
        report = AnalysisReport.objects.filter(
            survey=survey, region=region, status__in=[AnalysisReport.Status.QUEUED, AnalysisReport.Status.RUNNING]
        ).first()
        if report is not None:
            return report
        report = AnalysisReport(survey=survey, region=region, requested_by=requested_by)
        report.full_clean()
        report.save()
        task_enqueue_on_commit(analysis_report_build_task, report_id=report.pk)
    return report


def _claim(model, pk: int) -> bool:
    """Takes a queued job for this run; False when it is done, failed or another run has it.
    So a task delivered twice (a killed worker's message coming back, a resumed job whose
    old run woke up) builds nothing twice and never rewrites a finished job."""
    return bool(
        model.objects.filter(pk=pk, status=model.Status.QUEUED).update(
            status=model.Status.RUNNING, progress=5, updated_at=timezone.now()
        )
    )


def _progress(report: AnalysisReport, progress: int) -> None:
    report.progress = progress
    AnalysisReport.objects.filter(pk=report.pk, status=AnalysisReport.Status.RUNNING).update(
        progress=progress, updated_at=timezone.now()
    )


def analysis_report_build(*, report: AnalysisReport) -> AnalysisReport:
    """Builds the PDF of a queued report and records progress on the row, so the page can show
    it. A report that is not queued (done, failed, or being built) is left as it is."""
    from pypdf import PdfReader

    from surveys.analytics.dataset import Districts, round_data_load
    from surveys.analytics.reports import report_context, report_pdf

    if not _claim(AnalysisReport, report.pk):
        report.refresh_from_db()
        return report
    report.status, report.progress = AnalysisReport.Status.RUNNING, 5
    running = AnalysisReport.objects.filter(pk=report.pk, status=AnalysisReport.Status.RUNNING)
    try:
        data = round_data_load(survey=report.survey, region=report.region, districts=Districts.APART)
        _progress(report, 30)
        context = report_context(survey=report.survey, region=report.region, data=data)
        _progress(report, 50)
        pdf = report_pdf(survey=report.survey, region=report.region, context=context)
    except Exception as error:
        report.status, report.failure_message = AnalysisReport.Status.FAILED, str(error)[:2000]
        report.finished_at = timezone.now()
        running.update(
            status=report.status,
            failure_message=report.failure_message,
            finished_at=report.finished_at,
            updated_at=report.finished_at,
        )
        raise
    report.pdf = pdf
    report.page_count = len(PdfReader(io.BytesIO(pdf)).pages)
    report.status, report.progress, report.finished_at = AnalysisReport.Status.DONE, 100, timezone.now()
    # Only a run that still holds the job writes it: another that finished first keeps its PDF.
    running.update(
        pdf=pdf,
        page_count=report.page_count,
        status=report.status,
        progress=100,
        finished_at=report.finished_at,
        updated_at=report.finished_at,
    )
    return report


def analysis_reports_for_closed_round(*, survey: Survey) -> list[AnalysisReport]:
    """The national report and one per region of the active scheme, queued when a round closes."""
    from municipalities.selectors import region_scheme_active

    scheme = region_scheme_active()
    regions: list[Region | None] = [None] + (list(scheme.regions.order_by("name")) if scheme else [])
    return [analysis_report_request(survey=survey, region=region) for region in regions]


# --- exports -----------------------------------------------------------------------------------


def analysis_export_request(
    *, survey: Survey, region: Region | None, districts: str, format: str, requested_by=None
) -> AnalysisExport:
    """Queues an export for whoever asked; their unfinished request of the same export is reused."""
    from surveys.analytics.tasks import analysis_export_build_task

    with transaction.atomic():
        export = AnalysisExport.objects.filter(
            survey=survey,
            region=region,
            districts=districts,
            format=format,
            requested_by=requested_by,
            status__in=[AnalysisExport.Status.QUEUED, AnalysisExport.Status.RUNNING],
        ).first()
        if export is not None:
            return export
        export = AnalysisExport(
            survey=survey, region=region, districts=districts, format=format, requested_by=requested_by
        )
        export.full_clean()
        export.save()
        task_enqueue_on_commit(analysis_export_build_task, export_id=export.pk)
    return export


def _export_progress(export: AnalysisExport, progress: int) -> None:
    export.progress = progress
    AnalysisExport.objects.filter(pk=export.pk, status=AnalysisExport.Status.RUNNING).update(
        progress=progress, updated_at=timezone.now()
    )


def analysis_export_build(*, export: AnalysisExport) -> AnalysisExport:
    """Builds the file of a queued export (the same code for every size of export) and records
    progress on the row. An export that is not queued (done, failed, or being built) is left as it is."""
    from surveys.analytics.dataset import round_data_load
    from surveys.analytics.exports import codebook_xlsx, export_csv, export_sav, export_table, export_xlsx

    writers = {
        AnalysisExport.Format.CSV: export_csv,
        AnalysisExport.Format.XLSX: export_xlsx,
        AnalysisExport.Format.SAV: lambda table: export_sav(table, file_label=export.survey.title),
        AnalysisExport.Format.CODEBOOK: codebook_xlsx,
    }
    if not _claim(AnalysisExport, export.pk):
        export.refresh_from_db()
        return export
    export.status, export.progress = AnalysisExport.Status.RUNNING, 5
    running = AnalysisExport.objects.filter(pk=export.pk, status=AnalysisExport.Status.RUNNING)
    try:
        data = round_data_load(
            survey=export.survey, region=export.region, districts=export.districts or Districts.APART
        )
        _export_progress(export, 40)
        table = export_table(data)
        _export_progress(export, 60)
        body = writers[export.format](table)
        _export_progress(export, 90)
        export.file.save(export.download_name(), ContentFile(body), save=False)
    except Exception as error:
        export.status, export.failure_message = AnalysisExport.Status.FAILED, str(error)[:2000]
        export.finished_at = timezone.now()
        running.update(
            status=export.status,
            failure_message=export.failure_message,
            finished_at=export.finished_at,
            updated_at=export.finished_at,
        )
        raise
    export.size = len(body)
    export.status, export.progress, export.finished_at = AnalysisExport.Status.DONE, 100, timezone.now()
    if not running.update(
        file=export.file.name,
        size=export.size,
        status=export.status,
        progress=100,
        finished_at=export.finished_at,
        updated_at=export.finished_at,
    ):
        export.file.delete(save=False)  # another run finished first and keeps its file
        export.refresh_from_db()
    return export


# --- jobs a worker left behind ---------------------------------------------------------------

# A build reports progress at least this often (the longest step, laying out a national PDF
# of over a hundred pages, takes well under a minute); a queued or running job that has not
# moved for this long lost its worker or its message.
JOB_STALE_AFTER = datetime.timedelta(minutes=10)


def analysis_jobs_resume(*, now: datetime.datetime) -> list[tuple[str, int]]:
    """Queues again the reports and exports that stopped moving: a worker killed in the middle
    of a build leaves its job running, and Redis gives its message to another worker only
    after the visibility timeout (an hour); a message lost with Redis leaves a job queued.
    Run by beat every five minutes. Returns the (kind, id) of the jobs queued again."""
    from surveys.analytics.tasks import analysis_export_build_task, analysis_report_build_task

    unfinished = [AnalysisReport.Status.QUEUED, AnalysisReport.Status.RUNNING]
    jobs = [
        ("report", AnalysisReport, analysis_report_build_task),
        ("export", AnalysisExport, analysis_export_build_task),
    ]
    resumed = []
    for kind, model, task in jobs:
        stale = model.objects.filter(status__in=unfinished, updated_at__lt=now - JOB_STALE_AFTER)
        for pk in list(stale.values_list("pk", flat=True)):
            # Back to queued only if it is still stale: a run that moved meanwhile keeps it.
            if stale.filter(pk=pk).update(status=model.Status.QUEUED, progress=0, updated_at=now):
                task_enqueue_on_commit(task, **{f"{kind}_id": pk})
                resumed.append((kind, pk))
    return resumed


# --- coding open answers ---------------------------------------------------------------------

NOT_CODABLE = _lazy("Only answers to a text question, or the comments on a question with a comment box, can be coded.")
CATEGORY_OF_OTHER_QUESTION = _lazy("A category of another question cannot be given to this answer.")
NOTHING_TO_CODE = _lazy("This answer has no text to code.")
LABEL_TAKEN = _lazy("The question already has a category with this label.")


def question_is_codable(question: Question) -> bool:
    """Text questions are coded on their answer, other questions with a comment box on the comment."""
    return question.type in (Question.Type.SHORT_TEXT, Question.Type.LONG_TEXT) or question.has_comment


def answer_codable_text(answer: Answer) -> str:
    """The text that is coded: the answer itself for a text question, else its comment."""
    if answer.question.type in (Question.Type.SHORT_TEXT, Question.Type.LONG_TEXT):
        return "" if answer.value is None else str(answer.value).strip()
    return answer.comment.strip()


def open_answer_category_create(
    *, question: Question, label_nb: str, label_nn: str = "", label_en: str = "", created_by=None
) -> OpenAnswerCategory:
    """Adds a category at the end of the question's list."""
    if not question_is_codable(question):
        raise ValidationError(NOT_CODABLE, code="not_codable")
    with transaction.atomic():
        last = (
            OpenAnswerCategory.objects.select_for_update()
            .filter(question=question)
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
        )
        category = OpenAnswerCategory(
            question=question,
            position=0 if last is None else last + 1,
            label_nb=label_nb.strip(),
            label_nn=label_nn.strip(),
            label_en=label_en.strip(),
            created_by=created_by,
        )
        _category_clean(category)
        category.save()
    return category


def open_answer_category_update(
    *, category: OpenAnswerCategory, label_nb: str, label_nn: str = "", label_en: str = ""
) -> OpenAnswerCategory:
    category.label_nb, category.label_nn, category.label_en = label_nb.strip(), label_nn.strip(), label_en.strip()
    _category_clean(category)
    category.save(update_fields=["label_nb", "label_nn", "label_en", "updated_at"])
    return category


def _category_clean(category: OpenAnswerCategory) -> None:
    try:
        category.full_clean()
    except ValidationError as error:
        if "__all__" in error.message_dict:  # the only model-wide rule is the unique label
            raise ValidationError({"label_nb": LABEL_TAKEN}, code="label_taken") from error
        raise


@transaction.atomic
def open_answer_category_move(*, category: OpenAnswerCategory, offset: int) -> None:
    """Moves a category one place up (offset -1) or down (+1) in its question's list."""
    siblings = list(
        OpenAnswerCategory.objects.select_for_update()
        .filter(question_id=category.question_id)
        .order_by("position", "pk")
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == category.pk)
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(siblings):
        return
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings):
        if sibling.position != position:
            OpenAnswerCategory.objects.filter(pk=sibling.pk).update(position=position, updated_at=timezone.now())


def open_answer_category_delete(*, category: OpenAnswerCategory) -> None:
    """Deletes the category and its tags (the answers keep their other categories)."""
    category.delete()


@transaction.atomic
def open_answer_tags_set(*, answer: Answer, categories: list[OpenAnswerCategory], tagged_by=None) -> set[int]:
    """Gives the answer exactly these categories: adds the missing tags and removes the others.
    Returns the ids of the answer's categories."""
    if not question_is_codable(answer.question):
        raise ValidationError(NOT_CODABLE, code="not_codable")
    if any(category.question_id != answer.question_id for category in categories):
        raise ValidationError(CATEGORY_OF_OTHER_QUESTION, code="other_question")
    wanted = {category.pk for category in categories}
    if wanted and not answer_codable_text(answer):
        raise ValidationError(NOTHING_TO_CODE, code="nothing_to_code")
    OpenAnswerTag.objects.filter(answer=answer).exclude(category_id__in=wanted).delete()
    have = set(OpenAnswerTag.objects.filter(answer=answer).values_list("category_id", flat=True))
    OpenAnswerTag.objects.bulk_create(
        [OpenAnswerTag(answer=answer, category_id=pk, tagged_by=tagged_by) for pk in sorted(wanted - have)],
        ignore_conflicts=True,  # a colleague tagging the same answer at the same moment
    )
    return wanted
