"""A yearly round of the survey, the personal links it sends, and the log of sections given to
colleagues. Once a round has opened, its questionnaire stays: the model, bulk updates and, on
PostgreSQL, a trigger refuse a swap."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from operations.models import TimestampedModel
from surveys.models.questionnaires import Questionnaire, Section, role_name

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
    role = models.CharField(
        _("role"), max_length=30, help_text=_("The code of a respondent role of the round's questionnaire.")
    )
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
        return f"{self.municipality} – {self.role} ({self.email})"

    def get_role_display(self) -> str:
        return role_name(self.survey.questionnaire_id, self.role)


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
