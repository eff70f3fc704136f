"""Staff pages of the analysis: for survey admins and analysts, and for regional officers
limited to their own region. Views check access, read a selector and render."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import StaffEvent
from accounts.services import staff_event_record
from municipalities.access import staff_region, staff_required, staff_role
from municipalities.models import Region, StaffProfile
from municipalities.selectors import region_scheme_active
from operations.params import param_id
from surveys.analytics.dataset import Districts, round_data_load
from surveys.analytics.exports import codebook_header, codebook_rows, export_table
from surveys.analytics.open_answers import CODING_NOTE, question_coding, question_is_codable, round_codings
from surveys.analytics.report_settings import BREAKDOWN_NAMES, report_settings_load, report_settings_rows
from surveys.analytics.reports import frequency_entries, net_score_entries, report_context, series_chart
from surveys.analytics.selectors import analysis_series, analysis_series_choices
from surveys.analytics.services import (
    analysis_export_request,
    analysis_report_request,
    open_answer_category_create,
    open_answer_category_delete,
    open_answer_category_move,
    open_answer_category_update,
    open_answer_tags_set,
    report_question_setting_save,
    report_quote_add,
    report_quote_remove,
    report_settings_save,
)
from surveys.analytics.statistics import (
    MULTIPLE_NOTE,
    NET_SCORE_NOTE,
    ROUNDING_NOTE,
    Dimension,
    breakdown,
    representativeness,
    response_statistics,
)
from surveys.models import Answer, Item, Question, Survey
from surveys.models.analytics import (
    REPORT_DIMENSIONS,
    REPORT_QUOTES_PER_QUESTION,
    AnalysisExport,
    AnalysisJob,
    AnalysisReport,
    OpenAnswerCategory,
)

ANALYSIS_ROLES = (StaffProfile.Role.SURVEY_ADMIN, StaffProfile.Role.ANALYST, StaffProfile.Role.REGIONAL_OFFICER)


class AnalysisFilterForm(forms.Form):
    region = forms.ModelChoiceField(queryset=Region.objects.none(), required=False, label=_("Region"))
    districts = forms.ChoiceField(choices=Districts.choices, required=False, initial=Districts.APART, label=_("Units"))

    def __init__(self, *args, fixed_region: Region | None, **kwargs):
        super().__init__(*args, **kwargs)
        scheme = region_scheme_active()
        self.fields["region"].queryset = scheme.regions.order_by("name") if scheme else Region.objects.none()
        self.fields["region"].empty_label = _("The whole country")
        if fixed_region is not None:
            self.fields["region"].disabled = True
            self.fields["region"].initial = fixed_region.pk


@dataclass
class Scope:
    survey: Survey
    region: Region | None
    districts: str
    form: AnalysisFilterForm


def _scope(request: HttpRequest, survey_id: int) -> Scope:
    """Access: survey admins and analysts see everything, a regional officer only their region."""
    role = staff_role(request.user)
    if role not in ANALYSIS_ROLES:
        raise PermissionDenied
    survey = get_object_or_404(Survey.objects.exclude(questionnaire=None), pk=survey_id)
    fixed = staff_region(request.user) if role == StaffProfile.Role.REGIONAL_OFFICER else None
    form = AnalysisFilterForm(request.GET or None, fixed_region=fixed)
    region, districts = fixed, Districts.APART
    if form.is_valid():
        region = fixed or form.cleaned_data["region"]
        districts = form.cleaned_data["districts"] or Districts.APART
    return Scope(survey, region, districts, form)


def _context(scope: Scope, **extra) -> dict:
    return {"survey": scope.survey, "region": scope.region, "filter_form": scope.form, "query": _query(scope), **extra}


def _query(scope: Scope) -> str:
    parts = [f"districts={scope.districts}"]
    if scope.region is not None:
        parts.append(f"region={scope.region.pk}")
    return "&".join(parts)


@staff_required
def overview(request: HttpRequest, survey_id: int) -> HttpResponse:
    scope = _scope(request, survey_id)
    data = round_data_load(survey=scope.survey, region=scope.region, districts=scope.districts)
    context = _context(scope, rates=response_statistics(data), representativeness=representativeness(data))
    return render(request, "analytics/overview.html", context)


@staff_required
def frequency_list(request: HttpRequest, survey_id: int) -> HttpResponse:
    scope = _scope(request, survey_id)
    data = round_data_load(survey=scope.survey, region=scope.region, districts=scope.districts)
    context = _context(
        scope,
        frequencies=frequency_entries(data),
        rounding_note=ROUNDING_NOTE,
        multiple_note=MULTIPLE_NOTE,
        coding_note=CODING_NOTE,
    )
    return render(request, "analytics/frequencies.html", context)


class BreakdownForm(forms.Form):
    question = forms.ChoiceField(label=_("Question"))
    by = forms.ChoiceField(choices=Dimension.choices, label=_("Broken down by"))

    def __init__(self, *args, questions: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].choices = questions


@staff_required
def breakdown_view(request: HttpRequest, survey_id: int) -> HttpResponse:
    scope = _scope(request, survey_id)
    data = round_data_load(survey=scope.survey, region=scope.region, districts=scope.districts)
    questions = [(item.question.code, f"{item.question.code}: {item.question.text()[:80]}") for item in data.items]
    form = BreakdownForm(request.GET if "question" in request.GET else None, questions=questions)
    tables = []
    if form.is_valid():
        tables = breakdown(data, question_code=form.cleaned_data["question"], by=form.cleaned_data["by"])
    context = _context(scope, form=form, tables=tables, rounding_note=ROUNDING_NOTE)
    return render(request, "analytics/breakdown.html", context)


@staff_required
def net_score_list(request: HttpRequest, survey_id: int) -> HttpResponse:
    scope = _scope(request, survey_id)
    data = round_data_load(survey=scope.survey, region=scope.region, districts=scope.districts)
    context = _context(scope, net_scores=net_score_entries(data), net_score_note=NET_SCORE_NOTE, data=data)
    return render(request, "analytics/net_scores.html", context)


class SeriesForm(forms.Form):
    series = forms.ChoiceField(label=_("Question series"))

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["series"].choices = choices


@staff_required
def series_view(request: HttpRequest, survey_id: int) -> HttpResponse:
    scope = _scope(request, survey_id)
    form = SeriesForm(
        request.GET if "series" in request.GET else None, choices=analysis_series_choices(survey=scope.survey)
    )
    series = None
    if form.is_valid():
        series = analysis_series(
            series=form.cleaned_data["series"],
            region=scope.region,
            districts=scope.districts,
            up_to_year=scope.survey.year,
        )
    charts = [(variable, series_chart(series, variable)) for variable in series.variables] if series else []
    context = _context(scope, form=form, series=series, charts=charts, rounding_note=ROUNDING_NOTE)
    return render(request, "analytics/series.html", context)


@require_POST
@staff_required
def export_request(request: HttpRequest, survey_id: int, fmt: str) -> HttpResponse:
    """Every export, small or large, is built by the same Celery task and kept as a file."""
    scope = _scope(request, survey_id)
    if fmt not in AnalysisExport.Format.values:
        raise Http404
    export = analysis_export_request(
        survey=scope.survey, region=scope.region, districts=scope.districts, format=fmt, requested_by=request.user
    )
    return redirect("analysis-export-status", survey_id=scope.survey.pk, job_id=export.pk)


@staff_required
def codebook(request: HttpRequest, survey_id: int) -> HttpResponse:
    scope = _scope(request, survey_id)
    table = export_table(round_data_load(survey=scope.survey, region=scope.region, districts=scope.districts))
    exports = AnalysisExport.objects.filter(survey=scope.survey, region=scope.region, requested_by=request.user)[:5]
    context = _context(
        scope,
        header=codebook_header(),
        rows=codebook_rows(table),
        formats=AnalysisExport.Format.choices,
        exports=exports,
    )
    return render(request, "analytics/codebook.html", context)


@staff_required
def report_page(request: HttpRequest, survey_id: int) -> HttpResponse:
    scope = _scope(request, survey_id)
    data = round_data_load(survey=scope.survey, region=scope.region, districts=scope.districts)
    context = report_context(survey=scope.survey, region=scope.region, data=data)
    reports = AnalysisReport.objects.filter(survey=scope.survey, region=scope.region, districts=scope.districts).defer(
        "pdf"
    )[:5]
    return render(request, "analytics/report.html", {**context, **_context(scope), "reports": reports})


@require_POST
@staff_required
def report_request(request: HttpRequest, survey_id: int) -> HttpResponse:
    scope = _scope(request, survey_id)
    report = analysis_report_request(
        survey=scope.survey, region=scope.region, districts=scope.districts, requested_by=request.user
    )
    return redirect("analysis-report-status", survey_id=scope.survey.pk, job_id=report.pk)


# --- reports and exports: jobs built by a worker ---------------------------------------------

JOB_MODELS = {"report": AnalysisReport, "export": AnalysisExport}


def _job(request: HttpRequest, survey_id: int, job_id: int, kind: str) -> tuple[Scope, AnalysisJob]:
    """Survey admins and analysts may fetch any report or export of the round; a regional officer
    only those of their own region (whoever asked for them)."""
    scope = _scope(request, survey_id)
    model = JOB_MODELS[kind]
    job = get_object_or_404(
        model.objects.select_related("survey", "region").defer(*model.DEFERRED), pk=job_id, survey=scope.survey
    )
    fixed = staff_region(request.user)
    if staff_role(request.user) == StaffProfile.Role.REGIONAL_OFFICER and (fixed is None or job.region_id != fixed.pk):
        raise Http404
    return scope, job


@staff_required
def job_status(request: HttpRequest, survey_id: int, job_id: int, kind: str) -> HttpResponse:
    scope, job = _job(request, survey_id, job_id, kind)
    return render(request, "analytics/job_status.html", _context(scope, job=job, kind=kind))


@staff_required
def job_download(request: HttpRequest, survey_id: int, job_id: int, kind: str) -> HttpResponse:
    _scope_, job = _job(request, survey_id, job_id, kind)
    if job.status != AnalysisJob.Status.DONE:
        raise Http404
    name = job.download_name()
    staff_event_record(request=request, kind=StaffEvent.Kind.DOWNLOAD, what=f"{kind} {name}")
    return FileResponse(job.content(), as_attachment=True, filename=name)


# --- coding open answers ---------------------------------------------------------------------

CODING_ROLES = (StaffProfile.Role.SURVEY_ADMIN, StaffProfile.Role.ANALYST)


def _may_code(request: HttpRequest) -> bool:
    return staff_role(request.user) in CODING_ROLES


class CategoryForm(forms.Form):
    label_nb = forms.CharField(max_length=200, label=_("Label (Bokmål)"))
    label_nn = forms.CharField(max_length=200, required=False, label=_("Label (Nynorsk)"))
    label_en = forms.CharField(max_length=200, required=False, label=_("Label (English)"))


def _codable_question(survey: Survey, code: str) -> Question:
    item = (
        Item.objects.filter(questionnaire_id=survey.questionnaire_id, question__code=code)
        .select_related("question")
        .first()
    )
    if item is None or not question_is_codable(item.question):
        raise Http404
    return item.question


@staff_required
def open_answer_list(request: HttpRequest, survey_id: int) -> HttpResponse:
    scope = _scope(request, survey_id)
    data = round_data_load(survey=scope.survey, region=scope.region, districts=scope.districts)
    codings = list(round_codings(data).values())
    return render(request, "analytics/open_answers.html", _context(scope, codings=codings))


@staff_required
def open_answer_detail(request: HttpRequest, survey_id: int, code: str) -> HttpResponse:
    scope = _scope(request, survey_id)
    _codable_question(scope.survey, code)
    data = round_data_load(survey=scope.survey, region=scope.region, districts=scope.districts, question_codes={code})
    coding = question_coding(data, question_code=code)
    chosen = request.GET.get("category", "")
    answers = coding.answers
    if chosen == "none":
        answers = [answer for answer in answers if not answer.category_ids]
    elif (category := param_id(chosen)) is not None:
        answers = [answer for answer in answers if category in answer.category_ids]
    question = coding.question
    settings = report_settings_load(survey=scope.survey)
    quoted = {quote.answer_id: position for position, quote in enumerate(settings.quotes.get(question.pk, []), 1)}
    for answer in coding.answers:
        answer.quote_position = quoted.get(answer.answer_id)
    context = _context(
        scope,
        coding=coding,
        answers=answers,
        chosen=chosen,
        may_code=_may_code(request),
        category_form=CategoryForm(),
        coding_note=CODING_NOTE,
        quoted=quoted,
        most_quotes=REPORT_QUOTES_PER_QUESTION,
        quotes_with_names=settings.names_shown(question),
    )
    return render(request, "analytics/open_answer_detail.html", context)


def _coding_target(request: HttpRequest, survey_id: int, code: str) -> tuple[Scope, Question]:
    scope = _scope(request, survey_id)
    if not _may_code(request):
        raise PermissionDenied
    return scope, _codable_question(scope.survey, code)


def _back_to_coding(scope: Scope, code: str, anchor: str = "") -> HttpResponse:
    url = reverse("analysis-open-answer", args=[scope.survey.pk, code])
    return redirect(f"{url}?{_query(scope)}{anchor}")


def _messages_of(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


@require_POST
@staff_required
def open_answer_category_add(request: HttpRequest, survey_id: int, code: str) -> HttpResponse:
    scope, question = _coding_target(request, survey_id, code)
    form = CategoryForm(request.POST)
    if form.is_valid():
        try:
            open_answer_category_create(question=question, created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for text in _messages_of(error):
                messages.error(request, text)
    else:
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
    return _back_to_coding(scope, code, "#categories")


@require_POST
@staff_required
def open_answer_category_change(request: HttpRequest, survey_id: int, code: str, category_id: int) -> HttpResponse:
    scope, question = _coding_target(request, survey_id, code)
    category = get_object_or_404(OpenAnswerCategory, pk=category_id, question=question)
    action = request.POST.get("action")
    try:
        if action == "delete":
            open_answer_category_delete(category=category)
        elif action in ("up", "down"):
            open_answer_category_move(category=category, offset=-1 if action == "up" else 1)
        elif action == "rename":
            form = CategoryForm(request.POST)
            if not form.is_valid():
                raise ValidationError([text for errors in form.errors.values() for text in errors])
            open_answer_category_update(category=category, **form.cleaned_data)
        else:
            raise Http404
    except ValidationError as error:
        for text in _messages_of(error):
            messages.error(request, text)
    return _back_to_coding(scope, code, "#categories")


@require_POST
@staff_required
def open_answer_tag(request: HttpRequest, survey_id: int, code: str, answer_id: int) -> HttpResponse:
    scope, question = _coding_target(request, survey_id, code)
    answer = get_object_or_404(
        Answer.objects.select_related("question"), pk=answer_id, response__survey=scope.survey, question=question
    )
    ids = [number for number in map(param_id, request.POST.getlist("category")) if number is not None]
    categories = list(OpenAnswerCategory.objects.filter(question=question, pk__in=ids))
    try:
        open_answer_tags_set(answer=answer, categories=categories, tagged_by=request.user)
    except ValidationError as error:
        for text in _messages_of(error):
            messages.error(request, text)
    return _back_to_coding(scope, code, f"#answer-{answer.pk}")


@require_POST
@staff_required
def open_answer_quote(request: HttpRequest, survey_id: int, code: str, answer_id: int) -> HttpResponse:
    """Chooses an answer as a quote in the report, or takes it out (`action` add or remove)."""
    scope, question = _coding_target(request, survey_id, code)
    answer = get_object_or_404(
        Answer.objects.select_related("question", "response"),
        pk=answer_id,
        response__survey=scope.survey,
        question=question,
    )
    action = request.POST.get("action")
    try:
        if action == "add":
            report_quote_add(answer=answer, chosen_by=request.user)
        elif action == "remove":
            report_quote_remove(answer=answer)
        else:
            raise Http404
    except ValidationError as error:
        for text in _messages_of(error):
            messages.error(request, text)
    return _back_to_coding(scope, code, f"#answer-{answer.pk}")


@require_POST
@staff_required
def open_answer_quote_names(request: HttpRequest, survey_id: int, code: str) -> HttpResponse:
    """Turns the units' names with the question's quotes on or off (`with_names` 1 or 0)."""
    scope, question = _coding_target(request, survey_id, code)
    report_question_setting_save(
        survey=scope.survey,
        question=question,
        quotes_with_names=request.POST.get("with_names") == "1",
        updated_by=request.user,
    )
    return _back_to_coding(scope, code, "#quotes")


# --- report settings -----------------------------------------------------------------------


@staff_required
def report_settings(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Per question of the round, the breakdowns its report tables get and whether its quotes carry
    the units' names. Those who code open answers change them; the other analysis roles read them.
    A checkbox per breakdown is `breakdowns-<code>` (one value per ticked dimension), the names
    `names-<code>`; the whole page is saved at once."""
    scope = _scope(request, survey_id)
    rows = report_settings_rows(survey=scope.survey)
    may_change = _may_code(request)
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        breakdowns = {
            row.question: request.POST.getlist(f"breakdowns-{row.question.code}")
            for row in rows
            if row.may_be_broken_down
        }
        names = {row.question: f"names-{row.question.code}" in request.POST for row in rows if row.codable}
        try:
            changed = report_settings_save(
                survey=scope.survey, breakdowns=breakdowns, quotes_with_names=names, updated_by=request.user
            )
        except ValidationError as error:
            for text in _messages_of(error):
                messages.error(request, text)
        else:
            messages.success(
                request, _("Report settings saved (%(count)s questions changed).") % {"count": len(changed)}
            )
        return redirect(f"{reverse('analysis-report-settings', args=[scope.survey.pk])}?{_query(scope)}")
    dimensions = [(dimension, capfirst(str(BREAKDOWN_NAMES[dimension]))) for dimension in REPORT_DIMENSIONS]
    context = _context(scope, rows=rows, dimensions=dimensions, may_change=may_change)
    return render(request, "analytics/report_settings.html", context)
