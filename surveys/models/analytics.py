"""Models the analysis needs: the bands that group background variables (data, so an
analyst can change them without a release), the report jobs built by Celery, the
categories analysts code open answers into, and what the report shows of each question
(its breakdowns and the quotes an analyst chose)."""

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from operations.models import TimestampedModel
from surveys.models.bank import Question
from surveys.models.questionnaires import Item
from surveys.texts import text_in_language

__all__ = [
    "AnalysisBand",
    "ClassificationScheme",
    "AnalysisExport",
    "AnalysisJob",
    "AnalysisReport",
    "Dimension",
    "MunicipalReport",
    "OpenAnswerCategory",
    "OpenAnswerTag",
    "REPORT_DIMENSIONS",
    "REPORT_QUOTES_PER_QUESTION",
    "ReportQuestionSetting",
    "ReportQuote",
]


class Districts(models.TextChoices):
    """Which units a table covers. The published reports count municipalities and Oslo's city
    districts as two populations (APART, the default): districts are a group of their own in every
    table and a column of their own in the net score."""

    APART = "apart", _("municipalities and districts, apart")
    EXCLUDE = "exclude", _("municipalities only")
    ONLY = "only", _("districts only")
    INCLUDE = "include", _("municipalities and districts together")


class Dimension(models.TextChoices):
    """The background variables a table can be broken down by (surveys.analytics.statistics)."""

    REGION = "region", _("region")
    COUNTY = "county", _("county")
    KIND = "kind", _("municipality or district")
    SIZE = "size", _("population")
    CENTRALITY = "centrality", _("centrality class")
    IMMIGRANT_SHARE = "immigrant_share", _("immigrant share")
    SETTLES = "settles", _("settles refugees")
    PARTNER = "partner", _("partner municipality")
    PARTNER_SETTLING = "partner_settling", _("partner or other settlement municipality")


