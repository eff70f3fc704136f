"""Models the analysis needs: the bands that group background variables (data, so an
analyst can change them without a release), the report jobs built by Celery, and the
categories analysts code open answers into."""

import io

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from operations.models import TimestampedModel
from surveys.texts import text_in_language

__all__ = [
    "AnalysisBand",
    "ClassificationScheme",
    "AnalysisExport",
    "AnalysisJob",
    "AnalysisReport",
    "MunicipalReport",
    "OpenAnswerCategory",
    "OpenAnswerTag",
]


class Districts(models.TextChoices):
    """Which units a table covers. The published reports count municipalities and Oslo's city
    districts as two populations (APART, the default): districts are a group of their own in every
    table and a column of their own in the net score."""

    APART = "apart", _("municipalities and districts, apart")
    EXCLUDE = "exclude", _("municipalities only")
    ONLY = "only", _("districts only")
    INCLUDE = "include", _("municipalities and districts together")


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


class AnalysisReport(AnalysisJob):
    """A graphic report (national, or for one region) as a PDF."""

    districts = models.CharField(_("units"), max_length=10, choices=Districts.choices, default=Districts.APART)
    pdf = models.BinaryField(_("PDF"), null=True, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)

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

    DEFERRED = ("pdf",)

    def download_name(self) -> str:
        suffix = f"-{self.region.code}" if self.region_id else ""
        return f"report-{self.survey.year}{suffix}.pdf"

    def content(self):
        pdf = type(self).objects.values_list("pdf", flat=True).get(pk=self.pk)
        return io.BytesIO(bytes(pdf))


class MunicipalReport(AnalysisJob):
    """The report of one municipality or district: its own answers beside its region, the whole
    country and the units of its size (Oslo's districts beside each other), with last year's answers
    for recurring questions. Built for every responding unit when a round closes; the chief
    executive reads it through the link, the regional officer from the chase board. `region` is the
    unit's region when it was queued, so an officer's access is the same rule as for the regional
    reports."""

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    pdf = models.BinaryField(_("PDF"), null=True, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)

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

    DEFERRED = ("pdf",)

    def download_name(self) -> str:
        return f"report-{self.survey.year}-{self.municipality.number}.pdf"

    def content(self):
        pdf = type(self).objects.values_list("pdf", flat=True).get(pk=self.pk)
        return io.BytesIO(bytes(pdf))


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
