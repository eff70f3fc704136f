"""The account behind a sign-in through the identity provider.

An account belongs to the provider's `sub` for OIDC_ISSUER (accounts.models.OidcIdentity), made
at the person's first sign-in. With OIDC_GROUPS_CLAIM set the role follows the groups on every
sign-in; a person whose groups give no role is refused, and an account that had one loses it
then. Without it a newcomer gets an account with no role and waits for a survey admin.
"""

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from accounts.models import OidcIdentity, StaffEvent
from accounts.oidc.refusals import Reason, SignInRefused
from accounts.oidc.roles import role_from_claims
from accounts.services import staff_event_record, staff_role_change

FROM_GROUPS = "from the identity provider's groups"


def _username(claims: dict) -> str:
    value = claims.get(settings.OIDC_USERNAME_CLAIM)
    if not isinstance(value, str | int) or not str(value).strip():
        raise SignInRefused(Reason.MISSING_CLAIM, settings.OIDC_USERNAME_CLAIM)
    username = str(value).strip()
    if len(username) > User._meta.get_field("username").max_length:
        raise SignInRefused(Reason.MISSING_CLAIM, f"{settings.OIDC_USERNAME_CLAIM} is longer than a user name can be")
    return username


def _profile(claims: dict) -> dict:
    """Name and e-mail address as the provider has them now (claims it does not send stay empty)."""
    given, family = claims.get("given_name"), claims.get("family_name")
    if not isinstance(given, str):
        given, family = claims.get("name"), ""
    return {
        "first_name": (given if isinstance(given, str) else "")[:150],
        "last_name": (family if isinstance(family, str) else "")[:150],
        "email": (claims.get("email") if isinstance(claims.get("email"), str) else "")[:254],
    }


def oidc_account_sync(*, claims: dict, request: HttpRequest | None) -> User:
    """The account for a validated ID token's claims, made or brought up to date; SignInRefused
    when the person may not sign in, with nothing made."""
    subject = str(claims["sub"])
    username = _username(claims)
    identity = OidcIdentity.objects.select_related("user").filter(issuer=settings.OIDC_ISSUER, subject=subject).first()
    user = identity.user if identity is not None else None
    if user is not None and not user.is_active:
        raise SignInRefused(Reason.DEACTIVATED, "the account is deactivated", username=username, user=user)

    role = region = None
    if settings.OIDC_GROUPS_CLAIM:
        try:
            role, region = role_from_claims(claims)
        except SignInRefused as refusal:
            if user is not None:  # out of the groups: out of the platform, from this sign-in on
                staff_role_change(user=user, role=None, region=None, request=request, source=FROM_GROUPS)
            refusal.username, refusal.user = username, user
            raise

    try:
        with transaction.atomic():
            if user is None:
                if User.objects.filter(username=username).exists():
                    raise SignInRefused(Reason.USERNAME_TAKEN, f"user name {username!r} exists", username=username)
                user = User(username=username, is_staff=False, **_profile(claims))
                user.set_unusable_password()
                user.save()
                OidcIdentity.objects.create(user=user, issuer=settings.OIDC_ISSUER, subject=subject)
                staff_event_record(request=request, kind=StaffEvent.Kind.ACCOUNT_CREATED, user=user)
            else:
                changed = {field: value for field, value in _profile(claims).items() if getattr(user, field) != value}
                if changed:
                    User.objects.filter(pk=user.pk).update(**changed)
                identity.save(update_fields=["updated_at"])
            if settings.OIDC_GROUPS_CLAIM:
                staff_role_change(user=user, role=role, region=region, request=request, source=FROM_GROUPS)
    except IntegrityError as error:  # the same person's first sign-in twice at once
        raise SignInRefused(Reason.USERNAME_TAKEN, str(error), username=username) from error
    return User.objects.select_related("staff_profile__region__scheme").get(pk=user.pk)