class ClassificationScheme(TimestampedModel):
    """A way of grouping one background variable, e.g. Statistics Norway's 2020 centrality standard
    (six classes) or the population bands. A profile year is analysed on the scheme of its variable
    in force that year: the one with the latest `in_force_from` not after it, so a 2015 round is
    shown on the four-level 2008 centrality standard and today's on the six-level 2020 one."""

    class Variable(models.TextChoices):
        POPULATION = "population", _("population")
        IMMIGRANT_SHARE = "immigrant_share", _("immigrant share (%)")
        CENTRALITY = "centrality", _("centrality class")

    variable = models.CharField(_("variable"), max_length=30, choices=Variable.choices)
    name = models.CharField(_("name"), max_length=120)
    in_force_from = models.PositiveSmallIntegerField(
        _("in force from (profile year)"),
        help_text=_("Profile years from this year on use this scheme, until a later scheme of the same variable."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["variable", "in_force_from"]
        verbose_name = _("classification scheme")
        verbose_name_plural = _("classification schemes")
        constraints = [
            models.UniqueConstraint(fields=["variable", "in_force_from"], name="classification_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.get_variable_display()}: {self.name} ({self.in_force_from}–)"


class AnalysisBand(TimestampedModel):
    """One class of a classification scheme, e.g. population 2,000–4,999 or centrality class 1 "Mest
    sentrale kommuner". The lower bound is inclusive, the upper bound exclusive; empty means open-ended
    (a centrality class c is the band from c to c + 1). Position is the natural order of the classes."""

    scheme = models.ForeignKey(
        ClassificationScheme, on_delete=models.CASCADE, related_name="bands", verbose_name=_("scheme")
    )
    label = models.CharField(_("label"), max_length=80)
    lower = models.DecimalField(_("from (inclusive)"), max_digits=12, decimal_places=2, null=True, blank=True)
    upper = models.DecimalField(_("to (exclusive)"), max_digits=12, decimal_places=2, null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        ordering = ["scheme", "position"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "position"], name="analysis_band_scheme_position_unique"),
            models.UniqueConstraint(fields=["scheme", "label"], name="analysis_band_scheme_label_unique"),
            models.CheckConstraint(
                condition=Q(lower__isnull=True) | Q(upper__isnull=True) | Q(upper__gt=F("lower")),
                name="analysis_band_upper_above_lower",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.name}: {self.label}"


class AnalysisJob(TimestampedModel):
    """A report or an export of a round, built by a Celery task: the row records its own progress,
    so its page can show it, and its outcome (surveys.analytics.jobs runs every kind alike). Each
    kind names its file (`download_name()`) and gives its finished output (`content()`)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("being built")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="+", verbose_name=_("round"))
    region = models.ForeignKey(
        "municipalities.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        help_text=_("Empty for the whole country."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    failure_message = models.TextField(_("failure"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="%(class)s_progress_percent"),
        ]

    # Fields a page about the job does not read (the PDF itself).
    DEFERRED: tuple[str, ...] = ()

    @property
    def is_unfinished(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class PdfJob(AnalysisJob):
    """A job whose output is a PDF kept on its row, with its page count."""

    pdf = models.BinaryField(_("PDF"), null=True, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)

    class Meta(AnalysisJob.Meta):
        abstract = True

    DEFERRED = ("pdf",)

    def content(self):
        pdf = type(self).objects.values_list("pdf", flat=True).get(pk=self.pk)
        return io.BytesIO(bytes(pdf))


class AnalysisReport(PdfJob):
    """A graphic report (national, or for one region) as a PDF."""

    districts = models.CharField(_("units"), max_length=10, choices=Districts.choices, default=Districts.APART)

    class Meta(AnalysisJob.Meta):
        verbose_name = _("analysis report")
        verbose_name_plural = _("analysis reports")
        constraints = [
            *AnalysisJob.Meta.constraints,
            models.CheckConstraint(
                condition=~Q(status="done") | Q(pdf__isnull=False), name="analysis_report_done_has_pdf"
            ),
        ]
        indexes = [
            # The report task picks up and updates unfinished jobs.
            models.Index(
                fields=["survey", "region"],
                condition=Q(status__in=["queued", "running"]),
                name="analysis_report_unfinished_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey} – {self.region or _('national')}"

    def download_name(self) -> str:
        suffix = f"-{self.region.code}" if self.region_id else ""
        return f"report-{self.survey.year}{suffix}.pdf"


class MunicipalReport(PdfJob):
    """The report of one municipality or district: its own answers beside its region, the whole
    country and the units of its size (Oslo's districts beside each other), with last year's answers
    for recurring questions. Built for every responding unit when a round closes; the chief
    executive reads it through the link (surveys.link_rule.link_reads_unit_report), staff from the
    chase board (the units they may see, municipalities.access). `region` records the unit's region
    when it was queued."""

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.CASCADE, related_name="+", verbose_name=_("municipality")
    )

    class Meta(AnalysisJob.Meta):
        verbose_name = _("municipal report")
        verbose_name_plural = _("municipal reports")
        constraints = [
            *AnalysisJob.Meta.constraints,
            models.CheckConstraint(
                condition=~Q(status="done") | Q(pdf__isnull=False), name="municipal_report_done_has_pdf"
            ),
        ]
        indexes = [models.Index(fields=["survey", "municipality", "status"], name="municipal_report_unit_idx")]

    def __str__(self) -> str:
        return f"{self.survey} – {self.municipality}"

    def download_name(self) -> str:
        return f"report-{self.survey.year}-{self.municipality.number}.pdf"


class OpenAnswerCategory(TimestampedModel):
    """A category that analysts code the answers of one open question into, e.g. "housing" for the
    reports' "advice by category". What is coded is the answer's text for a text question, and the
    comment for any other question with a comment box."""

    question = models.ForeignKey(
        "surveys.Question",
        on_delete=models.CASCADE,
        related_name="open_answer_categories",
        verbose_name=_("question"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label_nb = models.CharField(_("label (Bokmål)"), max_length=200)
    label_nn = models.CharField(_("label (Nynorsk)"), max_length=200, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["question", "position", "pk"]
        verbose_name = _("open-answer category")
        verbose_name_plural = _("open-answer categories")
        constraints = [
            models.UniqueConstraint(fields=["question", "label_nb"], name="open_answer_category_label_unique"),
        ]

    def __str__(self) -> str:
        return self.label()

    def label(self, language: str | None = None) -> str:
        return text_in_language(self, "label", language)


class OpenAnswerTag(TimestampedModel):
    """One answer coded into one category; an answer may have several categories, each once."""

    answer = models.ForeignKey(
        "surveys.Answer", on_delete=models.CASCADE, related_name="open_answer_tags", verbose_name=_("answer")
    )
    category = models.ForeignKey(
        OpenAnswerCategory, on_delete=models.CASCADE, related_name="tags", verbose_name=_("category")
    )
    tagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tagged by"),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("open-answer tag")
        verbose_name_plural = _("open-answer tags")
        constraints = [
            models.UniqueConstraint(fields=["answer", "category"], name="open_answer_tag_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.answer_id} – {self.category}"


def _export_path(export: "AnalysisExport", filename: str) -> str:
    return f"analysis/exports/{export.survey.year}/{export.pk or 'new'}-{filename}"


class AnalysisExport(AnalysisJob):
    """A data export (CSV, XLSX, SPSS .sav) or codebook of a round, kept as a file for whoever asked."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", _("Excel (XLSX)")
        SAV = "sav", _("SPSS (.sav)")
        CODEBOOK = "codebook", _("codebook (XLSX)")

    districts = models.CharField(_("units"), max_length=10, choices=Districts.choices, default=Districts.APART)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    file = models.FileField(_("file"), upload_to=_export_path, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)

    class Meta(AnalysisJob.Meta):
        verbose_name = _("analysis export")
        verbose_name_plural = _("analysis exports")
        constraints = [
            *AnalysisJob.Meta.constraints,
            models.CheckConstraint(condition=~Q(status="done") | ~Q(file=""), name="analysis_export_done_has_file"),
        ]
        indexes = [
            # The export task picks up and updates unfinished jobs.
            models.Index(
                fields=["survey", "requested_by"],
                condition=Q(status__in=["queued", "running"]),
                name="analysis_export_unfinished_idx",
            )
        ]

    def __str__(self) -> str:
        where = self.region.name if self.region_id else _("the whole country")
        return f"{self.survey} – {self.get_format_display()} – {where}"

    @property
    def extension(self) -> str:
        return "xlsx" if self.format == self.Format.CODEBOOK else self.format

    def content(self):
        return self.file.open("rb")

    def download_name(self) -> str:
        stem = "codebook" if self.format == self.Format.CODEBOOK else "survey"
        suffix = f"-{self.region.code}" if self.region_id else ""
        return f"{stem}-{self.survey.year}{suffix}.{self.extension}"


# --- what the report shows of each question ---------------------------------------------------

# The breakdowns a report offers, in the order its tables come: the published reports' background
# variables. Municipality or district is no breakdown (they are two populations everywhere), and
# partner status is compared as the reports do, partners against the other settlement municipalities.
REPORT_DIMENSIONS = (
    Dimension.REGION,
    Dimension.SIZE,
    Dimension.CENTRALITY,
    Dimension.IMMIGRANT_SHARE,
    Dimension.SETTLES,
    Dimension.PARTNER_SETTLING,
)
# The most quotes a question gets in the report: a few the analyst has read, not a listing.
REPORT_QUOTES_PER_QUESTION = 3
UNKNOWN_DIMENSION = _("“%(value)s” is not a breakdown the report offers.")
TEXT_NOT_BROKEN_DOWN = _("The answers to a text question are not broken down; they are coded on the open-answer page.")
QUESTION_NOT_IN_ROUND = _("The question is not in this round's questionnaire.")


def report_breakdowns_validate(value: object) -> None:
    """A list of the report's dimensions, each once (typed JSON, so SQLite stores it too)."""
    if not isinstance(value, list):
        raise ValidationError(_("The breakdowns must be a list."), code="not_a_list")
    for item in value:
        if item not in REPORT_DIMENSIONS:
            raise ValidationError(UNKNOWN_DIMENSION, code="unknown_dimension", params={"value": item})
    if len(set(value)) != len(value):
        raise ValidationError(_("A breakdown is chosen twice."), code="duplicate_dimension")


class ReportQuestionSetting(TimestampedModel):
    """What the round's reports show of one question beyond its table and chart: a table per chosen
    background variable (`breakdowns`, in REPORT_DIMENSIONS order), and whether the analyst's
    quotes carry the unit's name. Kept per round, not on the question, since a question is frozen
    once a round opens; a question without a row gets the default (surveys.analytics.report_settings)."""

    survey = models.ForeignKey(
        "surveys.Survey", on_delete=models.CASCADE, related_name="report_settings", verbose_name=_("round")
    )
    question = models.ForeignKey(
        "surveys.Question", on_delete=models.CASCADE, related_name="+", verbose_name=_("question")
    )
    breakdowns = models.JSONField(_("breakdowns"), default=list, blank=True, validators=[report_breakdowns_validate])
    quotes_with_names = models.BooleanField(
        _("quotes with the units' names"),
        default=False,
        help_text=_("Off: the quotes are anonymised, names of municipalities in their text replaced."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        ordering = ["survey", "question__code"]
        verbose_name = _("report setting of a question")
        verbose_name_plural = _("report settings of questions")
        constraints = [
            models.UniqueConstraint(fields=["survey", "question"], name="report_setting_one_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} – {self.question.code}"

    def clean(self) -> None:
        if self.survey_id is None or self.question_id is None:
            return
        if not Item.objects.filter(
            questionnaire_id=self.survey.questionnaire_id, question_id=self.question_id
        ).exists():
            raise ValidationError(QUESTION_NOT_IN_ROUND, code="not_in_round")
        text_types = (Question.Type.SHORT_TEXT, Question.Type.LONG_TEXT, Question.Type.NOTE)
        if self.breakdowns and self.question.type in text_types:
            raise ValidationError({"breakdowns": TEXT_NOT_BROKEN_DOWN}, code="text_not_broken_down")


class ReportQuote(TimestampedModel):
    """An open answer an analyst chose to quote under its question in the round's reports, in
    `position` order. At most REPORT_QUOTES_PER_QUESTION per round and question, held by the database:
    the round and question are kept on the row (and checked against the answer's) so that a unique
    position below the maximum can hold the rule."""

    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="+", verbose_name=_("round"))
    question = models.ForeignKey(
        "surveys.Question", on_delete=models.CASCADE, related_name="+", verbose_name=_("question")
    )
    answer = models.OneToOneField(
        "surveys.Answer", on_delete=models.CASCADE, related_name="report_quote", verbose_name=_("answer")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chosen by"),
    )

    class Meta:
        ordering = ["survey", "question", "position"]
        verbose_name = _("quote in the report")
        verbose_name_plural = _("quotes in the report")
        constraints = [
            models.UniqueConstraint(fields=["survey", "question", "position"], name="report_quote_position_unique"),
            models.CheckConstraint(
                condition=Q(position__lt=REPORT_QUOTES_PER_QUESTION), name="report_quote_at_most_three"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} – {self.question.code} #{self.position + 1}"

    def clean(self) -> None:
        if self.answer_id is None:
            return
        if self.answer.question_id != self.question_id or self.answer.response.survey_id != self.survey_id:
            raise ValidationError(_("The quote is not an answer to this round's question."), code="other_answer")
