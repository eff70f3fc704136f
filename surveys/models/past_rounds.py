"""Where an imported past round came from: the file, its checksum, who imported it and when, and
the mapping that turned its columns into questions (reusable for the next year's file)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from operations.models import TimestampedModel
from surveys.models.rounds import Survey


class PastRoundImport(TimestampedModel):
    """The provenance of a round brought in from a data file instead of answered through links."""

    survey = models.OneToOneField(
        Survey, on_delete=models.CASCADE, related_name="past_round_import", verbose_name=_("round")
    )
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    imported_by_name = models.CharField(_("imported by (name)"), max_length=150)
    imported_at = models.DateTimeField(_("imported"))
    reference_day = models.DateField(_("registry day"), help_text=_("The units valid on this day took part."))
    rows = models.PositiveIntegerField(_("rows"))
    mapping = models.JSONField(_("mapping"))
    created_question_ids = models.JSONField(_("questions the import created"), default=list)

    class Meta:
        ordering = ["-survey__year"]
        verbose_name = _("imported past round")
        verbose_name_plural = _("imported past rounds")
        constraints = [
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="past_round_sha256_is_hex"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} ← {self.file_name}"


class PastRoundUpload(TimestampedModel):
    """A data file on its way in: uploaded, its mapping being confirmed in the workspace. Deleted
    when it is imported or dropped; it holds the file itself, so the dry run reads what is imported."""

    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("file"))
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64)
    year = models.PositiveSmallIntegerField(_("year"))
    mapping = models.JSONField(_("mapping"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("uploaded by")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("past round upload")
        verbose_name_plural = _("past round uploads")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.year})"
