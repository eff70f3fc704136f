"""A year's questionnaire: sections, each for a respondent role, and the questions placed in
them with the conditions under which they show. Cloning last year's is the normal way to start."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from operations.models import TimestampedModel
from surveys.models.bank import Question, code_validator
from surveys.models.freezing import ChildOfQuestionnaireQuerySet, FreezableQuerySet, FrozenModel
from surveys.texts import text_in_language


class Questionnaire(FrozenModel, TimestampedModel):
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

    def frozen_name(self) -> str:
        return self.title

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class _FrozenWithQuestionnaire(FrozenModel):
    """Sections and items change only while their questionnaire is not frozen."""

    frozen_via = "questionnaire"

    class Meta:
        abstract = True


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
