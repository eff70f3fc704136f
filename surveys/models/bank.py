"""The question bank: questions identified across years by their `series`, their `code` naming
the variable in exports and conditions; their options, matrix rows and the scales they use."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from operations.models import TimestampedModel
from surveys.models.freezing import ChildOfQuestionQuerySet, ChildOfScaleQuerySet, FreezableQuerySet, FrozenModel
from surveys.texts import text_in_language

# The answer "not relevant", offered beside a scale's points (Question.offers_not_relevant) and kept
# apart from them in statistics; no option or point may have this code (check constraints).
NOT_RELEVANT = "not_relevant"
# The answer "don't know", offered beside the options or points of a choice or scale question
# (Question.offers_dont_know) and kept apart from them exactly as "not relevant" is; reserved too.
DONT_KNOW = "dont_know"
RESERVED_CODES = (NOT_RELEVANT, DONT_KNOW)
CODE_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
code_validator = RegexValidator(
    CODE_PATTERN,
    _("Use letters, digits and underscores, starting with a letter (at most 40 characters)."),
    code="invalid_code",
)
# An option's code is the value stored for the answer, and codes are text: `1`, `2`, `99` are the
# SPSS habit of past years' data and of forms written elsewhere, kept as they are.
OPTION_CODE_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,40}$")
option_code_validator = RegexValidator(
    OPTION_CODE_PATTERN,
    _("Use letters, digits and underscores (at most 40 characters)."),
    code="invalid_code",
)


# The types that may offer "don't know" (a check constraint on Question).
DONT_KNOW_TYPES = ("single_choice", "multiple_choice", "scale", "matrix")


class TranslatedTextMixin(models.Model):
    """Label texts in the three languages; Bokmål is required, the others fall back to it."""

    label_nb = models.CharField(_("label (Bokmål)"), max_length=300)
    label_nn = models.CharField(_("label (Nynorsk)"), max_length=300, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=300, blank=True)

    class Meta:
        abstract = True

    def label(self, language: str | None = None) -> str:
        return text_in_language(self, "label", language)


class Scale(FrozenModel, TimestampedModel):
    """A reusable answer scale, e.g. very poor / poor / good / very good."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=120)
    frozen_at = models.DateTimeField(_("frozen"), null=True, blank=True, editable=False)

    objects = FreezableQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("scale")
        verbose_name_plural = _("scales")

    def __str__(self) -> str:
        return self.name

    def frozen_name(self) -> str:
        return self.code

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class ScalePoint(FrozenModel, TranslatedTextMixin, TimestampedModel):
    """One point of a scale; changes only while the scale is not frozen."""

    frozen_via = "scale"

    scale = models.ForeignKey(Scale, on_delete=models.CASCADE, related_name="points", verbose_name=_("scale"))
    value = models.PositiveSmallIntegerField(_("value"), help_text=_("1 for the lowest point."))
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])

    objects = ChildOfScaleQuerySet.as_manager()

    class Meta:
        ordering = ["scale", "value"]
        verbose_name = _("scale point")
        verbose_name_plural = _("scale points")
        constraints = [
            models.UniqueConstraint(fields=["scale", "value"], name="scale_point_value_unique"),
            models.UniqueConstraint(fields=["scale", "code"], name="scale_point_code_unique"),
            models.CheckConstraint(condition=~Q(code__in=RESERVED_CODES), name="scale_point_code_not_reserved"),
        ]

    def __str__(self) -> str:
        return f"{self.value} {self.label_nb}"

    def frozen_name(self) -> str:
        return str(self.scale.code)


