"""A year's questionnaire: its respondent roles, its sections, each for one of those roles, and
the questions placed in them with the conditions under which they show. Cloning last year's is the
normal way to start."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from municipalities.models import Contact, Municipality
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

    def save(self, *args, **kwargs):
        # A new questionnaire starts with the standard roles; a copy gets its original's
        # (survey_create_next copies them).
        adding = self._state.adding and self.copied_from_id is None
        super().save(*args, **kwargs)
        if adding:
            RespondentRole.objects.bulk_create(standard_roles(self))

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


# The roles whose link opens every section of its unit: the link rule knows them by these codes
# (surveys.link_rule.CHIEF_ROLES and its SQL twin), so only they may be marked the chief executive's.
CHIEF_ROLE_CODES = ("chief_executive", "district_director")


class RespondentRole(_FrozenWithQuestionnaire, TimestampedModel):
    """Who answers a questionnaire's sections: each section is for one of its roles, and an
    invitation for the role goes to the unit's active contacts with `contact_role` in the registry
    (in units of `unit_kind` only, when set). The chief executive's roles open every section."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="roles", verbose_name=_("questionnaire")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.CharField(
        _("code"),
        max_length=30,
        validators=[code_validator],
        help_text=_("E.g. health; stored with sections and links."),
    )
    name_nb = models.CharField(_("name (Bokmål)"), max_length=120)
    name_nn = models.CharField(_("name (Nynorsk)"), max_length=120, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    contact_role = models.CharField(
        _("contact role invited"),
        max_length=30,
        choices=Contact.Role.choices,
        blank=True,
        help_text=_("The registry's contacts with this role get the invitation; empty: nobody is invited."),
    )
    unit_kind = models.CharField(
        _("in units of kind"),
        max_length=20,
        choices=Municipality.Kind.choices,
        blank=True,
        help_text=_("Invite only in municipalities or only in city districts; empty: in both."),
    )
    is_chief_executive = models.BooleanField(
        _("the chief executive's role"), default=False, help_text=_("Its link sees, gives and submits every section.")
    )

    objects = ChildOfQuestionnaireQuerySet.as_manager()

    class Meta:
        ordering = ["questionnaire", "position", "pk"]
        verbose_name = _("respondent role")
        verbose_name_plural = _("respondent roles")
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="respondent_role_code_unique"),
            # One role per contact role and kind of unit, so a contact answers for one role.
            models.UniqueConstraint(
                fields=["questionnaire", "contact_role", "unit_kind"],
                condition=~Q(contact_role=""),
                name="respondent_role_contact_role_unique",
            ),
            models.CheckConstraint(
                condition=Q(is_chief_executive=False) | Q(code__in=CHIEF_ROLE_CODES),
                name="respondent_role_chief_codes",
            ),
        ]

    def __str__(self) -> str:
        return self.name_nb

    def frozen_name(self) -> str:
        return str(self.questionnaire.title)

    def name(self, language: str | None = None) -> str:
        return text_in_language(self, "name", language)

    def clean(self):
        if self.is_chief_executive and self.code not in CHIEF_ROLE_CODES:
            message = _("Only the roles %(codes)s can be the chief executive's.") % {
                "codes": ", ".join(CHIEF_ROLE_CODES)
            }
            raise ValidationError({"is_chief_executive": message})


def role_name(questionnaire_id: int, code: str, language: str | None = None) -> str:
    """The name of a questionnaire's role in the language (the code when it has no such role)."""
    role = RespondentRole.objects.filter(questionnaire_id=questionnaire_id, code=code).first()
    return code if role is None else role.name(language)


def standard_roles(questionnaire: Questionnaire) -> list[RespondentRole]:
    """The roles the survey has asked since 2021 (Section.Role), unsaved: what a new questionnaire
    starts with, and what migration 0015 gave every questionnaire there was. Named as the pages
    named them when the roles were fixed in code."""
    role = Section.Role
    return [
        RespondentRole(questionnaire=questionnaire, position=position, code=code, **fields)
        for position, (code, fields) in enumerate(
            [
                (
                    role.CHIEF_EXECUTIVE,
                    {
                        "name_nb": "kommunedirektør",
                        "name_nn": "kommunedirektør",
                        "name_en": "chief executive",
                        "contact_role": Contact.Role.CHIEF_EXECUTIVE,
                        "unit_kind": Municipality.Kind.MUNICIPALITY,
                        "is_chief_executive": True,
                    },
                ),
                (
                    role.INTRODUCTION_PROGRAMME,
                    {
                        "name_nb": "leder for introduksjonsprogrammet",
                        "name_nn": "leiar for introduksjonsprogrammet",
                        "name_en": "head of the introduction programme",
                        "contact_role": Contact.Role.INTRODUCTION_PROGRAMME,
                    },
                ),
                (
                    role.SCHOOLS,
                    {
                        "name_nb": "skolesjef",
                        "name_nn": "skulesjef",
                        "name_en": "head of schools",
                        "contact_role": Contact.Role.SCHOOLS,
                    },
                ),
                (
                    role.DISTRICT_DIRECTOR,
                    {
                        "name_nb": "bydelsdirektør (Oslos bydeler)",
                        "name_nn": "bydelsdirektør (bydelane i Oslo)",
                        "name_en": "district director (Oslo's districts)",
                        "contact_role": Contact.Role.CHIEF_EXECUTIVE,
                        "unit_kind": Municipality.Kind.DISTRICT,
                        "is_chief_executive": True,
                    },
                ),
            ]
        )
    ]


class Section(_FrozenWithQuestionnaire, TimestampedModel):
    class Role(models.TextChoices):
        """The standard roles (standard_roles): a questionnaire's own are its RespondentRole rows."""

        CHIEF_EXECUTIVE = "chief_executive", _("chief executive")
        INTRODUCTION_PROGRAMME = "introduction_programme", _("head of the introduction programme")
        SCHOOLS = "schools", _("head of schools")
        DISTRICT_DIRECTOR = "district_director", _("district director (Oslo's districts)")

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="sections", verbose_name=_("questionnaire")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    role = models.CharField(
        _("respondent role"), max_length=30, help_text=_("The code of one of the questionnaire's respondent roles.")
    )
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

    def get_role_display(self) -> str:
        """The role's name in the current language (prefetch questionnaire__roles to read nothing)."""
        role = next((role for role in self.questionnaire.roles.all() if role.code == self.role), None)
        return self.role if role is None else role.name()

    def clean(self):
        if self.questionnaire_id and self.role and not self.questionnaire.roles.filter(code=self.role).exists():
            raise ValidationError(
                {"role": _("The questionnaire has no respondent role “%(code)s”.") % {"code": self.role}}
            )


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
