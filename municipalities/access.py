"""Who may see what. Every staff view and admin page asks these functions;
none of them decides on its own.

Roles: a survey admin designs and runs the survey, an analyst reads everything about it,
and a regional officer sees the municipalities of their own region on the staff pages.
Superusers keep the back office: staff accounts, second factors and the schedule's machinery.

Regional officers are bound to a region of the scheme in force. An officer
whose region belongs to a scheme that is not (or no longer) in force has no
role in effect and sees nothing, rather than a grouping nobody uses any more,
until a superuser binds them to a region of the scheme in force; the admin
warns on such accounts.
"""

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q, QuerySet

from municipalities.models import Municipality, Region, RegionScheme, StaffProfile


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


VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
EDIT = (VIEW, ADD, CHANGE, DELETE)
READ = (VIEW,)
_ADMIN, _ANALYST = StaffProfile.Role.SURVEY_ADMIN, StaffProfile.Role.ANALYST

# What survey admins and analysts may do in the admin, model by model. Nothing else is granted:
# every model not listed here (staff accounts and their roles, second factors, lockouts, the beat
# schedule, sessions, the task outbox, and any model a new package brings) is for superusers
# only, and regional officers have no admin at all (their pages are under /staff/, scoped to
# their region: `admin_allowed`). tests/test_permission_matrix.py holds every admin page to this.
ADMIN_GRANTS: dict[str, dict[str, tuple[str, ...]]] = {
    # The registry.
    "municipalities.regionscheme": {_ADMIN: EDIT, _ANALYST: READ},
    "municipalities.region": {_ADMIN: EDIT, _ANALYST: READ},
    "municipalities.county": {_ADMIN: EDIT, _ANALYST: READ},
    "municipalities.municipality": {_ADMIN: EDIT, _ANALYST: READ},
    "municipalities.municipalitychange": {_ADMIN: EDIT, _ANALYST: READ},
    "municipalities.municipalityprofile": {_ADMIN: EDIT, _ANALYST: READ},
    "municipalities.contact": {_ADMIN: EDIT, _ANALYST: READ},
    # The question bank, questionnaires and rounds.
    "surveys.scale": {_ADMIN: EDIT, _ANALYST: READ},
    "surveys.scalepoint": {_ADMIN: EDIT, _ANALYST: READ},
    "surveys.question": {_ADMIN: EDIT, _ANALYST: READ},
    "surveys.questionoption": {_ADMIN: EDIT, _ANALYST: READ},
    "surveys.matrixitem": {_ADMIN: EDIT, _ANALYST: READ},
    "surveys.questionnaire": {_ADMIN: EDIT, _ANALYST: READ},
    "surveys.section": {_ADMIN: EDIT, _ANALYST: READ},
    "surveys.item": {_ADMIN: EDIT, _ANALYST: READ},
    "surveys.survey": {_ADMIN: EDIT, _ANALYST: READ},
    "surveys.classificationscheme": {_ADMIN: EDIT, _ANALYST: READ},
    "surveys.analysisband": {_ADMIN: EDIT, _ANALYST: READ},  # the classes, edited inline in their scheme
    # Links and answers: revoked and reopened through their services, never edited.
    "surveys.invitation": {_ADMIN: (VIEW, CHANGE), _ANALYST: READ},
    "surveys.response": {_ADMIN: READ, _ANALYST: READ},
    "surveys.sectionprogress": {_ADMIN: (VIEW, CHANGE), _ANALYST: READ},
    "surveys.answer": {_ADMIN: READ, _ANALYST: READ},
    "surveys.answerchange": {_ADMIN: READ, _ANALYST: READ},
    "surveys.sectionreopening": {_ADMIN: READ, _ANALYST: READ},
    "surveys.delegationevent": {_ADMIN: READ},
    # Reminders: the schedule's rules and texts; the logs are read only.
    "reminders.schedule": {_ADMIN: (VIEW, CHANGE), _ANALYST: READ},
    "reminders.rule": {_ADMIN: EDIT, _ANALYST: READ},
    "reminders.dispatch": {_ADMIN: READ, _ANALYST: READ},
    "reminders.chaseentry": {_ADMIN: READ, _ANALYST: READ},
    # Audit logs of people's data and of staff sign-ins.
    "privacy.personaldatalog": {_ADMIN: READ},
    "accounts.staffevent": {_ADMIN: READ},
}
# Permissions that are not about one admin page.
EXTRA_GRANTS: dict[str, tuple[str, ...]] = {_ADMIN: ("privacy.manage_personal_data",)}


def role_permissions(role: str | None) -> set[str]:
    """The permissions ("app.codename") a staff role has, from ADMIN_GRANTS and EXTRA_GRANTS."""
    granted = {
        f"{label.split('.')[0]}.{action}_{label.split('.')[1]}"
        for label, roles in ADMIN_GRANTS.items()
        for action in roles.get(role, ())
    }
    return granted | set(EXTRA_GRANTS.get(role, ()))


def admin_allowed(user) -> bool:
    """Whether a user may use the admin: superusers, survey admins and analysts. Regional
    officers work on the staff pages, which show only their region."""
    return user.is_active and (user.is_superuser or staff_role(user) in (_ADMIN, _ANALYST))


class RoleBackend(ModelBackend):
    """Django's model backend plus the permissions that follow from a staff role
    (`role_permissions`), so that the admin shows each role exactly what it may use."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            user_obj._role_perm_cache = set() if user_obj.is_superuser else role_permissions(staff_role(user_obj))
        return super().get_all_permissions(user_obj, obj) | user_obj._role_perm_cache


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
