"""The staff audit log: sign-ins, second factors and every export or report download."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffEvent(models.Model):
    class Kind(models.TextChoices):
        LOGIN = "login", _("signed in")
        LOGIN_FAILED = "login_failed", _("wrong username or password")
        LOCKED_OUT = "locked_out", _("locked out after repeated failures")
        SECOND_FACTOR = "second_factor", _("second factor confirmed")
        SECOND_FACTOR_FAILED = "second_factor_failed", _("wrong code")
        ENROLLED = "enrolled", _("authenticator app set up")
        RECOVERY_CODES = "recovery_codes", _("new recovery codes")
        LOGOUT = "logout", _("signed out")
        IDLE_LOGOUT = "idle_logout", _("signed out after inactivity")
        DOWNLOAD = "download", _("export or report downloaded")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, help_text=_("As typed, also when no such user exists."))
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    what = models.CharField(_("what"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("staff event")
        verbose_name_plural = _("staff events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username}: {self.get_kind_display()}"
