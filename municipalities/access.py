"""Who may see what. Every staff view and admin page asks these functions;
none of them decides on its own.

Roles: a survey admin may do everything, an analyst may read everything, and
a regional officer may read the registry of their own region only.

Regional officers are bound to a region of the scheme in force. An officer
whose region belongs to a scheme that is not (or no longer) in force has no
role in effect and sees nothing, rather than a grouping nobody uses any more,
until a superuser binds them to a region of the scheme in force; the admin
warns on such accounts.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet

from municipalities.models import Municipality, Region, RegionScheme, StaffProfile

# Apps whose models a regional officer may view (scoped by region in querysets).
REGIONAL_OFFICER_VIEW_APPS = {"municipalities", "surveys", "reminders"}


def staff_role(user) -> str | None:
    """The user's staff role, or None for anyone who is not staff."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return StaffProfile.Role.SURVEY_ADMIN
    if not user.is_staff:
        return None
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return None
    if profile.role == StaffProfile.Role.REGIONAL_OFFICER and not staff_profile_region_in_force(profile):
        return None
    return profile.role


def staff_profile_region_in_force(profile: StaffProfile) -> bool:
    """Whether a regional officer's region belongs to the scheme in force."""
    return profile.region is not None and profile.region.scheme.is_active


def staff_region(user) -> Region | None:
    if staff_role(user) != StaffProfile.Role.REGIONAL_OFFICER:
        return None
    return user.staff_profile.region


def municipalities_in_region(region: Region) -> QuerySet[Municipality]:
    """Units of a region: members through their county, unless the unit is
    placed directly in another region of the same scheme, plus direct members.
    For any scheme, in force or not (breakdowns may use an old one); who may
    see what is decided by `municipalities_visible_to`."""
    placed_elsewhere = Region.municipalities.through.objects.filter(region__scheme_id=region.scheme_id).exclude(
        region=region
    )
    return (
        Municipality.objects.filter(Q(direct_regions=region) | Q(county__regions=region))
        .exclude(id__in=placed_elsewhere.values("municipality_id"))
        .distinct()
    )


def municipalities_visible_to(user) -> QuerySet[Municipality]:
    role = staff_role(user)
    if role in (StaffProfile.Role.SURVEY_ADMIN, StaffProfile.Role.ANALYST):
        return Municipality.objects.all()
    if role == StaffProfile.Role.REGIONAL_OFFICER:
        return municipalities_in_region(user.staff_profile.region)
    return Municipality.objects.none()


def may_see_municipality(user, municipality: Municipality) -> bool:
    """The one answer to "may this user see this municipality?"."""
    return municipalities_visible_to(user).filter(pk=municipality.pk).exists()


def region_of_municipality(municipality: Municipality, scheme: RegionScheme | None = None) -> Region | None:
    """The region a unit belongs to in a scheme (the active one by default)."""
    scheme = scheme or RegionScheme.objects.filter(is_active=True).first()
    if scheme is None:
        return None
    direct = scheme.regions.filter(municipalities=municipality).first()
    return direct or scheme.regions.filter(counties=municipality.county_id).first()


class RoleBackend(ModelBackend):
    """Django's model backend plus the permissions that follow from a staff role,
    so that the admin shows each role exactly what it may use."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            user_obj._role_perm_cache = self._role_permissions(user_obj)
        return super().get_all_permissions(user_obj, obj) | user_obj._role_perm_cache

    def _role_permissions(self, user_obj) -> set[str]:
        role = staff_role(user_obj)
        if role is None or user_obj.is_superuser:
            return set()
        permissions = Permission.objects.select_related("content_type")
        if role == StaffProfile.Role.ANALYST:
            permissions = permissions.filter(Q(codename__startswith="view_") | Q(codename__startswith="export_"))
        elif role == StaffProfile.Role.REGIONAL_OFFICER:
            permissions = permissions.filter(
                codename__startswith="view_", content_type__app_label__in=REGIONAL_OFFICER_VIEW_APPS
            ).exclude(codename__in=["view_regionscheme", "view_staffprofile"])
        else:
            # Survey admins design and run everything, but staff accounts and
            # their roles stay with superusers.
            permissions = permissions.exclude(content_type__app_label="auth")
        return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def staff_required(view):
    """Staff pages: sends anonymous users to the login page, refuses users without a staff role."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login
    from django.core.exceptions import PermissionDenied

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if staff_role(request.user) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
