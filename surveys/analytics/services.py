"""Writes of the analysis: requesting and building report PDFs and exports, coding open answers, and
what the reports show of each question (its breakdowns, the quotes an analyst chose)."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from municipalities.models import Region
from operations.outbox import task_enqueue_on_commit
from surveys.analytics.jobs import JobOutput, job_request, job_run, jobs_resume
from surveys.analytics.open_answers import answer_codable_text, question_is_codable
from surveys.analytics.report_settings import report_breakdowns_default, report_settings_load
from surveys.models import Answer, Question, Survey
from surveys.models.analytics import (
    REPORT_DIMENSIONS,
    REPORT_QUOTES_PER_QUESTION,
    AnalysisExport,
    AnalysisReport,
    Districts,
    MunicipalReport,
    OpenAnswerCategory,
    OpenAnswerTag,
    ReportQuestionSetting,
    ReportQuote,
)

logger = logging.getLogger(__name__)


def analysis_report_request(
    *, survey: Survey, region: Region | None, districts: str = Districts.APART, requested_by=None
) -> AnalysisReport:
    """Queues a report build; an unfinished build of the same report is reused. Reports count
    municipalities and Oslo's districts apart unless asked otherwise, as the published reports do."""
    same = {"survey": survey, "region": region, "districts": districts}
    return job_request(AnalysisReport, same=same, requested_by=requested_by)


def analysis_report_build(*, report: AnalysisReport) -> AnalysisReport:
    """Builds the PDF of a queued report (surveys.analytics.jobs runs it)."""

    def build(progress) -> JobOutput:
        from surveys.analytics.dataset import round_data_load
        from surveys.analytics.reports import report_context, report_pdf

        data = round_data_load(survey=report.survey, region=report.region, districts=report.districts)
        progress(30)
        context = report_context(survey=report.survey, region=report.region, data=data)
        progress(50)
        pdf = report_pdf(survey=report.survey, region=report.region, context=context)
        return JobOutput({"pdf": pdf.content, "page_count": pdf.pages})

    return job_run(report, build=build)


def analysis_reports_for_closed_round(*, survey: Survey, municipal: bool = True) -> list[AnalysisReport]:
    """The national report and one per region of the active scheme, queued when a round closes; then
    (unless `municipal` is false, as for a round imported from an earlier tool) a report for every
    responding municipality and district, queued after them so the national and regional reports
    come first."""
    from municipalities.selectors import region_scheme_active

    scheme = region_scheme_active()
    regions: list[Region | None] = [None] + (list(scheme.regions.order_by("name")) if scheme else [])
    reports = [analysis_report_request(survey=survey, region=region) for region in regions]
    if municipal:
        municipal_reports_for_round(survey=survey)
    return reports


# --- a report for every municipality ----------------------------------------------------------

# Reports built by one task from one load of the round's comparisons: large enough that loading is a
# small part of the work (about 0.5 s against about a second per report at full scale), small enough
# that the workers share the round evenly and a receipt e-mail waits behind one batch at most.
MUNICIPAL_BATCH = 10


def municipal_reports_for_round(*, survey: Survey) -> list[MunicipalReport]:
    """Queues a report for every responding unit of the round that has no report being built, in
    batches of MUNICIPAL_BATCH (one task each)."""
    from surveys.analytics.dataset import round_data_load

    respondents = round_data_load(survey=survey, districts=Districts.APART).respondents()
    with transaction.atomic():
        unfinished = set(
            MunicipalReport.objects.filter(
                survey=survey, status__in=[MunicipalReport.Status.QUEUED, MunicipalReport.Status.RUNNING]
            ).values_list("municipality_id", flat=True)
        )
        reports = MunicipalReport.objects.bulk_create(
            [
                MunicipalReport(survey=survey, municipality_id=unit.id, region_id=unit.region_id)
                for unit in sorted(respondents, key=lambda unit: unit.number)
                if unit.id not in unfinished
            ]
        )
        for start in range(0, len(reports), MUNICIPAL_BATCH):
            batch = [report.pk for report in reports[start : start + MUNICIPAL_BATCH]]
            task_enqueue_on_commit("surveys.analytics.municipal_reports_build", report_ids=batch)
    return reports


