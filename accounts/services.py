"""Second factors for staff, the audit log and roles given outside the admin.

Every staff account signs in with a password and then a code from an authenticator app
(TOTP, django-otp) or, when the phone is lost, one of ten single-use recovery codes. A new
account sets up its app on first sign-in. Wrong codes slow down (django-otp's throttling);
wrong passwords lock the account and address out (django-axes).
"""

import base64
import io

import segno
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from django_otp import devices_for_user, verify_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import StaffEvent
from accounts.selectors import staff_user_list_waiting
from municipalities.models import Region, StaffProfile
from municipalities.services import staff_role_set

AUTHENTICATOR = "authenticator"
RECOVERY = "recovery codes"
RECOVERY_CODE_COUNT = 10


def client_ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def staff_event_record(
    *, request: HttpRequest | None, kind: str, user: User | None = None, username: str = "", what: str = ""
) -> StaffEvent:
    """One line in the staff audit log; about the signed-in user unless it names someone."""
    if user is None and not username and request is not None and request.user.is_authenticated:
        user = request.user
    return StaffEvent.objects.create(
        user=user,
        username=(user.get_username() if user is not None else username)[:150],
        kind=kind,
        what=what[:300],
        ip_address=client_ip(request),
    )


def has_confirmed_device(user: User) -> bool:
    return next(devices_for_user(user, confirmed=True), None) is not None


def totp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator the user is setting up (the same one until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, name=AUTHENTICATOR, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)


def totp_secret(device: TOTPDevice) -> str:
    """The key in the base32 form authenticator apps accept when typed in."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code in a data: URI (no inline markup, no other origin)."""
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(buffer, kind="svg", scale=5, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@transaction.atomic
def totp_enrolment_confirm(*, request: HttpRequest, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirms the app with a first code: the account is verified for this session and gets
    its recovery codes (returned once, to show). None when the code is wrong."""
    if not device.verify_token(token):
        staff_event_record(request=request, kind=StaffEvent.Kind.SECOND_FACTOR_FAILED, what="enrolment")
        return None
    TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()  # one app per account
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    staff_event_record(request=request, kind=StaffEvent.Kind.ENROLLED)
    return recovery_codes_create(user=device.user, request=request)


@transaction.atomic
def recovery_codes_create(*, user: User, request: HttpRequest | None = None) -> list[str]:
    """Ten new single-use codes; the earlier ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    staff_event_record(request=request, kind=StaffEvent.Kind.RECOVERY_CODES, user=user)
    return codes


def second_factor_verify(*, request: HttpRequest, token: str) -> bool:
    """Checks a code against the user's app, then their recovery codes; marks the session
    verified when one matches. Each device throttles its own failures."""
    token = token.replace(" ", "")
    for device in list(devices_for_user(request.user, confirmed=True)):
        verified = verify_token(request.user, device.persistent_id, token)
        if verified is not None:
            otp_login(request, verified)
            staff_event_record(request=request, kind=StaffEvent.Kind.SECOND_FACTOR, what=verified.name)
            return True
    staff_event_record(request=request, kind=StaffEvent.Kind.SECOND_FACTOR_FAILED)
    return False


def _role_text(role: str | None, region: Region | None) -> str:
    if role is None:
        return "no role"
    return f"{role}:{region.code}" if region is not None else role


@transaction.atomic
def staff_role_change(
    *, user: User, role: str | None, region: Region | None, request: HttpRequest | None, source: str
) -> bool:
    """Sets the account's role and records a change in the audit log; whether it changed."""
    profile = StaffProfile.objects.filter(user=user).select_related("region").first()
    old_role, old_region = (profile.role, profile.region) if profile is not None else (None, None)
    if old_role == role and old_region == region:
        return False
    staff_role_set(user=user, role=role, region=region)
    staff_event_record(
        request=request,
        kind=StaffEvent.Kind.ROLE_CHANGED,
        user=user,
        what=f"{_role_text(old_role, old_region)} -> {_role_text(role, region)} ({source})",
    )
    return True


ROLE_GRANT_GROUPS = gettext_lazy("Roles come from the groups at the identity provider; change them there.")
ROLE_GRANT_NOT_WAITING = gettext_lazy("This account is not waiting for a role.")
ROLE_GRANT_REGION = gettext_lazy("A regional officer needs a region of the scheme in force; the other roles none.")


@transaction.atomic
def staff_role_grant(
    *, user: User, role: str, region: Region | None, granted_by: User, request: HttpRequest | None
) -> None:
    """A survey admin gives a role to someone who signed in through the identity provider and
    is waiting for one. Changing the role of an account that has one stays with superusers."""
    if settings.OIDC_GROUPS_CLAIM:
        raise ValidationError(ROLE_GRANT_GROUPS, code="groups")
    if not staff_user_list_waiting().filter(pk=user.pk).exists():
        raise ValidationError(ROLE_GRANT_NOT_WAITING, code="not_waiting")
    officer = role == StaffProfile.Role.REGIONAL_OFFICER
    if officer != (region is not None) or (region is not None and not region.scheme.is_active):
        raise ValidationError(ROLE_GRANT_REGION, code="region")
    staff_role_change(
        user=user, role=role, region=region, request=request, source=f"granted by {granted_by.get_username()}"
    )


@transaction.atomic
def staff_access_deny(*, user: User, denied_by: User, request: HttpRequest | None) -> None:
    """A survey admin turns away someone waiting for a role: the account is deactivated, so the
    next sign-in through the provider is refused (a superuser can activate it again)."""
    if not staff_user_list_waiting().filter(pk=user.pk).exists():
        raise ValidationError(ROLE_GRANT_NOT_WAITING, code="not_waiting")
    user.is_active = False
    user.save(update_fields=["is_active"])
    staff_event_record(
        request=request,
        kind=StaffEvent.Kind.ACCOUNT_DEACTIVATED,
        user=user,
        what=f"turned away by {denied_by.get_username()}",
    )