class Question(FrozenModel, TimestampedModel):
    class Type(models.TextChoices):
        SINGLE_CHOICE = "single_choice", _("single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("multiple choice")
        YES_NO = "yes_no", _("yes/no")
        SCALE = "scale", _("scale")
        MATRIX = "matrix", _("matrix (several items on one scale)")
        INTEGER = "integer", _("whole number")
        DECIMAL = "decimal", _("decimal number")
        SHORT_TEXT = "short_text", _("short text")
        LONG_TEXT = "long_text", _("long text")
        NOTE = "note", _("note (information, no answer)")

    class Classification(models.TextChoices):
        RECURRING = "recurring", _("recurring")
        ROTATING = "rotating", _("rotating theme")
        CURRENT_AFFAIRS = "current_affairs", _("current affairs")

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        validators=[code_validator],
        help_text=_("Stable variable name used in exports and conditions, e.g. Q12."),
    )
    series = models.CharField(
        _("series"),
        max_length=40,
        validators=[code_validator],
        db_index=True,
        help_text=_("The time series this question belongs to across years; a new wording keeps the series."),
    )
    previous_version = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_versions",
        verbose_name=_("previous version"),
    )
    classification = models.CharField(_("classification"), max_length=20, choices=Classification.choices)
    theme = models.CharField(_("theme"), max_length=120, blank=True)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    text_nb = models.TextField(_("text (Bokmål)"))
    text_nn = models.TextField(_("text (Nynorsk)"), blank=True)
    text_en = models.TextField(_("text (English)"), blank=True)
    help_nb = models.TextField(_("help text (Bokmål)"), blank=True)
    help_nn = models.TextField(_("help text (Nynorsk)"), blank=True)
    help_en = models.TextField(_("help text (English)"), blank=True)
    scale = models.ForeignKey(
        Scale, on_delete=models.PROTECT, null=True, blank=True, related_name="questions", verbose_name=_("scale")
    )
    offers_not_relevant = models.BooleanField(
        _("offers “not relevant”"), default=False, help_text=_("Not counted as a scale value.")
    )
    offers_dont_know = models.BooleanField(
        _("offers “don't know”"),
        default=False,
        help_text=_("Counted apart, like “not relevant”; on a multiple-choice question it is chosen only alone."),
    )
    max_choices = models.PositiveSmallIntegerField(
        _("maximum number of choices"), null=True, blank=True, help_text=_("E.g. 3 for “pick the three biggest”.")
    )
    min_value = models.DecimalField(_("minimum"), max_digits=14, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=14, decimal_places=4, null=True, blank=True)
    has_comment = models.BooleanField(_("comment box"), default=False)
    frozen_at = models.DateTimeField(_("frozen"), null=True, blank=True, editable=False)

    objects = FreezableQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.CheckConstraint(
                condition=Q(scale__isnull=False) | ~Q(type__in=["scale", "matrix"]), name="scale_questions_have_a_scale"
            ),
            models.CheckConstraint(
                condition=Q(offers_dont_know=False) | Q(type__in=DONT_KNOW_TYPES), name="dont_know_only_on_choices"
            ),
            models.CheckConstraint(
                condition=Q(max_choices__isnull=True) | Q(type="multiple_choice", max_choices__gte=1),
                name="max_choices_only_for_multiple_choice",
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True) | Q(max_value__gte=F("min_value")),
                name="question_max_not_below_min",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text_nb[:80]}"

    def clean(self):
        errors = {}
        if self.type in (self.Type.SCALE, self.Type.MATRIX) and not self.scale_id:
            errors["scale"] = _("A scale or matrix question needs a scale.")
        if self.type not in (self.Type.SCALE, self.Type.MATRIX) and self.offers_not_relevant:
            errors["offers_not_relevant"] = _("“Not relevant” is offered only on scale and matrix questions.")
        if self.type not in DONT_KNOW_TYPES and self.offers_dont_know:
            errors["offers_dont_know"] = _("“Don't know” is offered only on choice, scale and matrix questions.")
        if self.max_choices is not None and self.type != self.Type.MULTIPLE_CHOICE:
            errors["max_choices"] = _("Only multiple-choice questions have a maximum number of choices.")
        if (self.min_value is not None or self.max_value is not None) and self.type not in (
            self.Type.INTEGER,
            self.Type.DECIMAL,
        ):
            errors["min_value"] = _("Only number questions have a minimum and maximum.")
        if self.min_value is not None and self.max_value is not None and self.max_value < self.min_value:
            errors["max_value"] = _("The maximum must not be below the minimum.")
        if errors:
            raise ValidationError(errors)

    def frozen_name(self) -> str:
        return self.code

    def text(self, language: str | None = None) -> str:
        return text_in_language(self, "text", language)

    def help(self, language: str | None = None) -> str:
        return text_in_language(self, "help", language)

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def has_options(self) -> bool:
        return self.type in (self.Type.SINGLE_CHOICE, self.Type.MULTIPLE_CHOICE)

    def exclusive_codes(self) -> frozenset[str]:
        """The answer codes that may only be chosen alone (multiple choice): the exclusive options
        and "don't know" when offered."""
        if self.type != self.Type.MULTIPLE_CHOICE:
            return frozenset()
        codes = {option.code for option in self.options.all() if option.is_exclusive}
        if self.offers_dont_know:
            codes.add(DONT_KNOW)
        return frozenset(codes)


class _FrozenWithQuestion(FrozenModel):
    """Options and matrix items change only while their question is not frozen."""

    frozen_via = "question"

    class Meta:
        abstract = True

    def frozen_name(self) -> str:
        return str(self.question.code)


class QuestionOption(_FrozenWithQuestion, TranslatedTextMixin, TimestampedModel):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options", verbose_name=_("question"))
    code = models.CharField(_("code"), max_length=40, validators=[option_code_validator])
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_exclusive = models.BooleanField(
        _("exclusive"),
        default=False,
        help_text=_("Chosen only alone, e.g. “None of these”: ticking it clears the other options."),
    )

    objects = ChildOfQuestionQuerySet.as_manager()

    class Meta:
        ordering = ["question", "position", "pk"]
        verbose_name = _("option")
        verbose_name_plural = _("options")
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="option_code_unique_in_question"),
            models.CheckConstraint(condition=~Q(code__in=RESERVED_CODES), name="option_code_not_reserved"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.label_nb}"

    def clean(self):
        if self.is_exclusive and self.question_id and self.question.type != Question.Type.MULTIPLE_CHOICE:
            message = _("Only the options of a multiple-choice question can be exclusive.")
            raise ValidationError({"is_exclusive": message})


class MatrixItem(_FrozenWithQuestion, TranslatedTextMixin, TimestampedModel):
    """One row of a matrix question; exported as the variable `<question code>_<item code>`."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="matrix_items", verbose_name=_("question")
    )
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ChildOfQuestionQuerySet.as_manager()

    class Meta:
        ordering = ["question", "position", "pk"]
        verbose_name = _("matrix item")
        verbose_name_plural = _("matrix items")
        constraints = [models.UniqueConstraint(fields=["question", "code"], name="matrix_item_code_unique")]

    def __str__(self) -> str:
        return f"{self.question.code}_{self.code}"

    @property
    def variable(self) -> str:
        return f"{self.question.code}_{self.code}"