def municipal_report_request(*, survey: Survey, municipality, requested_by=None) -> MunicipalReport:
    """Queues one unit's report again (a rebuild asked for by staff); an unfinished one is reused."""
    from municipalities.models import Municipality
    from municipalities.selectors import municipality_annotate_region, region_scheme_active

    region_id = (
        municipality_annotate_region(Municipality.objects.filter(pk=municipality.pk), scheme=region_scheme_active())
        .values_list("region_id", flat=True)
        .first()
    )
    same = {"survey": survey, "municipality": municipality}
    return job_request(MunicipalReport, same=same, region_id=region_id, requested_by=requested_by)


NO_ANSWERS = _lazy("The unit has no submitted answers in this round.")


def municipal_reports_build(*, reports: list[MunicipalReport]) -> list[MunicipalReport]:
    """Builds queued reports of one round, all from one load of the round's comparisons
    (surveys.analytics.municipal). A report that fails is recorded as failed and the others are
    still built; a database that does not answer stops the batch for the task's retry."""
    from surveys.analytics.municipal import municipal_report_context, municipal_report_pdf, round_comparisons_load

    if len({report.survey_id for report in reports}) > 1:
        raise ValueError("A batch of municipal reports is of one round.")
    loaded = []

    def build(report: MunicipalReport, progress) -> JobOutput:
        if not loaded:
            loaded.append(round_comparisons_load(report.survey))
        comparisons = loaded[0]
        unit = comparisons.unit(report.municipality_id)
        if unit is None or not unit.responded:
            raise ValueError(str(NO_ANSWERS))
        progress(50)
        pdf = municipal_report_pdf(municipal_report_context(comparisons, unit))
        return JobOutput({"pdf": pdf.content, "page_count": pdf.pages})

    built = []
    for report in reports:
        try:
            built.append(job_run(report, build=lambda progress, report=report: build(report, progress)))
        except (OperationalError, InterfaceError):
            raise
        except Exception:  # recorded on the row by job_run; the other units' reports go on
            logger.exception("Municipal report %s failed", report.pk)
            report.refresh_from_db()
            built.append(report)
    return built


# --- exports -----------------------------------------------------------------------------------


def analysis_export_request(
    *, survey: Survey, region: Region | None, districts: str, format: str, requested_by=None
) -> AnalysisExport:
    """Queues an export for whoever asked; their unfinished request of the same export is reused."""
    same = {"survey": survey, "region": region, "districts": districts, "format": format, "requested_by": requested_by}
    return job_request(AnalysisExport, same=same)


def analysis_export_build(*, export: AnalysisExport) -> AnalysisExport:
    """Builds the file of a queued export, the same code for every size of export
    (surveys.analytics.jobs runs it)."""

    def build(progress) -> JobOutput:
        from surveys.analytics.dataset import round_data_load
        from surveys.analytics.exports import codebook_xlsx, export_csv, export_sav, export_table, export_xlsx

        writers = {
            AnalysisExport.Format.CSV: export_csv,
            AnalysisExport.Format.XLSX: export_xlsx,
            AnalysisExport.Format.SAV: lambda table: export_sav(table, file_label=export.survey.title),
            AnalysisExport.Format.CODEBOOK: codebook_xlsx,
        }
        data = round_data_load(
            survey=export.survey, region=export.region, districts=export.districts or Districts.APART
        )
        progress(40)
        table = export_table(data)
        progress(60)
        body = writers[export.format](table)
        progress(90)
        export.file.save(export.download_name(), ContentFile(body), save=False)
        return JobOutput({"file": export.file.name, "size": len(body)}, discard=lambda: export.file.delete(save=False))

    return job_run(export, build=build)


def analysis_jobs_resume(*, now: datetime.datetime) -> list[tuple[str, int]]:
    """Queues again the reports and exports that stopped moving (surveys.analytics.jobs)."""
    return jobs_resume(now=now)


# --- coding open answers ---------------------------------------------------------------------

NOT_CODABLE = _lazy("Only answers to a text question, or the comments on a question with a comment box, can be coded.")
CATEGORY_OF_OTHER_QUESTION = _lazy("A category of another question cannot be given to this answer.")
NOTHING_TO_CODE = _lazy("This answer has no text to code.")
LABEL_TAKEN = _lazy("The question already has a category with this label.")


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


# --- what the reports show of each question ---------------------------------------------------

TOO_MANY_QUOTES = _lazy("A question has at most %(most)s quotes in the report. Take one away before choosing another.")
NOTHING_TO_QUOTE = _lazy("This answer has no text to quote.")


