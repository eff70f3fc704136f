"""Who may use the design studio: survey admins change, analysts read, nobody else enters.
Every studio view asks these two functions."""

from django.core.exceptions import PermissionDenied

from municipalities.access import staff_role
from municipalities.models import StaffProfile

READERS = frozenset({StaffProfile.Role.SURVEY_ADMIN, StaffProfile.Role.ANALYST})


def studio_may_read(user) -> bool:
    return staff_role(user) in READERS


def studio_may_change(user) -> bool:
    return staff_role(user) == StaffProfile.Role.SURVEY_ADMIN


def studio_check_change(user) -> None:
    if not studio_may_change(user):
        raise PermissionDenied
