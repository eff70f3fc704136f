"""The staff audit log: sign-ins, second factors and every export or report download; the
accounts that sign in through the organisation's identity provider (OpenID Connect)."""

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
        OIDC_LOGIN = "oidc_login", _("signed in through the identity provider")
        OIDC_REFUSED = "oidc_refused", _("sign-in through the identity provider refused")
        ACCOUNT_CREATED = "account_created", _("account created at a first sign-in through the identity provider")
        ROLE_CHANGED = "role_changed", _("role changed")
        ACCOUNT_DEACTIVATED = "account_deactivated", _("account deactivated")
        PAST_ROUND_IMPORTED = "past_round_imported", _("past round imported from a data file")
        PAST_ROUND_REMOVED = "past_round_removed", _("imported past round removed")

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


class OidcIdentity(models.Model):
    """The person at the identity provider an account belongs to: the provider's `sub` is what
    identifies them, never a name or an e-mail address, which the provider may give to someone
    else later. An account without one signs in with a password."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identity", verbose_name=_("user")
    )
    issuer = models.CharField(_("issuer"), max_length=300)
    subject = models.CharField(_("identifier at the provider"), max_length=255, help_text=_("The `sub` claim."))
    created_at = models.DateTimeField(_("first sign-in"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last sign-in"), auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("identity provider account")
        verbose_name_plural = _("identity provider accounts")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="oidc_identity_issuer_subject_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.issuer})"


class OidcNonce(models.Model):
    """A nonce an accepted ID token carried: a token that comes back with it again is refused.
    Kept (as a SHA-256 digest) for longer than any token the provider issues lives."""

    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.digest