def report_question_setting_save(
    *,
    survey: Survey,
    question: Question,
    breakdowns: list[str] | None = None,
    quotes_with_names: bool | None = None,
    updated_by=None,
) -> ReportQuestionSetting:
    """Sets what the round's reports show of one question; what is not given keeps its value (for a
    question without a setting: the default, so naming the quotes keeps the default breakdowns).
    The breakdowns are kept in the report's order of dimensions."""
    with transaction.atomic():
        setting = ReportQuestionSetting.objects.select_for_update().filter(survey=survey, question=question).first()
        if setting is None:
            setting = ReportQuestionSetting(
                survey=survey, question=question, breakdowns=report_breakdowns_default(question)
            )
        if breakdowns is not None:
            setting.breakdowns = list(breakdowns)
        if quotes_with_names is not None:
            setting.quotes_with_names = quotes_with_names
        setting.updated_by = updated_by
        setting.full_clean()
        setting.breakdowns = [dimension for dimension in REPORT_DIMENSIONS if dimension in setting.breakdowns]
        setting.save()
    return setting


@transaction.atomic
def report_settings_save(
    *,
    survey: Survey,
    breakdowns: dict[Question, list[str]],
    quotes_with_names: dict[Question, bool] | None = None,
    updated_by=None,
) -> list[Question]:
    """Saves the settings page of a round at once: every question whose breakdowns or naming of
    quotes changed; a question left as it was keeps its default. Any invalid value refuses the
    whole page (a ValidationError naming the question) and changes nothing. Returns the questions
    changed."""
    quotes_with_names = quotes_with_names or {}
    current = report_settings_load(survey=survey)
    changed = []
    for question in dict.fromkeys([*breakdowns, *quotes_with_names]):
        wanted = breakdowns.get(question)
        names = quotes_with_names.get(question)
        same_breakdowns = wanted is None or list(wanted) == current.breakdowns_of(question)
        same_names = names is None or names == current.names_shown(question)
        if same_breakdowns and same_names:
            continue
        try:
            report_question_setting_save(
                survey=survey, question=question, breakdowns=wanted, quotes_with_names=names, updated_by=updated_by
            )
        except ValidationError as error:
            raise ValidationError(
                [f"{question.code}: {message}" for message in error.messages], code="invalid_setting"
            ) from error
        changed.append(question)
    return changed


def _report_quotes_renumber(quotes: list[ReportQuote]) -> None:
    """Closes the gaps in the positions, keeping the order (ascending, so no two ever share one)."""
    for position, quote in enumerate(quotes):
        if quote.position != position:
            quote.position = position
            quote.save(update_fields=["position", "updated_at"])


@transaction.atomic
def report_quote_add(*, answer: Answer, chosen_by=None) -> ReportQuote:
    """Chooses an answer as the next quote of its question in the round's reports (at most
    REPORT_QUOTES_PER_QUESTION; an answer chosen already stays where it is)."""
    question = answer.question
    if not question_is_codable(question):
        raise ValidationError(NOT_CODABLE, code="not_codable")
    if not answer_codable_text(answer):
        raise ValidationError(NOTHING_TO_QUOTE, code="nothing_to_quote")
    # One chooser of a question's quotes at a time: the count and the next position are read here.
    Question.objects.select_for_update().filter(pk=question.pk).values_list("pk", flat=True).first()
    existing = ReportQuote.objects.filter(answer=answer).first()
    if existing is not None:
        return existing
    survey_id = answer.response.survey_id
    quotes = list(
        ReportQuote.objects.select_for_update().filter(survey_id=survey_id, question=question).order_by("position")
    )
    if len(quotes) >= REPORT_QUOTES_PER_QUESTION:
        raise ValidationError(TOO_MANY_QUOTES, code="too_many_quotes", params={"most": REPORT_QUOTES_PER_QUESTION})
    _report_quotes_renumber(quotes)
    quote = ReportQuote(
        survey_id=survey_id, question=question, answer=answer, position=len(quotes), chosen_by=chosen_by
    )
    quote.full_clean()
    quote.save()
    return quote


@transaction.atomic
def report_quote_remove(*, answer: Answer) -> None:
    """Takes an answer out of the report's quotes; the others keep their order."""
    question = answer.question
    Question.objects.select_for_update().filter(pk=question.pk).values_list("pk", flat=True).first()
    removed = ReportQuote.objects.filter(answer=answer).delete()[0]
    if removed:
        quotes = ReportQuote.objects.filter(survey_id=answer.response.survey_id, question=question)
        _report_quotes_renumber(list(quotes.select_for_update().order_by("position")))
