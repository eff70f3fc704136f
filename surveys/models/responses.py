"""A municipality's response to a round: its section progress, its answers (one per question,
typed JSON, versioned) and the audit trail of every change."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from operations.models import TimestampedModel
from surveys.models.bank import Question
from surveys.models.questionnaires import Section
from surveys.models.rounds import Invitation, Survey


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
