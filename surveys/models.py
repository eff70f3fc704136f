"""The question bank, yearly questionnaires and survey rounds.

A question is identified across years by its `series`; its `code` names the
variable in exports and conditions. Once a round is opened, its questionnaire,
every question in it and the scales those questions use are frozen
(`frozen_at`): the models and querysets refuse to change them, and on
PostgreSQL so do triggers (migrations 0002 and 0005), so no path can rewrite
history. A changed wording becomes a new question in the same series. The
questionnaire of a round that has opened cannot be swapped either.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from municipalities.models import TimestampedModel

CODE_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
code_validator = RegexValidator(
    CODE_PATTERN,
    _("Use letters, digits and underscores, starting with a letter (at most 40 characters)."),
    code="invalid_code",
)

FROZEN_MESSAGE = _(
    "%(what)s is frozen because a survey round that uses it has been opened. History is never rewritten: "
    "change the wording through “New version of a question”, or plan the change in next year's draft."
)


class FrozenError(ValidationError):
    """Raised by every write path that tries to change frozen questionnaire content."""

    def __init__(self, what: str):
        super().__init__(FROZEN_MESSAGE, code="frozen", params={"what": what})


def text_in_language(obj, field: str, language: str | None = None) -> str:
    """The text in the language asked for (or the active one), falling back to Bokmål."""
    language = (language or get_language() or "nb")[:2]
    if language not in ("nb", "nn", "en"):
        language = "nb"
    return getattr(obj, f"{field}_{language}") or getattr(obj, f"{field}_nb")


class FreezableQuerySet(models.QuerySet):
    """Bulk updates and deletes would skip the model's checks: refuse them on frozen rows,
    and refuse to move rows into frozen content (`parent_field` names the parent)."""

    frozen_lookup = "frozen_at__isnull"
    parent_field: str | None = None

    def _refuse_frozen(self):
        if self.filter(**{self.frozen_lookup: False}).exists():
            raise FrozenError(str(self.model._meta.verbose_name))

    def _refuse_frozen_parent(self, kwargs: dict) -> None:
        if self.parent_field is None:
            return
        for key in (self.parent_field, f"{self.parent_field}_id"):
            if key in kwargs:
                parent = self.model._meta.get_field(self.parent_field).related_model
                target = getattr(kwargs[key], "pk", kwargs[key])
                if parent.objects.filter(pk=target, frozen_at__isnull=False).exists():
                    raise FrozenError(str(parent._meta.verbose_name))

    def update(self, **kwargs):
        self._refuse_frozen()
        self._refuse_frozen_parent(kwargs)
        return super().update(**kwargs)

    def delete(self):
        self._refuse_frozen()
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if self.parent_field is not None:
            parent = self.model._meta.get_field(self.parent_field).related_model
            targets = {getattr(obj, f"{self.parent_field}_id") for obj in objs}
            if parent.objects.filter(pk__in=targets, frozen_at__isnull=False).exists():
                raise FrozenError(str(parent._meta.verbose_name))
        return super().bulk_create(objs, *args, **kwargs)


class ChildOfScaleQuerySet(FreezableQuerySet):
    frozen_lookup = "scale__frozen_at__isnull"
    parent_field = "scale"


class ChildOfQuestionQuerySet(FreezableQuerySet):
    frozen_lookup = "question__frozen_at__isnull"
    parent_field = "question"


class ChildOfQuestionnaireQuerySet(FreezableQuerySet):
    frozen_lookup = "questionnaire__frozen_at__isnull"
    parent_field = "questionnaire"


class TranslatedTextMixin(models.Model):
    """Label texts in the three languages; Bokmål is required, the others fall back to it."""

    label_nb = models.CharField(_("label (Bokmål)"), max_length=300)
    label_nn = models.CharField(_("label (Nynorsk)"), max_length=300, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=300, blank=True)

    class Meta:
        abstract = True

    def label(self, language: str | None = None) -> str:
        return text_in_language(self, "label", language)


class Scale(TimestampedModel):
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

    def save(self, *args, **kwargs):
        if self.pk and Scale.objects.filter(pk=self.pk, frozen_at__isnull=False).exists():
            raise FrozenError(self.code)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk and Scale.objects.filter(pk=self.pk, frozen_at__isnull=False).exists():
            raise FrozenError(self.code)
        return super().delete(*args, **kwargs)

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class ScalePoint(TranslatedTextMixin, TimestampedModel):
    """One point of a scale; changes only while the scale is not frozen."""

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
            models.CheckConstraint(condition=~Q(code="not_relevant"), name="scale_point_code_not_reserved"),
        ]

    def __str__(self) -> str:
        return f"{self.value} {self.label_nb}"

    def save(self, *args, **kwargs):
        if self._scale_frozen():
            raise FrozenError(str(self.scale.code))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._scale_frozen():
            raise FrozenError(str(self.scale.code))
        return super().delete(*args, **kwargs)

    def _scale_frozen(self) -> bool:
        # The stored row's scale counts too: a point cannot be moved out of a frozen scale.
        stored = ScalePoint.objects.filter(pk=self.pk).values("scale_id")
        return Scale.objects.filter(Q(pk=self.scale_id) | Q(pk__in=stored), frozen_at__isnull=False).exists()


class Question(TimestampedModel):
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

    def save(self, *args, **kwargs):
        if self.pk and Question.objects.filter(pk=self.pk, frozen_at__isnull=False).exists():
            raise FrozenError(self.code)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk and Question.objects.filter(pk=self.pk, frozen_at__isnull=False).exists():
            raise FrozenError(self.code)
        return super().delete(*args, **kwargs)

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


class _FrozenWithQuestion(models.Model):
    """Options and matrix items change only while their question is not frozen."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._question_frozen():
            raise FrozenError(str(self.question.code))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._question_frozen():
            raise FrozenError(str(self.question.code))
        return super().delete(*args, **kwargs)

    def _question_frozen(self) -> bool:
        # The stored row's question counts too: a row cannot be moved out of a frozen question.
        stored = type(self).objects.filter(pk=self.pk).values("question_id")
        return Question.objects.filter(Q(pk=self.question_id) | Q(pk__in=stored), frozen_at__isnull=False).exists()


