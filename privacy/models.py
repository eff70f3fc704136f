"""The log of what was done with personal data: exports, erasures and pseudonymised rounds.

An erasure's row holds no trace of the person: its subject is the pseudonym that replaced their name
("Slettet person #<id of the row>"), and earlier export rows about the same address get that pseudonym
too. An export's row holds the address it was about, until that person is erased.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from operations.models import TimestampedModel

ERASED_PSEUDONYM = "Slettet person #{number}"


class PersonalDataLog(TimestampedModel):
    class Action(models.TextChoices):
        EXPORT = "export", _("export of one person's data")
        ERASE = "erase", _("erasure of one person's data")
        RETENTION = "retention", _("erasure by the retention rule")
        PSEUDONYMISE = "pseudonymise", _("pseudonymisation of a round's audit trail")

    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    subject = models.CharField(
        _("about"),
        max_length=254,
        blank=True,
        help_text=_("The e-mail address of an export; the pseudonym of an erased person."),
    )
    survey = models.ForeignKey(
        "surveys.Survey",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("round"),
    )
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    performed_by_name = models.CharField(
        _("done by (name)"),
        max_length=150,
        help_text=_("The staff account's user name, or what ran it (the retention rule, the command line)."),
    )
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("personal data log entry")
        verbose_name_plural = _("personal data log")
        permissions = [("manage_personal_data", _("Can export, erase and pseudonymise personal data"))]

    def __str__(self) -> str:
        return f"{self.get_action_display()} – {self.subject or self.survey or ''} ({self.created_at:%Y-%m-%d})"

    @property
    def pseudonym(self) -> str:
        return ERASED_PSEUDONYM.format(number=self.pk)
