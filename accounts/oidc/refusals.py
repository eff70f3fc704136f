"""Why a sign-in through the identity provider was refused: one reason per check, each with the
text the refusal page shows."""

import enum

from django.utils.translation import gettext_lazy as _


class Reason(enum.StrEnum):
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    BAD_SIGNATURE = "bad_signature"
    MALFORMED = "malformed"
    NONCE_REPLAYED = "nonce_replayed"
    NONCE_MISMATCH = "nonce_mismatch"
    STATE = "state"
    MISSING_CLAIM = "missing_claim"
    NO_SECOND_FACTOR = "no_second_factor"
    UNKNOWN_GROUP = "unknown_group"
    DEACTIVATED = "deactivated"
    USERNAME_TAKEN = "username_taken"
    PROVIDER_ERROR = "provider_error"
    TOKEN_REFUSED = "token_refused"
    PROVIDER_UNAVAILABLE = "provider_unavailable"


# What the person is told. The log line and the audit log carry the technical detail.
EXPLANATIONS = {
    Reason.WRONG_ISSUER: _("The answer came from another identity provider than the one this service trusts."),
    Reason.WRONG_AUDIENCE: _("The identity provider's answer was meant for another service."),
    Reason.EXPIRED: _("The identity provider's answer was too old when it arrived."),
    Reason.NOT_YET_VALID: _(
        "The identity provider's answer is not valid yet: the clocks of the provider and this service disagree."
    ),
    Reason.BAD_SIGNATURE: _("The identity provider's answer was not signed with the provider's key."),
    Reason.MALFORMED: _("The identity provider's answer could not be read."),
    Reason.NONCE_REPLAYED: _("The identity provider's answer had been used for a sign-in before."),
    Reason.NONCE_MISMATCH: _("The identity provider's answer belongs to another sign-in."),
    Reason.STATE: _("This sign-in was not started in this browser, or it has been completed already."),
    Reason.MISSING_CLAIM: _("The identity provider did not say everything this service needs to know about you."),
    Reason.NO_SECOND_FACTOR: _(
        "The identity provider did not confirm that you signed in with a second factor (such as an "
        "authenticator app or BankID)."
    ),
    Reason.UNKNOWN_GROUP: _(
        "Your groups at the identity provider give no access to this service: none of them gives a role, or "
        "they name a region this service does not know or more than one region."
    ),
    Reason.DEACTIVATED: _("Your account in this service is deactivated."),
    Reason.USERNAME_TAKEN: _(
        "An account with your user name exists in this service already and signs in with a password."
    ),
    Reason.PROVIDER_ERROR: _("The identity provider did not sign you in."),
    Reason.TOKEN_REFUSED: _("The identity provider would not confirm the sign-in."),
    Reason.PROVIDER_UNAVAILABLE: _("The identity provider does not answer just now."),
}

# What the person can do about it.
ADVICE = {
    Reason.UNKNOWN_GROUP: _("Ask whoever manages the groups at your organisation to add you to the right one."),
    Reason.DEACTIVATED: _("Ask a survey admin or a superuser if you should still have access."),
    Reason.USERNAME_TAKEN: _("A superuser must rename or remove the old account before you can sign in this way."),
    Reason.PROVIDER_UNAVAILABLE: _("Try again in a few minutes."),
    Reason.STATE: _("Start the sign-in again from this service's sign-in page."),
}
DEFAULT_ADVICE = _(
    "Start the sign-in again. If it is refused again, tell the support team the time and the reason code below."
)


class SignInRefused(Exception):
    """A sign-in through the provider that must not go through. `detail` is for the log only."""

    def __init__(self, reason: Reason, detail: str = "", *, username: str = "", user=None):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.username = username
        self.user = user