class QuestionOption(_FrozenWithQuestion, TranslatedTextMixin, TimestampedModel):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options", verbose_name=_("question"))
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ChildOfQuestionQuerySet.as_manager()

    class Meta:
        ordering = ["question", "position", "pk"]
        verbose_name = _("option")
        verbose_name_plural = _("options")
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="option_code_unique_in_question"),
            models.CheckConstraint(condition=~Q(code="not_relevant"), name="option_code_not_reserved"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.label_nb}"


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


class Questionnaire(TimestampedModel):
    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies", verbose_name=_("copied from")
    )
    frozen_at = models.DateTimeField(_("frozen"), null=True, blank=True, editable=False)

    objects = FreezableQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "title"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"

    def save(self, *args, **kwargs):
        if self.pk and Questionnaire.objects.filter(pk=self.pk, frozen_at__isnull=False).exists():
            raise FrozenError(self.title)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk and Questionnaire.objects.filter(pk=self.pk, frozen_at__isnull=False).exists():
            raise FrozenError(self.title)
        return super().delete(*args, **kwargs)

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class _FrozenWithQuestionnaire(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._questionnaire_frozen():
            raise FrozenError(str(self))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._questionnaire_frozen():
            raise FrozenError(str(self))
        return super().delete(*args, **kwargs)

    def _questionnaire_frozen(self) -> bool:
        # The stored row's questionnaire counts too: a row cannot be moved out of a frozen questionnaire.
        stored = type(self).objects.filter(pk=self.pk).values("questionnaire_id")
        return Questionnaire.objects.filter(
            Q(pk=self.questionnaire_id) | Q(pk__in=stored), frozen_at__isnull=False
        ).exists()


class Section(_FrozenWithQuestionnaire, TimestampedModel):
    class Role(models.TextChoices):
        CHIEF_EXECUTIVE = "chief_executive", _("chief executive")
        INTRODUCTION_PROGRAMME = "introduction_programme", _("head of the introduction programme")
        SCHOOLS = "schools", _("head of schools")
        DISTRICT_DIRECTOR = "district_director", _("district director (Oslo's districts)")

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="sections", verbose_name=_("questionnaire")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    role = models.CharField(_("respondent role"), max_length=30, choices=Role.choices)
    title_nb = models.CharField(_("title (Bokmål)"), max_length=200)
    title_nn = models.CharField(_("title (Nynorsk)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    condition = models.TextField(
        _("condition"), blank=True, help_text=_("Show the section only when this holds, e.g. ${kind} = 'district'.")
    )

    objects = ChildOfQuestionnaireQuerySet.as_manager()

    class Meta:
        ordering = ["questionnaire", "position"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "position"], name="section_position_unique"),
            models.UniqueConstraint(fields=["questionnaire", "code"], name="section_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title_nb}"

    def title(self, language: str | None = None) -> str:
        return text_in_language(self, "title", language)


class Item(_FrozenWithQuestionnaire, TimestampedModel):
    """A question placed in a section, with the condition under which it is shown."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="items", verbose_name=_("questionnaire")
    )
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="items", verbose_name=_("section"))
    position = models.PositiveSmallIntegerField(_("position"))
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="items", verbose_name=_("question"))
    condition = models.TextField(
        _("condition"),
        blank=True,
        help_text=_("Show the question only when this holds, e.g. ${settles_refugees} = true and ${Q12} = 'yes'."),
    )

    objects = ChildOfQuestionnaireQuerySet.as_manager()

    class Meta:
        ordering = ["section__position", "position"]
        verbose_name = _("item")
        verbose_name_plural = _("items")
        constraints = [
            models.UniqueConstraint(fields=["section", "position"], name="item_position_unique_in_section"),
            models.UniqueConstraint(fields=["questionnaire", "question"], name="question_once_per_questionnaire"),
        ]

    def __str__(self) -> str:
        return f"{self.question.code} ({self.section.code})"

    def clean(self):
        if self.section_id and self.questionnaire_id and self.section.questionnaire_id != self.questionnaire_id:
            raise ValidationError({"section": _("The section belongs to another questionnaire.")})


QUESTIONNAIRE_LOCKED_MESSAGE = _(
    "The questionnaire of %(survey)s cannot be swapped because the round has been opened: its answers belong "
    "to that questionnaire. Plan the new questionnaire in next year's draft round instead."
)


class QuestionnaireLockedError(ValidationError):
    """Raised when the questionnaire of a round that has left the draft status would change."""

    def __init__(self, survey: str):
        super().__init__(QUESTIONNAIRE_LOCKED_MESSAGE, code="questionnaire_locked", params={"survey": survey})


class SurveyQuerySet(models.QuerySet):
    """A bulk update must not swap the questionnaire of a round that has opened either."""

    def update(self, **kwargs):
        if {"questionnaire", "questionnaire_id"} & kwargs.keys():
            opened = self.exclude(status=Survey.Status.DRAFT).first()
            if opened is not None:
                raise QuestionnaireLockedError(str(opened))
        return super().update(**kwargs)


class Survey(TimestampedModel):
    """One yearly round of the survey. Its status changes only through the
    services in surveys.services.rounds; once it has opened, its questionnaire
    stays (the model, bulk updates and, on PostgreSQL, a trigger refuse a swap)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")
        ARCHIVED = "archived", _("archived")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    questionnaire = models.OneToOneField(
        Questionnaire,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey",
        verbose_name=_("questionnaire"),
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    invitation_grace_days = models.PositiveSmallIntegerField(
        _("days links work after closing"),
        default=7,
        help_text=_("Invitation links expire this long after the round closes."),
    )
    invitation_subject_nb = models.CharField(
        _("invitation subject (Bokmål)"), max_length=200, default="Kommuneundersøkelsen {year}: {municipality}"
    )
    invitation_subject_nn = models.CharField(
        _("invitation subject (Nynorsk)"), max_length=200, default="Kommuneundersøkinga {year}: {municipality}"
    )
    invitation_body_nb = models.TextField(
        _("invitation text (Bokmål)"),
        default=(
            "Hei {name},\n\n{municipality} er invitert til å svare på Kommuneundersøkelsen {year}. "
            "Fristen er {deadline}.\n\nSvar her: {link}\n\nLenken er personlig. Du kan gi deler av "
            "skjemaet videre til kolleger fra lenken.\n"
        ),
        help_text=_("Placeholders: {name}, {municipality}, {year}, {deadline}, {link}."),
    )
    invitation_body_nn = models.TextField(
        _("invitation text (Nynorsk)"),
        default=(
            "Hei {name},\n\n{municipality} er invitert til å svare på Kommuneundersøkinga {year}. "
            "Fristen er {deadline}.\n\nSvar her: {link}\n\nLenkja er personleg. Du kan gi delar av "
            "skjemaet vidare til kollegaer frå lenkja.\n"
        ),
        help_text=_("Placeholders: {name}, {municipality}, {year}, {deadline}, {link}."),
    )

    objects = SurveyQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="survey_closes_after_it_opens"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"

    def save(self, *args, **kwargs):
        if (
            self.pk
            and Survey.objects.filter(pk=self.pk)
            .exclude(status=Survey.Status.DRAFT)
            .exclude(questionnaire_id=self.questionnaire_id)
            .exists()
        ):
            raise QuestionnaireLockedError(str(self))
        super().save(*args, **kwargs)


class Invitation(TimestampedModel):
    """A personal link to one round, one municipality and one role (or one
    delegated section). Only a hash of the token is stored."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("round"))
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="invitations",
        verbose_name=_("municipality"),
    )
    role = models.CharField(_("role"), max_length=30, choices=Section.Role.choices)
    section = models.ForeignKey(
        Section,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delegations",
        verbose_name=_("delegated section"),
        help_text=_("Set when the chief executive gave one section to a colleague."),
    )
    contact = models.ForeignKey(
        "municipalities.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("contact"),
    )
    delegated_by = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="delegations", verbose_name=_("given by")
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["survey", "municipality__number", "role", "pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=Q(section__isnull=True) | Q(delegated_by__isnull=False), name="delegation_has_a_giver"
            ),
        ]
        indexes = [models.Index(fields=["survey", "municipality"], name="invitation_survey_unit_idx")]

    def __str__(self) -> str:
        return f"{self.municipality} – {self.get_role_display()} ({self.email})"


class DelegationEvent(models.Model):
    """The log of sections a chief executive gave to colleagues: each link given, taken back, or
    refused and why (a limit reached, an address outside the unit's domains). The colleague's
    name and address stay on the link itself (`delegation`), where the privacy tools find them."""

    class Kind(models.TextChoices):
        GIVEN = "given", _("link given")
        REVOKED = "revoked", _("link taken back")
        REFUSED = "refused", _("refused")

    giver = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="delegation_events", verbose_name=_("given from")
    )
    delegation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("link given")
    )
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    email_domain = models.CharField(_("e-mail domain"), max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("delegation event")
        verbose_name_plural = _("delegation log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class Response(TimestampedModel):
    """The one response of a municipality to a round."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses", verbose_name=_("round"))
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="responses",
        verbose_name=_("municipality"),
    )

    class Meta:
        ordering = ["survey", "municipality__number"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.UniqueConstraint(fields=["survey", "municipality"], name="one_response_per_municipality_and_round")
        ]

    def __str__(self) -> str:
        return f"{self.municipality} ({self.survey.year})"


class SectionProgress(TimestampedModel):
    """Where a municipality is in one section: not started, in progress, submitted."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("not started")
        IN_PROGRESS = "in_progress", _("in progress")
        SUBMITTED = "submitted", _("submitted")

    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="progress", verbose_name=_("response")
    )
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="progress", verbose_name=_("section"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    last_worked_by = models.CharField(_("last worked on by"), max_length=200, blank=True)
    last_worked_at = models.DateTimeField(_("last worked on"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.CharField(_("submitted by"), max_length=200, blank=True)

    class Meta:
        ordering = ["response", "section__position"]
        verbose_name = _("section progress")
        verbose_name_plural = _("section progress")
        constraints = [
            models.UniqueConstraint(fields=["response", "section"], name="one_progress_per_response_and_section"),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False), name="submitted_has_a_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response} – {self.section.code}: {self.get_status_display()}"


class Answer(TimestampedModel):
    """One answer of a municipality to one question. `value` is typed JSON: a code,
    a list of codes, {item: code} for a matrix, a number or a text. `version`
    grows with every change so a stale save can be told from a fresh one."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers", verbose_name=_("response"))
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question"))
    value = models.JSONField(_("value"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["response", "question__code"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_response_and_question")
        ]

    def __str__(self) -> str:
        return f"{self.response} {self.question.code}"


class AnswerChange(models.Model):
    """The audit trail: every change of an answer, by whom, through which link or account."""

    # No index of its own: the unique (answer, version) index begins with it, and every save writes a row.
    answer = models.ForeignKey(
        Answer, on_delete=models.PROTECT, related_name="changes", verbose_name=_("answer"), db_index=False
    )
    invitation = models.ForeignKey(
        Invitation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("link")
    )
    user = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("staff account")
    )
    actor_name = models.CharField(_("changed by"), max_length=200)
    old_value = models.JSONField(_("old value"), null=True, blank=True)
    new_value = models.JSONField(_("new value"), null=True, blank=True)
    old_comment = models.TextField(_("old comment"), blank=True)
    new_comment = models.TextField(_("new comment"), blank=True)
    version = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("changed"), auto_now_add=True)

    class Meta:
        ordering = ["answer", "version"]
        verbose_name = _("answer change")
        verbose_name_plural = _("answer changes")
        constraints = [models.UniqueConstraint(fields=["answer", "version"], name="one_change_per_answer_version")]

    def __str__(self) -> str:
        return f"{self.answer} v{self.version}"


class SectionReopening(models.Model):
    """A survey admin reopened a submitted section, with the reason."""

    progress = models.ForeignKey(
        SectionProgress, on_delete=models.CASCADE, related_name="reopenings", verbose_name=_("section")
    )
    user = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("reopened by"))
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("reopened"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("section reopening")
        verbose_name_plural = _("section reopenings")

    def __str__(self) -> str:
        return f"{self.progress} ({self.created_at:%Y-%m-%d})"


from surveys.analytics.models import *  # noqa: E402,F401,F403
